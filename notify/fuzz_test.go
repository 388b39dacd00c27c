package notify

import (
	"testing"
	"time"
)

// FuzzParseRate: any input parses to a valid rate or fails; a rate that
// parses renders and parses back to itself.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"30/1h", "1/1ns", "0/1h", "5/-1m", "x/1h", "10 / 90s", "1000001/1h", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if r.Max < 1 || r.Per <= 0 {
			t.Fatalf("ParseRate(%q) = %+v: out of range", s, r)
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("round trip of %q: %+v, %v", s, back, err)
		}
	})
}

// FuzzVerify: untrusted headers never panic Verify, and only the exact
// signature of the exact body at an acceptable time passes.
func FuzzVerify(f *testing.F) {
	f.Add("1772330400", "sha256="+signVector, []byte(`{"version":1}`))
	f.Add("-1", "sha256=", []byte{})
	f.Add("99999999999999999999", "sha256=zz", []byte("x"))
	now := time.Unix(1772330400, 0)
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		err := Verify([]byte("s3cret"), ts, sig, body, now, DefaultTolerance)
		if err == nil && sig != Sign([]byte("s3cret"), ts, body) {
			t.Fatalf("accepted a signature that is not Sign's: %q %q %q", ts, sig, body)
		}
	})
}
