package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/audit/rfc5424"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/redact"
	"github.com/itms-tools/reconciler/siteopen"
)

// session is what most commands need: the policy, a logger and the site.
type session struct {
	e    *env
	pol  *policy.Policy
	log  *slog.Logger
	site *siteopen.Opened
	clk  clock.Clock

	// The journal's companions, opened on first use (journal.go).
	fwd          *rfc5424.Forwarder
	onAppend     func(audit.Record) // the daemon's console view (daemon.go)
	osWitness    audit.Witness
	witnessTried bool
	// secrets scrubs logs, output and the journal: the site's secrets and
	// the notification receivers'.
	secrets *redact.Set
}

// open loads the policy and opens its site; on failure it has printed the
// problem and returns the exit code.
func open(ctx context.Context, e *env, c *common) (*session, int) {
	log, err := c.logger(e)
	if err != nil {
		return nil, e.errorf("%v", err)
	}
	secrets := &redact.Set{}
	log = slog.New(redact.NewHandler(log.Handler(), secrets))
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return nil, code
	}
	clk := e.clock
	if clk == nil {
		clk = clock.Real{}
	}
	s, err := siteopen.Open(ctx, pol, clk, log)
	if err != nil {
		return nil, e.errorf("%v", err)
	}
	secrets.Use(s.Secrets)
	e.stdout = redact.NewWriter(e.stdout, secrets)
	e.stderr = redact.NewWriter(e.stderr, secrets)
	for _, n := range s.Notes {
		log.Warn("site note", "note", n)
	}
	return &session{e: e, pol: pol, log: log, site: s, clk: clk, secrets: secrets}, exitOK
}

// printPolicyError prints policy diagnostics (file:line:col) or a plain error.
func printPolicyError(e *env, err error) int {
	var perr *policy.Error
	if errors.As(err, &perr) {
		_ = perr.Write(e.stderr, e.isTerminal(e.stderr))
		return exitError
	}
	return e.errorf("%v", err)
}

func (s *session) close() {
	if s.fwd != nil {
		s.fwd.Close()
	}
	if c, ok := s.osWitness.(interface{ Close() error }); ok {
		c.Close()
	}
	if err := s.site.Close(); err != nil {
		s.log.Warn("close site", "error", err)
	}
}

// readOnlyController builds a controller that writes nothing, with its gates rebuilt
// from the journal so that plan, status and approve see what a pass would
// hold (a journal that cannot be read is logged: its budgets then count as
// spent), and with the pair ages the daemon's passes journaled, so that they
// see which Pending pairs the daemon has watched past pending_grace.
func (s *session) readOnlyController() (*controller.Controller, error) {
	ctl, err := s.controller(nil, nil)
	if err != nil {
		return nil, err
	}
	if err := ctl.Restore(s.pol.Audit.Path); err != nil {
		s.log.Warn("journal", "error", err)
	}
	if ac, ok := s.anchorCheck(); ok && !ac.Trusted() {
		s.log.Error("the audit journal does not match its anchor: destructive kinds count as spent for one window",
			"state", ac.State, "problem", ac.Message)
		ctl.JournalUntrusted(s.clk.Now())
	}
	if n, err := ctl.RestoreAges(s.pol.Audit.Path); err != nil {
		s.log.Warn("journal", "error", err)
	} else {
		s.log.Debug("pair ages from the daemon's passes", "pairs_in_progress", n)
	}
	return ctl, nil
}

// controller builds a controller for this session.
func (s *session) controller(j controller.Journal, m *controller.Metrics) (*controller.Controller, error) {
	return controller.New(controller.Options{Policy: s.pol, Site: s.site.Site, Journal: j,
		Clock: s.clk, Logger: s.log, Metrics: m})
}
