package httpserve

import "time"

// Limits bound what HTTP clients may hold of the process.
type Limits struct {
	ReadHeader time.Duration // to read a request's header
	Read       time.Duration // to read a whole request
	Write      time.Duration // to write an answer, from the end of the header
	Idle       time.Duration // a keep-alive connection waiting for its next request
	MaxConns   int           // connections held at once
	MaxHeader  int           // bytes of request header
}

// Defaults for the daemon's endpoints: a scrape is a small GET answered in
// milliseconds.
const (
	defaultReadHeader = 5 * time.Second
	defaultRead       = 10 * time.Second
	defaultWrite      = 30 * time.Second
	defaultIdle       = 60 * time.Second
	defaultHeader     = 16 << 10
	// maxConns is the most connections served at once: a few scrapers and
	// probes need a handful.
	maxConns = 64
	// fdShare is the share of the process's file descriptor limit that
	// HTTP may use at most (one in fdShare); the rest is the passes'.
	fdShare = 4
)

// DefaultLimits are the limits of the daemon's endpoint: the default
// timeouts, and at most 64 connections or a quarter of the process's file
// descriptor limit, whichever is lower (at least 1).
func DefaultLimits() Limits {
	return Limits{ReadHeader: defaultReadHeader, Read: defaultRead, Write: defaultWrite, Idle: defaultIdle,
		MaxConns: connsFor(fdLimit()), MaxHeader: defaultHeader}
}

// connsFor is the connection cap for a descriptor limit (0: unknown).
func connsFor(limit uint64) int {
	if limit == 0 || limit/fdShare >= maxConns {
		return maxConns
	}
	return max(1, int(limit/fdShare))
}
