package policy

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAuditBlock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.hcl")
	tests := []struct {
		name string
		src  string
		want Audit // Path is not compared
	}{
		{"defaults", ``, Audit{RotateSize: 64 << 20, RotateAge: 168 * time.Hour, RetainDays: 90}},
		{"every setting", `audit {
  rotate_size = "256 MiB"
  rotate_age  = "24h"
  retain_days = 400
  retain_size = "10GB"
  syslog {
    address  = "tcp://siem.corp.example:6514"
    facility = "auth"
    queue    = 50
  }
}`, Audit{RotateSize: 256 << 20, RotateAge: 24 * time.Hour, RetainDays: 400, RetainSize: 10e9,
			Syslog: &Syslog{Network: "tcp", Address: "siem.corp.example:6514", Facility: 4, Queue: 50}}},
		{"rotation and retention off", `audit {
  rotate_size = "0"
  rotate_age  = "0s"
  retain_days = 0
}`, Audit{}},
		{"local syslog socket", `audit {
  syslog { address = "unix:///dev/log" }
}`, Audit{RotateSize: 64 << 20, RotateAge: 168 * time.Hour, RetainDays: 90,
			Syslog: &Syslog{Network: "unixgram", Address: "/dev/log", Facility: 16, Queue: 1000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(base+tt.src), file)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Audit
			got.Path = ""
			if got.Syslog != nil && tt.want.Syslog != nil && *got.Syslog == *tt.want.Syslog {
				got.Syslog, tt.want.Syslog = nil, nil
			}
			if got != tt.want {
				t.Fatalf("Audit = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAuditBlockInvalid(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.hcl")
	tests := []struct {
		name, src, at, summary string
	}{
		{"size without a number", `audit { rotate_size = "big" }`, "3:23", "Invalid size"},
		{"unknown unit", `audit { rotate_size = "64 MiBs" }`, "3:23", "Invalid size"},
		{"rotate_size below a record", `audit { rotate_size = "1KiB" }`, "3:23", "Size out of range"},
		{"rotate_size above 1 TiB", `audit { rotate_size = "2TiB" }`, "3:23", "Size out of range"},
		{"rotate_age too short", `audit { rotate_age = "10m" }`, "3:22", "Duration out of range"},
		{"negative retain_days", `audit { retain_days = -1 }`, "3:23", "Value out of range"},
		{"retain_size below rotate_size", `audit { retain_size = "10MiB" }`, "3:23", "Value out of range"},
		{"syslog without address", "audit {\n  syslog {}\n}", "4:10", "Missing required argument"},
		{"syslog address without scheme", "audit {\n  syslog { address = \"127.0.0.1:514\" }\n}", "4:22", "Invalid syslog address"},
		{"syslog relative socket", "audit {\n  syslog { address = \"unix://dev/log\" }\n}", "4:22", "Invalid syslog address"},
		{"syslog port out of range", "audit {\n  syslog { address = \"udp://h:70000\" }\n}", "4:22", "Invalid syslog address"},
		{"syslog unknown facility", "audit {\n  syslog {\n    address  = \"udp://h:514\"\n    facility = \"local9\"\n  }\n}", "6:16", "Invalid syslog facility"},
		{"two syslog blocks", "audit {\n  syslog { address = \"udp://h:514\" }\n  syslog { address = \"udp://h:515\" }\n}", "5:3", "Duplicate syslog block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(base+tt.src), file)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want a policy error", err)
			}
			want := file + ":" + tt.at + ": " + tt.summary
			if len(pe.Diags) != 1 || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("got %d diagnostic(s):\n%s\nwant one starting %q", len(pe.Diags), err, want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1048576", 1 << 20, true}, {"64MiB", 64 << 20, true}, {"64 mib", 64 << 20, true},
		{"500MB", 500e6, true}, {"1GiB", 1 << 30, true}, {"2TB", 2e12, true}, {"10B", 10, true},
		{"", 0, false}, {"MiB", 0, false}, {"-1MiB", 0, false}, {"1.5GiB", 0, false}, {"1 PiB", 0, false},
		{"99999999999999999999", 0, false}, {"9999999999TiB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// FuzzParseSize: ParseSize never panics, and what it accepts is the
// number times a known unit, never negative.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64MiB", "0", "1 GB", "9223372036854775807", "12kib"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}

// FuzzParseSyslogAddress: never panics; what it accepts has a network
// net.Dial knows and a non-empty address.
func FuzzParseSyslogAddress(f *testing.F) {
	for _, s := range []string{"udp://127.0.0.1:514", "tcp://[::1]:6514", "unix:///dev/log", "udp://:514", "x://y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nw, addr, err := ParseSyslogAddress(s)
		if err == nil && (addr == "" || nw != "udp" && nw != "tcp" && nw != "unixgram") {
			t.Fatalf("ParseSyslogAddress(%q) = %q %q", s, nw, addr)
		}
	})
}
