package rfc5424

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

// Config configures a Forwarder.
type Config struct {
	Network  string // "udp", "tcp" or "unixgram"
	Address  string // host:port, or the socket's path
	Facility int    // 0–23
	Queue    int    // records waiting; at least 1
	// Hostname and AppName fill the header; "" means os.Hostname and
	// "reconciler".
	Hostname, AppName string
	// Secrets are scrubbed from every message (audit.Redact).
	Secrets func() []string
	// Clock times the backoff between connection attempts; nil is the
	// wall clock.
	Clock clock.Clock
	// Dial connects; nil uses net.Dialer with a 5-second timeout.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Logger receives connection problems (once per outage).
	Logger *slog.Logger
}

// Stats counts what a Forwarder did.
type Stats struct {
	Sent    int64 // messages written to the collector
	Dropped int64 // records dropped: queue full, collector unreachable, shutdown
	Errors  int64 // failed connection attempts and writes
}

// Forwarder sends records to one collector from its own goroutine.
type Forwarder struct {
	cfg    Config
	head   Header
	max    int
	queue  chan []byte
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	sent   atomic.Int64
	drops  atomic.Int64
	errs   atomic.Int64
	broken bool // the collector is unreachable (logged once), sender only
}

const (
	writeTimeout = 5 * time.Second
	dialTimeout  = 5 * time.Second
	backoffFirst = time.Second
	backoffMax   = time.Minute
	// maxDatagram keeps a UDP or datagram-socket message within one
	// datagram on every system.
	maxDatagram = 60 << 10
	maxStream   = audit.MaxRecordSize + 4<<10
)

// New starts a forwarder; Close stops it.
func New(cfg Config) *Forwarder {
	if cfg.Queue < 1 {
		cfg.Queue = 1
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	if cfg.AppName == "" {
		cfg.AppName = "reconciler"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Dial == nil {
		d := &net.Dialer{Timeout: dialTimeout}
		cfg.Dial = d.DialContext
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Forwarder{cfg: cfg, max: maxDatagram, queue: make(chan []byte, cfg.Queue),
		stop: make(chan struct{}), done: make(chan struct{}),
		head: Header{Facility: cfg.Facility, Hostname: cfg.Hostname, AppName: cfg.AppName, ProcID: strconv.Itoa(os.Getpid())}}
	if cfg.Network == "tcp" {
		f.max = maxStream
	}
	go f.run()
	return f
}

// Send queues r without ever blocking: when the queue is full (the
// collector is slow or down), r is dropped and counted.
func (f *Forwarder) Send(r audit.Record) {
	msg := Format(r, f.head, f.max)
	if f.cfg.Secrets != nil {
		msg = []byte(audit.Redact(string(msg), f.cfg.Secrets()))
	}
	if f.cfg.Network == "tcp" {
		msg = append([]byte(strconv.Itoa(len(msg))+" "), msg...) // RFC 6587 octet counting
	}
	select {
	case <-f.stop:
		f.drops.Add(1)
	case f.queue <- msg:
	default:
		f.drops.Add(1)
	}
}

// Stats returns the counts so far.
func (f *Forwarder) Stats() Stats {
	return Stats{Sent: f.sent.Load(), Dropped: f.drops.Load(), Errors: f.errs.Load()}
}

// Close stops the forwarder: what is queued is written if the collector is
// connected (each write bounded by its deadline), else dropped.
func (f *Forwarder) Close() error {
	f.once.Do(func() { close(f.stop) })
	<-f.done
	return nil
}

// run writes queued messages until Close.
func (f *Forwarder) run() {
	defer close(f.done)
	var conn net.Conn
	backoff := backoffFirst
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		var msg []byte
		select {
		case <-f.stop:
			f.drain(conn)
			return
		case msg = <-f.queue:
		}
		if conn == nil {
			c, err := f.dial()
			if err != nil {
				f.drops.Add(1)
				if !f.wait(backoff) {
					f.drain(nil)
					return
				}
				backoff = min(2*backoff, backoffMax)
				continue
			}
			conn, backoff = c, backoffFirst
		}
		if err := f.write(conn, msg); err != nil {
			conn.Close()
			conn = nil
		}
	}
}

func (f *Forwarder) dial() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := f.cfg.Dial(ctx, f.cfg.Network, f.cfg.Address)
	if err != nil {
		f.errs.Add(1)
		if !f.broken {
			f.broken = true
			f.cfg.Logger.Warn("syslog collector unreachable: records are dropped until it answers (the journal keeps them)",
				"network", f.cfg.Network, "address", f.cfg.Address, "error", err)
		}
		return nil, err
	}
	if f.broken {
		f.broken = false
		f.cfg.Logger.Info("syslog collector reachable again", "address", f.cfg.Address)
	}
	return c, nil
}

// write sends one message; a failure drops it.
func (f *Forwarder) write(conn net.Conn, msg []byte) error {
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := conn.Write(msg); err != nil {
		f.errs.Add(1)
		f.drops.Add(1)
		return fmt.Errorf("syslog write: %w", err)
	}
	f.sent.Add(1)
	return nil
}

// wait sleeps d on the clock; false when Close came first.
func (f *Forwarder) wait(d time.Duration) bool {
	t := f.cfg.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-f.stop:
		return false
	}
}

// drain writes or drops what is queued at Close.
func (f *Forwarder) drain(conn net.Conn) {
	for {
		select {
		case msg := <-f.queue:
			if conn == nil {
				f.drops.Add(1)
			} else if f.write(conn, msg) != nil {
				conn = nil
			}
		default:
			return
		}
	}
}
