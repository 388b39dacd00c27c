package statusview

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

// clearScreen moves the cursor home and clears a terminal.
const clearScreen = "\x1b[H\x1b[2J"

// Watch renders at once and then every interval until ctx ends, and
// returns the last render's exit code. On a terminal (clear) it clears
// the screen before each render; elsewhere it separates renders with a
// line naming the time, so that a log of them reads in order.
func Watch(ctx context.Context, clk clock.Clock, every time.Duration, w io.Writer, clear bool, render func() int) int {
	code := 0
	for n := 0; ; n++ {
		switch {
		case clear:
			io.WriteString(w, clearScreen)
		case n > 0:
			fmt.Fprintf(w, "\n--- %s\n", stamp(clk.Now()))
		}
		code = render()
		t := clk.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return code
		case <-t.C():
		}
	}
}
