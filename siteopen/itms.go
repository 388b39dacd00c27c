package siteopen

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/localkey"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/site/itms"
)

// KeyPath is where the install's local key lives: beside the journal.
func KeyPath(p *policy.Policy) string { return p.Audit.Path + ".key" }

// openITMS opens a real ITMS estate: SQL Server for the CMDB, WinRM for
// the NS and the package servers, sp_getapplock for the leader lock. The
// local key (KeyPath) fingerprints the secrets, so that a refused password
// is recognised again, across restarts, without being kept; without a
// key a refused login is matched by its user alone, until a reload.
func openITMS(ctx context.Context, cfg *policy.ITMSSite, keyPath string, log *slog.Logger) (*Opened, error) {
	opt := itms.Options{Getenv: os.Getenv, ReadFile: os.ReadFile, Logger: log}
	if key, err := localkey.LoadOrCreate(keyPath); err != nil {
		log.Warn("local key not loaded: refused credentials are recognised by their user alone, "+
			"so a changed password is tried only after a policy reload", "key", keyPath, "error", err)
	} else {
		opt.Fingerprint = key.Fingerprint
	}
	s, err := itms.Open(ctx, *cfg, opt)
	if err != nil {
		return nil, fmt.Errorf("open ITMS site: %w", err)
	}
	o := &Opened{
		Site:    controller.Site{CMDB: s, NS: s, Agents: s, Driver: s, Lock: s.Lock(), Logins: loginsOf(s)},
		Notes:   s.StartupNotes(),
		Secrets: s.Secrets,
		Schema:  s.CMDBSchema,
	}
	o.close = s.Close
	return o, nil
}

// loginsOf maps the ITMS site's logins to the parts that use them: the
// WinRM account for the NS, the agents and every action, the DSN's for the
// CMDB reads and the leader lock.
func loginsOf(s *itms.Site) func() map[controller.Part]failure.Login {
	return func() map[controller.Part]failure.Login {
		winrm, cmdb := s.Logins()
		return map[controller.Part]failure.Login{
			controller.PartNS: winrm, controller.PartAgents: winrm, controller.PartDriver: winrm,
			controller.PartCMDB: cmdb, controller.PartLock: cmdb,
		}
	}
}
