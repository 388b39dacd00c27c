package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
)

// openJournal opens the policy's journal for writing, logs what its
// recovery did and records the start with the security-relevant notes of
// the site.
func (s *session) openJournal(command string) (*audit.Journal, error) {
	if err := os.MkdirAll(filepath.Dir(s.pol.Audit.Path), 0o700); err != nil {
		return nil, fmt.Errorf("journal folder: %w", err)
	}
	lost := journalLost(s.pol.Audit.Path)
	if lost {
		s.log.Error("the audit journal is missing though it existed (its lock file is there): "+
			"destructive kinds get no budget for one limit window", "journal", s.pol.Audit.Path)
	}
	j, err := audit.Open(s.pol.Audit.Path, audit.Options{Clock: s.clk, Logger: s.log, Secrets: s.secrets.Values})
	if err != nil {
		return nil, fmt.Errorf("open audit journal: %w", err)
	}
	for _, r := range j.Recovered() {
		s.log.Warn("journal recovery", "type", r.Type, "action", r.Action, "outcome", r.Outcome)
	}
	detail := map[string]any{"command": command, "policy": s.pol.File, "mode": s.pol.Mode,
		"site": s.pol.Site.Kind, "notes": s.site.Notes}
	if lost {
		detail[controller.JournalLostKey] = true
	}
	if _, err := j.Append(audit.Record{Type: audit.TypeStartup, Detail: audit.JSON(detail)}); err != nil {
		j.Close()
		return nil, fmt.Errorf("record start: %w", err)
	}
	return j, nil
}

// journalLost reports a journal that existed and is gone: its lock file
// (which audit.Open leaves behind) is there, the journal is not. A first
// start has neither.
func journalLost(path string) bool {
	_, jerr := os.Stat(path)
	_, lerr := os.Stat(audit.LockPath(path))
	return errors.Is(jerr, fs.ErrNotExist) && lerr == nil
}

// leaderController builds a controller that writes to j, with its gates
// rebuilt from the journal.
func (s *session) leaderController(j *audit.Journal, m *controller.Metrics) (*controller.Controller, error) {
	ctl, err := controller.New(controller.Options{Policy: s.pol, Site: s.site.Site, Journal: j,
		Clock: s.clk, Logger: s.log, Metrics: m, JournalPath: s.pol.Audit.Path})
	if err != nil {
		return nil, err
	}
	if err := ctl.Restore(s.pol.Audit.Path); err != nil {
		s.log.Error("budgets", "error", err)
	}
	return ctl, nil
}
