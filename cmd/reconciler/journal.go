package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/audit/rfc5424"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/daemon"
	"github.com/itms-tools/reconciler/localkey"
)

// openJournal opens the policy's journal for writing, logs what its
// recovery did and records the start with the security-relevant notes of
// the site. A journal found lost (its lock file without it) or not
// matching its signed anchor (cut, emptied, rewritten, or the anchor
// forged or removed) is recorded as journal_lost in the startup record:
// replaying it spends every destructive budget for one window.
func (s *session) openJournal(command string) (*audit.Journal, error) {
	path := s.pol.Audit.Path
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal folder: %w", err)
	}
	opt, err := s.journalOptions()
	if err != nil {
		return nil, err
	}
	j, err := audit.Open(path, opt)
	if err != nil {
		return nil, fmt.Errorf("open audit journal: %w", err)
	}
	lost := j.Lost()
	if lost {
		s.log.Error("the audit journal is missing or empty though it existed (its lock file is there): "+
			"destructive kinds get no budget for one limit window", "journal", path)
	}
	for _, r := range j.Recovered() {
		s.log.Warn("journal recovery", "type", r.Type, "action", r.Action, "outcome", r.Outcome)
	}
	detail := map[string]any{"command": command, "policy": s.pol.File, "mode": s.pol.Mode,
		"site": s.pol.Site.Kind, "notes": s.site.Notes}
	if ac := j.AnchorCheck(); !ac.Trusted() {
		detail["anchor"] = ac
		lost = true
	}
	if lost {
		detail[controller.JournalLostKey] = true
	}
	if _, err := j.Append(audit.Record{Type: audit.TypeStartup, Detail: audit.JSON(detail)}); err != nil {
		j.Close()
		return nil, fmt.Errorf("record start: %w", err)
	}
	return j, nil
}

// journalOptions are the options of a journal opened for writing: the
// site's secrets, the install's key (created at first start, readable by
// the service account only) for anchors, the OS log as their witness,
// rotation and retention, and the syslog forwarder and onAppend (the
// console's view), which receive each record once it is durable.
func (s *session) journalOptions() (audit.Options, error) {
	a := s.pol.Audit
	key, err := localkey.LoadOrCreate(audit.KeyPath(a.Path))
	if err != nil {
		return audit.Options{}, fmt.Errorf("audit anchor key: %w", err)
	}
	opt := audit.Options{Clock: s.clk, Logger: s.log, Secrets: s.secrets.Values, Key: key,
		Witness: s.witness(), Rotation: controller.RotationOf(a)}
	var fwd []func(audit.Record)
	if f := s.forwarder(); f != nil {
		fwd = append(fwd, f.Send)
	}
	if s.onAppend != nil {
		fwd = append(fwd, s.onAppend)
	}
	if len(fwd) > 0 {
		opt.Forward = func(r audit.Record) {
			for _, f := range fwd {
				f(r)
			}
		}
	}
	return opt, nil
}

// witness is the OS log that keeps a copy of every anchor; it is opened
// once per session, and is nil (logged) where there is none, or in tests.
func (s *session) witness() audit.Witness {
	if !s.witnessTried && s.e.witness != nil {
		s.witnessTried = true
		w, err := s.e.witness()
		if err != nil {
			s.log.Warn("anchors are not copied to the OS log (the anchor file still has them)", "error", err)
		} else {
			s.osWitness = w
		}
	}
	if s.osWitness == nil {
		return nil
	}
	return s.osWitness
}

// forwarder is the session's syslog forwarder, started on first use; nil
// when the policy forwards nothing.
func (s *session) forwarder() *rfc5424.Forwarder {
	sl := s.pol.Audit.Syslog
	if sl == nil {
		return nil
	}
	if s.fwd == nil {
		s.fwd = rfc5424.New(rfc5424.Config{Network: sl.Network, Address: sl.Address, Facility: sl.Facility,
			Queue: sl.Queue, Secrets: s.site.Secrets, Logger: s.log.With("component", "syslog")})
	}
	return s.fwd
}

// readKey loads the journal's key for reading commands (verify, status,
// plan): nil when it does not exist yet (nothing to check against) or
// cannot be read (the error says why; such commands run as another user).
func readKey(journal string) (*localkey.Key, error) {
	p := audit.KeyPath(journal)
	if _, err := os.Stat(p); err != nil {
		return nil, err
	}
	return localkey.LoadOrCreate(p)
}

// takeLead takes the site's leader lock before anything is written, so
// that a process that is not the leader never appends to the journal.
// The lock is released by the controller's Close, or by release.
func (s *session) takeLead(ctx context.Context) (bool, error) {
	if s.site.Lock == nil {
		return true, nil
	}
	return s.site.Lock.TryAcquire(ctx)
}

// leaderController builds a controller that writes to j, with its gates
// rebuilt from the journal.
func (s *session) leaderController(j *audit.Journal, m *controller.Metrics) (*controller.Controller, error) {
	ctl, err := controller.New(controller.Options{Policy: s.pol, Site: s.site.Site, Journal: j,
		Clock: s.clk, Logger: s.log, Metrics: m, JournalPath: s.pol.Audit.Path, FleetEvery: daemon.FleetEvery, ReadAfterApply: true})
	if err != nil {
		return nil, err
	}
	if err := ctl.Restore(s.pol.Audit.Path); err != nil {
		s.log.Error("budgets", "error", err)
	}
	return ctl, nil
}

// anchorCheck compares the journal with its anchor for a reading command;
// ok is false when it cannot (no key yet, or the key is not readable by
// this user), which is logged.
func (s *session) anchorCheck() (audit.AnchorCheck, bool) {
	key, err := readKey(s.pol.Audit.Path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("journal anchor not checked", "error", err)
		}
		return audit.AnchorCheck{}, false
	}
	ac, err := audit.CheckAnchor(s.pol.Audit.Path, key)
	if err != nil {
		s.log.Warn("journal anchor not checked", "error", err)
		return audit.AnchorCheck{}, false
	}
	return ac, true
}
