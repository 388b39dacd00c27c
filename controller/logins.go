package controller

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/health"
)

// Part is one of a site's connections to the outside, as the login gate
// sees them: each part logs in with one of the site's credentials.
type Part string

// The parts of a site.
const (
	PartCMDB   Part = "cmdb"   // Site.CMDB
	PartNS     Part = "ns"     // Site.NS
	PartAgents Part = "agents" // Site.Agents
	PartDriver Part = "driver" // Site.Driver
	PartLock   Part = "lock"   // Site.Lock (TryAcquire: a new session)
)

// logins is the one place that decides whether a call may log in. A login
// the far side refused (failure.AuthError: WinRM 401 after an NTLM logon,
// SQL Server 18456) is blocked: every later call of every part that uses
// it is refused before it reaches the driver, so that the account is not
// locked out by retries, until the secret changes (its fingerprint no
// longer matches) or the policy is reloaded. Blocks are journaled
// (auth_failed records) and rebuilt at start (Restore), so a restart does
// not try a refused password again.
//
// A login not yet proven in this process (no call with it succeeded) is
// used by one call at a time, so that a wrong password costs one logon,
// not one per concurrent call; once one call succeeds, calls run freely.
type logins struct {
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	current map[Part]failure.Login // the site's logins at the last refresh
	learned map[Part]failure.Login // from auth errors, for sites that name none
	blocks  []*loginBlock
	proven  map[failure.Login]bool // by identity (From and Fix cleared)
	probes  map[failure.Login]chan struct{}
	replay  []*loginBlock // while Restore replays the journal
}

// loginBlock is one refused login.
type loginBlock struct {
	login     failure.Login
	at        time.Time
	err       string // the refusal, as the driver worded it (no secret)
	journaled bool
}

func newLogins(log *slog.Logger, now func() time.Time) *logins {
	return &logins{log: log, now: now, learned: map[Part]failure.Login{},
		proven: map[failure.Login]bool{}, probes: map[failure.Login]chan struct{}{}}
}

// identity is a login without its descriptive fields.
func identity(l failure.Login) failure.Login {
	return failure.Login{Source: l.Source, User: l.User, Fingerprint: l.Fingerprint}
}

// refresh takes the site's logins as they are now (nil: the site names
// none, and parts are learned from their auth errors).
func (g *logins) refresh(fn func() map[Part]failure.Login) {
	if fn == nil {
		return
	}
	cur := fn()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.current = cur
}

func (g *logins) loginOf(p Part) (failure.Login, bool) {
	if l, ok := g.current[p]; ok {
		return l, true
	}
	l, ok := g.learned[p]
	return l, ok
}

func (g *logins) blockOf(l failure.Login) *loginBlock {
	for _, b := range g.blocks {
		if b.login.Same(l) {
			return b
		}
	}
	return nil
}

// errLoginBlocked is a call refused because its login was refused before.
type errLoginBlocked struct{ b loginBlock }

func (e *errLoginBlocked) Error() string {
	return fmt.Sprintf("not attempted: %s was refused at %s; no call uses it again until %s",
		e.b.login, e.b.at.UTC().Format(time.RFC3339), until(e.b.login))
}

// until says what lifts a block.
func until(l failure.Login) string {
	what := "its secret changes"
	if l.From != "" {
		what = "the secret in " + l.From + " changes"
	}
	return what + " or the policy is reloaded"
}

// do runs call as part p: refused at once when p's login is blocked, one at
// a time while the login is unproven. An auth error blocks the login it
// names; a success proves it.
func (g *logins) do(ctx context.Context, p Part, call func() error) error {
	l, gated, release, err := g.enter(ctx, p)
	if err != nil {
		return err
	}
	defer release() // a driver that panics must not keep the turn
	err = call()
	g.leave(p, l, gated, err)
	return err
}

// enter waits for p's turn; it returns the login and whether the call is
// gated, or the refusal.
func (g *logins) enter(ctx context.Context, p Part) (failure.Login, bool, func(), error) {
	nop := func() {}
	for {
		g.mu.Lock()
		l, ok := g.loginOf(p)
		if !ok {
			g.mu.Unlock()
			return failure.Login{}, false, nop, nil
		}
		if b := g.blockOf(l); b != nil {
			g.mu.Unlock()
			return l, true, nop, &errLoginBlocked{*b}
		}
		id := identity(l)
		if g.proven[id] {
			g.mu.Unlock()
			return l, true, nop, nil
		}
		probe := g.probes[id]
		if probe == nil {
			probe = make(chan struct{}, 1)
			g.probes[id] = probe
		}
		g.mu.Unlock()
		select {
		case probe <- struct{}{}:
		case <-ctx.Done():
			return l, true, nop, fmt.Errorf("not attempted: waiting for the first logon of %s: %w", l, context.Cause(ctx))
		}
		g.mu.Lock()
		settled := g.blockOf(l) != nil || g.proven[id]
		g.mu.Unlock()
		if !settled {
			return l, true, func() { <-probe }, nil
		}
		<-probe // another call settled it meanwhile: look again
	}
}

// leave records what a call's error says of its login.
func (g *logins) leave(p Part, l failure.Login, gated bool, err error) {
	if refused, ok := failure.AuthOf(err); ok {
		g.block(p, refused, err)
		return
	}
	if err == nil && gated {
		g.mu.Lock()
		g.proven[identity(l)] = true
		g.mu.Unlock()
	}
}

// block records a refused login, once, and says so in the logs.
func (g *logins) block(p Part, l failure.Login, err error) {
	g.mu.Lock()
	if _, named := g.current[p]; !named {
		g.learned[p] = l
	}
	if g.blockOf(l) != nil {
		g.mu.Unlock()
		return
	}
	b := &loginBlock{login: l, at: g.now(), err: err.Error()}
	g.blocks = append(g.blocks, b)
	delete(g.proven, identity(l))
	g.mu.Unlock()
	g.log.Error("credentials refused: every call with them is stopped, so that the account is not locked out",
		"source", l.Source, "user", l.User, "secret_from", l.From, "part", p, "error", err,
		"what_to_do", "correct the secret ("+orUnknown(l.Fix)+"), or reload the policy to try it once more")
}

func orUnknown(s string) string {
	if s == "" {
		return "then restart the service"
	}
	return s
}

// clear forgets every block (a policy reload): the next call of each
// login tries it once.
func (g *logins) clear() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.blocks) > 0 {
		g.log.Warn("policy reloaded: refused credentials will be tried once more", "count", len(g.blocks))
	}
	g.blocks = nil
}

// unjournaled returns the blocks not yet journaled.
func (g *logins) unjournaled() []loginBlock {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []loginBlock
	for _, b := range g.blocks {
		if !b.journaled {
			out = append(out, *b)
		}
	}
	return out
}

// journaled marks a block as written to the journal.
func (g *logins) journaled(l failure.Login) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, b := range g.blocks {
		if b.login == l {
			b.journaled = true
		}
	}
}

// inUse reports whether a blocked login is (as far as known) the one in
// use: a part logs in with it, or no part names a login of its source and
// user. A block of a password since replaced stays, in case it comes
// back, but is not shown.
func (g *logins) inUse(b *loginBlock) bool {
	named := false
	for _, l := range g.current {
		if l.Source != b.login.Source || l.User != b.login.User {
			continue
		}
		if b.login.Same(l) {
			return true
		}
		named = true
	}
	return !named
}

// health lists the blocked logins in use, for status.
func (g *logins) health() []health.Credential {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []health.Credential
	for _, b := range g.blocks {
		if !g.inUse(b) {
			continue
		}
		out = append(out, health.Credential{Source: b.login.Source, User: b.login.User, From: b.login.From,
			RefusedAt: b.at, Error: b.err,
			Action: "correct the secret in " + orDefault(b.login.From, "its source") + " (" + orUnknown(b.login.Fix) +
				"), or reload the policy to try it once more"})
	}
	slices.SortFunc(out, func(a, b health.Credential) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.User, b.User), a.RefusedAt.Compare(b.RefusedAt))
	})
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
