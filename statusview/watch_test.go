package statusview

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

// TestWatchRendersEveryInterval: a render at once, one per interval on the
// fake clock, none after the context ends; renders separated by a time
// line off a terminal, by a clear-screen on one.
func TestWatchRendersEveryInterval(t *testing.T) {
	for _, clear := range []bool{false, true} {
		t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		clk := clock.NewFake(t0)
		var mu sync.Mutex
		var out bytes.Buffer
		renders := 0
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		w := lockedWriter{&mu, &out}
		go func() {
			done <- Watch(ctx, clk, 5*time.Second, w, clear, func() int {
				mu.Lock()
				defer mu.Unlock()
				renders++
				out.WriteString("render\n")
				return renders
			})
		}()
		for range 3 {
			clk.WaitForTimers(1)
			clk.Advance(5 * time.Second)
		}
		clk.WaitForTimers(1)
		cancel()
		code := <-done
		mu.Lock()
		text := out.String()
		mu.Unlock()
		if renders != 4 || code != 4 {
			t.Errorf("clear=%v: %d renders, code %d; want 4 (at once, then at 5s, 10s, 15s)", clear, renders, code)
		}
		if clear && strings.Count(text, clearScreen) != 4 {
			t.Errorf("clear-screen written %d times:\n%q", strings.Count(text, clearScreen), text)
		}
		if !clear && !strings.Contains(text, "\n--- 2026-03-01T02:00:15Z\nrender\n") || !clear && strings.Contains(text, clearScreen) {
			t.Errorf("off a terminal:\n%s", text)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
