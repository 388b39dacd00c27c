package siteopen

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/itms"
)

// openITMS opens a real ITMS estate: SQL Server for the CMDB, WinRM for
// the NS and the package servers, sp_getapplock for the leader lock.
func openITMS(ctx context.Context, cfg *policy.ITMSSite, log *slog.Logger) (*Opened, error) {
	s, err := itms.Open(ctx, *cfg, itms.Options{Getenv: os.Getenv, ReadFile: os.ReadFile, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open ITMS site: %w", err)
	}
	o := &Opened{
		Site:    controller.Site{CMDB: s, NS: s, Agents: s, Driver: s, Lock: s.Lock()},
		Notes:   s.StartupNotes(),
		Secrets: s.Secrets,
	}
	o.close = s.Close
	return o, nil
}
