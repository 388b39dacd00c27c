package policy

import (
	"fmt"
	"math"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Defaults of the audit block.
const (
	defaultRotateSize  = 64 << 20           // 64 MiB
	defaultRotateAge   = 7 * 24 * time.Hour // a week
	defaultRetainDays  = 90                 // about a quarter
	defaultSyslogQueue = 1000               // records
	minRotateSize      = 1 << 20            // the largest record
	minRotateAge       = time.Hour          //
	maxRetainDays      = 100 * 365          //
	maxSize            = 1 << 40            // 1 TiB
	defaultFacility    = 16                 // local0
)

var auditSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "path"}, {Name: "rotate_size"}, {Name: "rotate_age"},
		{Name: "retain_days"}, {Name: "retain_size"}},
	Blocks: []hcl.BlockHeaderSchema{{Type: "syslog"}},
}

// audit decodes the journal's block: its location (default audit.jsonl
// next to the policy), rotation, retention and syslog forwarding.
func (d *decoder) audit(b *hcl.Block) Audit {
	a := Audit{Path: d.abs(defaultAuditFile), RotateSize: defaultRotateSize, RotateAge: defaultRotateAge,
		RetainDays: defaultRetainDays}
	if b == nil {
		return a
	}
	c := d.content(b.Body, auditSchema)
	d.localPath(c.Attributes, "path", &a.Path)
	d.size(c.Attributes, "rotate_size", &a.RotateSize, minRotateSize)
	if at := d.duration(c.Attributes, "rotate_age", &a.RotateAge, true); at != nil && a.RotateAge > 0 && a.RotateAge < minRotateAge {
		d.fail(at.Expr.Range(), "Duration out of range", "rotate_age must be 0 (never by age) or at least %s; got %s.", minRotateAge, a.RotateAge)
	}
	d.intRange(c.Attributes, "retain_days", &a.RetainDays, 0, maxRetainDays)
	if at := d.size(c.Attributes, "retain_size", &a.RetainSize, 1); at != nil && a.RetainSize > 0 && a.RetainSize < a.RotateSize {
		d.fail(at.Expr.Range(), "Value out of range",
			"retain_size (%d bytes) must be 0 (no cap) or at least rotate_size (%d bytes), so that it can keep a whole segment.", a.RetainSize, a.RotateSize)
	}
	a.Syslog = d.syslog(d.single(c.Blocks, "syslog", false, b.DefRange, ""))
	return a
}

// size decodes a size in bytes ("64MiB", "500MB", "1GiB", "0"): 0, or
// between lo and 1 TiB.
func (d *decoder) size(attrs hcl.Attributes, name string, dst *int64, lo int64) *hcl.Attribute {
	var s string
	a := attr(d, attrs, name, &s)
	if a == nil {
		return nil
	}
	v, err := ParseSize(s)
	switch {
	case err != nil:
		d.fail(a.Expr.Range(), "Invalid size", "%s takes a size such as \"64MiB\", \"500MB\" or \"1GiB\" (\"0\" turns it off): %v.", name, err)
		return nil
	case v != 0 && (v < lo || v > maxSize):
		d.fail(a.Expr.Range(), "Size out of range", "%s must be 0 or between %s and 1TiB; got %q.", name, formatSize(lo), clip(s))
		return nil
	}
	*dst = v
	return a
}

// sizeUnits are the units ParseSize knows, in bytes.
var sizeUnits = map[string]int64{"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}

// ParseSize reads a size in bytes: a whole number and an optional unit
// (B, KB, MB, GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of
// 1024), case-insensitive, with optional space between.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q does not start with a whole number", clip(s))
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: number too large", clip(s))
	}
	mult, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit (want B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)", clip(s))
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q: too large", clip(s))
	}
	return n * mult, nil
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

var syslogSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "address", Required: true},
	{Name: "facility"}, {Name: "queue"}}}

// syslog decodes where records are forwarded; nil without the block.
func (d *decoder) syslog(b *hcl.Block) *Syslog {
	if b == nil {
		return nil
	}
	c := d.content(b.Body, syslogSchema)
	s := &Syslog{Facility: defaultFacility, Queue: defaultSyslogQueue}
	var addr string
	if a := attr(d, c.Attributes, "address", &addr); a != nil {
		var err error
		if s.Network, s.Address, err = ParseSyslogAddress(addr); err != nil {
			d.fail(a.Expr.Range(), "Invalid syslog address",
				"address is udp://HOST:PORT, tcp://HOST:PORT or unix:///absolute/socket (e.g. \"udp://127.0.0.1:514\", \"unix:///dev/log\"): %v.", err)
		}
	}
	var fac string
	if a := attr(d, c.Attributes, "facility", &fac); a != nil {
		n, ok := facilities[strings.ToLower(fac)]
		if !ok {
			d.fail(a.Expr.Range(), "Invalid syslog facility",
				"facility is one of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0 … local7; got %q.", clip(fac))
		}
		s.Facility = n
	}
	d.intRange(c.Attributes, "queue", &s.Queue, 1, 100_000)
	return s
}

// facilities are RFC 5424's facility names and codes.
var facilities = map[string]int{"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5,
	"lpr": 6, "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12, "security": 13,
	"console": 14, "solaris-cron": 15, "local0": 16, "local1": 17, "local2": 18, "local3": 19,
	"local4": 20, "local5": 21, "local6": 22, "local7": 23}

// ParseSyslogAddress reads udp://HOST:PORT, tcp://HOST:PORT or
// unix:///absolute/path into a network and an address for net.Dial.
func ParseSyslogAddress(s string) (network, address string, err error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", "", fmt.Errorf("%q has no scheme", clip(s))
	}
	switch scheme {
	case "udp", "tcp":
		host, port, err := net.SplitHostPort(rest)
		if err != nil || host == "" || strings.ContainsAny(host, "/?#@ ") {
			return "", "", fmt.Errorf("%q: want HOST:PORT after %s://", clip(s), scheme)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return "", "", fmt.Errorf("%q: port must be 1–65535", clip(s))
		}
		return scheme, rest, nil
	case "unix":
		if !filepath.IsAbs(rest) && !strings.HasPrefix(rest, "/") || strings.ContainsFunc(rest, isControl) {
			return "", "", fmt.Errorf("%q: want an absolute socket path after unix://", clip(s))
		}
		return "unixgram", rest, nil
	}
	return "", "", fmt.Errorf("%q: scheme %q is not udp, tcp or unix", clip(s), clip(scheme))
}
