package simulate

import (
	"context"
	"log/slog"

	"github.com/itms-tools/reconciler/clock"
)

// virtualTime stamps log records with the simulation's clock instead of
// the wall clock, so that logs line up with the journal and the report.
type virtualTime struct {
	h   slog.Handler
	clk clock.Clock
}

func (v virtualTime) Enabled(ctx context.Context, l slog.Level) bool { return v.h.Enabled(ctx, l) }

func (v virtualTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = v.clk.Now()
	return v.h.Handle(ctx, r)
}

func (v virtualTime) WithAttrs(as []slog.Attr) slog.Handler {
	return virtualTime{h: v.h.WithAttrs(as), clk: v.clk}
}

func (v virtualTime) WithGroup(name string) slog.Handler {
	return virtualTime{h: v.h.WithGroup(name), clk: v.clk}
}
