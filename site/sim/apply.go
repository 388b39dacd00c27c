package sim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/vocab"
)

// Apply applies one action with the effects of DESIGN §6 (package world),
// synchronously.
// A target that is not well-formed is refused before anything is touched
// (and counted as an unsafe path when it would have named a file); an
// unknown server or package, or an unreachable package server, is an
// error that changes nothing.
func (s *Site) Apply(ctx context.Context, a actions.Action) error {
	err := s.do(ctx, func(now time.Time) error {
		if err := s.apply(now, a); err != nil {
			return err
		}
		s.desired.touched(s, a)
		s.w.Meta.Applied[a.Kind]++
		return s.sample(now)
	})
	if err != nil {
		return fmt.Errorf("apply %s %s: %w", safeText(string(a.Kind)), targetText(a.Target), err)
	}
	return nil
}

// targetText renders a target for an error message (see safeText).
func targetText(t actions.Target) string { return safeText(t.String()) }

// safeText clips an untrusted string for an error message, and quotes it
// unless it holds only the characters of host names, GUIDs and kinds, so
// that no control character or path trick reaches a log line unquoted.
func safeText(s string) string {
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-/", r)) {
			return strconv.Quote(vocab.Clip(s))
		}
	}
	return vocab.Clip(s)
}

func (s *Site) apply(now time.Time, a actions.Action) error {
	t := a.Target
	switch a.Kind {
	case actions.SetCredentialMode:
		if err := nsTarget(t, false); err != nil {
			return err
		}
		return s.w.SetCredential(a.Mode, a.Account)
	case actions.RunPackageRefresh:
		if err := nsTarget(t, false); err != nil {
			return err
		}
		return s.w.Refresh()
	case actions.DeleteNSSnapshot:
		p, err := s.nsPackage(t)
		if err != nil {
			return err
		}
		return s.w.DeleteNSSnapshot(p)
	case actions.UpdateConfiguration, actions.GrantACL, actions.ResendStatus:
		return s.applyServer(now, a)
	case actions.DeletePSSnapshot, actions.DeletePSStatus:
		return s.applyPair(now, a)
	}
	return fmt.Errorf("unknown action kind %q", vocab.Clip(string(a.Kind)))
}

func (s *Site) applyServer(now time.Time, a actions.Action) error {
	path := layout.AgentJSON(string(a.Target.Server))
	if a.Kind == actions.ResendStatus {
		path = layout.AgentLog(string(a.Target.Server))
	}
	srv, err := s.psTarget(now, a.Target, path, layout.Write)
	if err != nil {
		return err
	}
	if a.Target.Package != "" {
		return errors.New("target names a package; this kind acts on a whole server")
	}
	if s.w.FirstFails(srv, a.Kind, now) {
		return nil // remedy_fails_once: applied, to no effect
	}
	switch a.Kind {
	case actions.UpdateConfiguration:
		return s.w.UpdateConfiguration(srv)
	case actions.GrantACL:
		return s.w.GrantACL(srv, a.Account)
	}
	return s.w.Report(now, srv)
}

func (s *Site) applyPair(now time.Time, a actions.Action) error {
	server, pkg := string(a.Target.Server), string(a.Target.Package)
	path := layout.Snapshot(server, pkg)
	if a.Kind == actions.DeletePSStatus {
		path = layout.Status(server, pkg)
	}
	srv, err := s.psTarget(now, a.Target, path, layout.Delete)
	if err != nil {
		return err
	}
	p, err := s.knownPackage(a.Target.Package)
	if err != nil {
		return err
	}
	if s.w.FirstFails(srv, a.Kind, now) {
		return nil // remedy_fails_once: applied, to no effect
	}
	if a.Kind == actions.DeletePSStatus {
		return s.w.DeleteStatusFile(srv, p)
	}
	return s.w.DeleteSnapshot(srv, p)
}

// psTarget checks a package server target: the would-be path through the
// guard, the name re-validated, the server known and reachable now.
func (s *Site) psTarget(now time.Time, t actions.Target, path string, op layout.Op) (int, error) {
	if err := s.check(op, path); err != nil {
		return 0, err
	}
	h, err := vocab.ParseHost(string(t.Server))
	if err != nil {
		return 0, err
	}
	srv, ok := s.w.Cat.Server(h)
	if !ok {
		return 0, fmt.Errorf("unknown server %s", h)
	}
	if !s.w.Reachable(srv, now) {
		return 0, fmt.Errorf("%s: %w", s.w.Cat.Servers[srv].Name, ErrUnreachable)
	}
	return srv, nil
}

// nsPackage checks an NS snapshot target.
func (s *Site) nsPackage(t actions.Target) (int, error) {
	if err := s.check(layout.Delete, layout.NSSnapshot(string(t.Package))); err != nil {
		return 0, err
	}
	if err := nsTarget(t, true); err != nil {
		return 0, err
	}
	return s.knownPackage(t.Package)
}

func (s *Site) knownPackage(g vocab.GUID) (int, error) {
	if !g.Valid() {
		return 0, fmt.Errorf("not a GUID: %q", vocab.Clip(string(g)))
	}
	p, ok := s.w.Cat.Package(g)
	if !ok {
		return 0, fmt.Errorf("unknown package %s", g)
	}
	return p, nil
}

// nsTarget checks that a target names the NS (and a package when the
// kind acts on one).
func nsTarget(t actions.Target, withPackage bool) error {
	if !t.IsNS() {
		return fmt.Errorf("not an NS target: server %q", vocab.Clip(string(t.Server)))
	}
	if !withPackage && t.Package != "" {
		return errors.New("target names a package; this kind acts on the NS")
	}
	return nil
}
