package failure

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name  string
		err   error
		class Class
		after time.Duration
	}{
		{"plain", base, Transient, 0},
		{"terminal", MarkTerminal(base), Terminal, 0},
		{"wrapped terminal", fmt.Errorf("update PS001: %w", MarkTerminal(base)), Terminal, 0},
		{"waiting", MarkWaiting(base, time.Minute), Waiting, time.Minute},
		{"wrapped waiting", fmt.Errorf("x: %w", MarkWaiting(base, 2*time.Minute)), Waiting, 2 * time.Minute},
		{"terminal wins over waiting", MarkTerminal(MarkWaiting(base, time.Minute)), Terminal, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, d := Classify(tc.err)
			if c != tc.class || d != tc.after {
				t.Errorf("Classify = %v %v, want %v %v", c, d, tc.class, tc.after)
			}
			if !errors.Is(tc.err, base) {
				t.Error("classification hides the cause")
			}
		})
	}
	if MarkTerminal(nil) != nil || MarkWaiting(nil, time.Second) != nil {
		t.Error("nil must stay nil")
	}
}

func TestAuth(t *testing.T) {
	l := Login{Source: "winrm", User: `CORP\svc`, Fingerprint: "ab"}
	err := fmt.Errorf("create shell: %w", MarkAuth(errors.New("HTTP 401"), l))
	if c, _ := Classify(err); c != Terminal {
		t.Errorf("a refused login is %v, want terminal", c)
	}
	got, ok := AuthOf(err)
	if !ok || got != l {
		t.Fatalf("AuthOf = %+v %v", got, ok)
	}
	if _, ok := AuthOf(MarkTerminal(errors.New("x"))); ok {
		t.Error("a plain terminal error is not a refused login")
	}
	if MarkAuth(nil, l) != nil {
		t.Error("nil must stay nil")
	}
	for _, tc := range []struct {
		m    Login
		same bool
	}{
		{l, true},
		{Login{Source: "winrm", User: `CORP\svc`, Fingerprint: "cd"}, false},
		{Login{Source: "winrm", User: `CORP\svc`}, true},
		{Login{Source: "cmdb", User: `CORP\svc`, Fingerprint: "ab"}, false},
		{Login{Source: "winrm", User: `CORP\other`, Fingerprint: "ab"}, false},
	} {
		if l.Same(tc.m) != tc.same {
			t.Errorf("Same(%+v) = %v", tc.m, !tc.same)
		}
	}
}
