package failure

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// waitErr is an error that asks to be retried after a delay, as a driver
// returns for a busy agent.
type waitErr struct {
	error
	after time.Duration
}

func (e waitErr) Unwrap() error             { return e.error }
func (e waitErr) RetryAfter() time.Duration { return e.after }

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
		{"waiting", waitErr{base, time.Minute}, Waiting, time.Minute},
		{"wrapped waiting", fmt.Errorf("x: %w", waitErr{base, 2 * time.Minute}), Waiting, 2 * time.Minute},
		{"terminal wins over waiting", MarkTerminal(waitErr{base, time.Minute}), Terminal, 0},
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
	if MarkTerminal(nil) != nil {
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
