package site

import (
	"context"
	"errors"
	"log/slog"

	"github.com/itms-tools/reconciler/policy"
)

// openITMS opens a real ITMS estate.
func openITMS(ctx context.Context, cfg *policy.ITMSSite, log *slog.Logger) (*Opened, error) {
	return nil, errors.New("site \"itms\": the real-site driver is not in this build yet")
}
