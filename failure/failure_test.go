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
