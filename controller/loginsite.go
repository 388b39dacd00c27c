package controller

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/apply"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// The site's parts behind the login gate: every call goes through
// logins.do. The controller builds them for each use from c.site, so the
// gate cannot be bypassed by a part set later.

type gatedCMDB struct {
	in observed.CMDB
	g  *logins
}

func (c gatedCMDB) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	return c.g.do(ctx, PartCMDB, func() error { return c.in.InQuestion(ctx, fn) })
}

func (c gatedCMDB) Servers(ctx context.Context) (out []observed.RawServer, err error) {
	err = c.g.do(ctx, PartCMDB, func() error { out, err = c.in.Servers(ctx); return err })
	return out, err
}

type gatedNS struct {
	in observed.NSSource
	g  *logins
}

func (n gatedNS) Setting(ctx context.Context) (st observed.NSState, err error) {
	err = n.g.do(ctx, PartNS, func() error { st, err = n.in.Setting(ctx); return err })
	return st, err
}

func (n gatedNS) Snapshots(ctx context.Context, pkgs []vocab.GUID) (out []observed.Snapshot, err error) {
	err = n.g.do(ctx, PartNS, func() error { out, err = n.in.Snapshots(ctx, pkgs); return err })
	return out, err
}

type gatedAgents struct {
	in observed.AgentSource
	g  *logins
}

func (a gatedAgents) Agent(ctx context.Context, s vocab.Host, pkgs []vocab.GUID) (f observed.AgentFacts, err error) {
	err = a.g.do(ctx, PartAgents, func() error { f, err = a.in.Agent(ctx, s, pkgs); return err })
	return f, err
}

type gatedDriver struct {
	in apply.Driver
	g  *logins
}

func (d gatedDriver) Apply(ctx context.Context, a actions.Action) error {
	return d.g.do(ctx, PartDriver, func() error { return d.in.Apply(ctx, a) })
}

// gatedLock gates TryAcquire, which opens a session; Check uses the one
// held and Release logs in to nothing.
type gatedLock struct {
	leader.Lock
	g *logins
}

func (l gatedLock) TryAcquire(ctx context.Context) (ok bool, err error) {
	err = l.g.do(ctx, PartLock, func() error { ok, err = l.Lock.TryAcquire(ctx); return err })
	return ok, err
}

// gated returns the site with every part behind the login gate; nil parts
// stay nil.
func (c *Controller) gated() Site {
	s, g := c.site, c.logins
	out := Site{Logins: s.Logins}
	if s.CMDB != nil {
		out.CMDB = gatedCMDB{s.CMDB, g}
	}
	if s.NS != nil {
		out.NS = gatedNS{s.NS, g}
	}
	if s.Agents != nil {
		out.Agents = gatedAgents{s.Agents, g}
	}
	if s.Driver != nil {
		out.Driver = gatedDriver{s.Driver, g}
	}
	if s.Lock != nil {
		out.Lock = gatedLock{s.Lock, g}
	}
	return out
}

// AuthDetail is the Detail of an auth_failed record: which login was
// refused, never its secret (the fingerprint is keyed: it cannot be tested
// against guesses without the install's key).
type AuthDetail struct {
	Source      string `json:"source"`
	User        string `json:"user,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	From        string `json:"from,omitempty"`
	Fix         string `json:"fix,omitempty"`
}

// RefusedLogin is a refused login as a segment record carries it
// (CarriedState.Refused): the login, when and how it was refused.
type RefusedLogin struct {
	AuthDetail
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"`
}

// carried returns every refused login, for the next segment record.
func (g *logins) carried() []RefusedLogin {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []RefusedLogin
	for _, b := range g.blocks {
		l := b.login
		out = append(out, RefusedLogin{At: b.at, Error: b.err,
			AuthDetail: AuthDetail{Source: l.Source, User: l.User, Fingerprint: l.Fingerprint, From: l.From, Fix: l.Fix}})
	}
	return out
}

// recordLogins journals the logins refused since the last call, when a
// journal is attached (a follower keeps them in memory until it leads).
func (c *Controller) recordLogins() {
	if c.journal == nil || !c.IsLeader() {
		return
	}
	for _, b := range c.logins.unjournaled() {
		l := b.login
		rec := audit.Record{Type: audit.TypeAuthFailed, Error: b.err,
			Detail: audit.JSON(AuthDetail{Source: l.Source, User: l.User, Fingerprint: l.Fingerprint, From: l.From, Fix: l.Fix})}
		if err := c.append(rec); err != nil {
			c.log.Error("refused credentials not recorded; a restart will try them once more", "source", l.Source, "error", err)
			continue
		}
		c.logins.journaled(l)
	}
}

// beginReplay starts rebuilding the blocks from the journal.
func (g *logins) beginReplay() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.replay = []*loginBlock{}
}

// replayRecord applies one journal record: auth_failed blocks its login,
// policy_reload lifts every block before it, and a segment record (the
// first of a segment after a rotation) sets the blocks to those it
// carries, which were in force when it was written, so that retention
// removing older segments forgets none.
func (g *logins) replayRecord(r audit.Record) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch r.Type {
	case audit.TypeAuthFailed:
		var d AuthDetail
		if json.Unmarshal(r.Detail, &d) != nil || d.Source == "" {
			return
		}
		g.replayBlock(d, r.Time, r.Error)
	case audit.TypePolicyReload:
		g.replay = g.replay[:0]
	case audit.TypeSegment:
		var seg audit.SegmentDetail
		var s CarriedState
		if json.Unmarshal(r.Detail, &seg) != nil || len(seg.Carry) == 0 || json.Unmarshal(seg.Carry, &s) != nil {
			return
		}
		g.replay = g.replay[:0]
		for _, x := range s.Refused {
			if x.Source != "" {
				g.replayBlock(x.AuthDetail, x.At, x.Error)
			}
		}
	}
}

// replayBlock adds a journaled refusal to the blocks being rebuilt, once.
func (g *logins) replayBlock(d AuthDetail, at time.Time, err string) {
	l := failure.Login{Source: d.Source, User: d.User, Fingerprint: d.Fingerprint, From: d.From, Fix: d.Fix}
	if !containsLogin(g.replay, l) {
		g.replay = append(g.replay, &loginBlock{login: l, at: at, err: err, journaled: true})
	}
}

// endReplay puts the journal's blocks in force, keeping the ones of this
// process that are not journaled yet.
func (g *logins) endReplay() {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.replay
	for _, b := range g.blocks {
		if !b.journaled && !containsLogin(out, b.login) {
			out = append(out, b)
		}
	}
	g.blocks, g.replay = out, nil
	for _, b := range g.blocks {
		delete(g.proven, identity(b.login))
	}
}

func containsLogin(bs []*loginBlock, l failure.Login) bool {
	for _, b := range bs {
		if b.login.Same(l) {
			return true
		}
	}
	return false
}

// RestoreLogins rebuilds, from the journal at path, the credentials that
// were refused, and nothing else, so that a daemon starting as a follower
// (before Restore runs, when it leads) does not try them again, not even
// to take the leader lock. A journal that cannot be read leaves them as
// they are.
func (c *Controller) RestoreLogins(path string) error {
	c.logins.beginReplay()
	err := audit.ReadAll(path, func(r audit.Record) error {
		c.logins.replayRecord(r)
		return nil
	})
	c.logins.endReplay()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// loginsNow is the clock of the login gate.
func (c *Controller) loginsNow() time.Time { return c.clock.Now() }
