package guard

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// Verification results (the `result` of a verification record).
const (
	Verified     = "verified"      // the targeted pairs are Ready
	NotEffective = "not_effective" // still not Ready, on the same evidence
	Changed      = "changed"       // new evidence: diagnosed afresh, ladder reset
)

// Verification is what a verification record says of one server.
type Verification struct {
	Result string       `json:"result"`
	Rung   actions.Rung `json:"rung"` // the rung applied
	// Next is the rung the ladder goes to (not_effective only).
	Next     actions.Rung `json:"next"`
	Evidence string       `json:"evidence"`       // the digest now
	Targeted int          `json:"pairs_targeted"` // pairs in question when the remedy was planned
	NotReady int          `json:"pairs_not_ready"`
	Message  string       `json:"message"`
	Stalled  string       `json:"stalled,omitempty"`
	Signs    []string     `json:"signs,omitempty"`
}

// Ladder is the escalation state of every package server (docs/design.md
// §15). It changes only through the records the controller journals
// (intents, outcomes, verifications, retries, pauses), so that replaying
// the journal after a restart rebuilds it exactly: no rung is skipped or
// repeated. Safe for concurrent use.
type Ladder struct {
	mu        sync.Mutex
	servers   map[vocab.Host]*rungState
	pausedAll Hold
	verify    time.Duration
	base, cap time.Duration
}

type rungState struct {
	step    actions.LadderStep
	use     actions.LadderUse // the rung and evidence of the chain applied last
	applied time.Time         // when its resend_status was applied
	paused  Hold
}

// Hold is an admin's pause of enforcement: who, since when and why.
type Hold struct {
	By     string    `json:"by"`
	Since  time.Time `json:"since"`
	Reason string    `json:"reason,omitempty"`
}

// String says who paused, since when and why ("by alice since
// 2026-03-01 02:00Z: disk swap"), every part printable: who and why come
// from a request file.
func (h Hold) String() string {
	s := "by " + vocab.Printable(h.By)
	if !h.Since.IsZero() {
		s += " since " + h.Since.UTC().Format("2006-01-02 15:04Z")
	}
	if h.Reason != "" {
		s += ": " + vocab.Printable(h.Reason)
	}
	return s
}

// NewLadder returns an empty ladder: verifyAfter is how long after a
// resend_status its verification waits; base and cap bound the backoff
// between rungs.
func NewLadder(verifyAfter, base, cap time.Duration) *Ladder {
	return &Ladder{servers: map[vocab.Host]*rungState{}, verify: verifyAfter, base: base, cap: cap}
}

func (l *Ladder) state(h vocab.Host) *rungState {
	s := l.servers[h]
	if s == nil {
		s = &rungState{}
		l.servers[h] = s
	}
	return s
}

// Intent folds the intent of an action on server h planned at rung u:
// evidence other than the ladder's starts it again at rung 0.
func (l *Ladder) Intent(h vocab.Host, u actions.LadderUse) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.state(h)
	if s.step.Digest != "" && s.step.Digest != u.Evidence {
		s.step = actions.LadderStep{}
	}
	s.step.Digest = u.Evidence
	s.use = u
}

// Applied folds an action applied (or possibly applied) on server h at
// at: one more attempt, and a resend_status ends the chain, which is then
// verified.
func (l *Ladder) Applied(h vocab.Host, id string, k actions.Kind, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.state(h)
	if s.step.Attempts == nil {
		s.step.Attempts = map[string]int{}
	}
	s.step.Attempts[id]++
	if k == actions.ResendStatus {
		s.applied = at
		s.step.VerifyAt = at.Add(l.verify)
	}
}

// Verify folds a verification of server h made at at.
func (l *Ladder) Verify(h vocab.Host, v Verification, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.state(h)
	switch v.Result {
	case NotEffective:
		attempts := s.step.Attempts
		s.step = actions.LadderStep{Rung: v.Next, Digest: v.Evidence, Stalled: v.Stalled, Last: v.Message,
			Attempts: attempts, Wait: at.Add(l.backoff(v.Next))}
	default: // verified, changed: the ladder starts again
		s.step = actions.LadderStep{}
		if v.Result == Changed {
			s.step.Digest = "" // the next intent records the new evidence
		}
	}
}

// backoff is the wait before rung r: base, doubling per rung, up to cap.
func (l *Ladder) backoff(r actions.Rung) time.Duration {
	if r <= actions.RungEvidence || r >= actions.RungStalled {
		return 0
	}
	d := l.base << (r - 1)
	return min(d, l.cap)
}

// Retry unstalls server h (an admin's `reconciler retry`): rung 0, no
// attempts, the evidence judged afresh.
func (l *Ladder) Retry(h vocab.Host) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.servers[h]; s != nil {
		s.step = actions.LadderStep{}
	}
}

// Pause holds enforcement for server h, or for every server when h is "",
// as p says; Resume releases it.
func (l *Ladder) Pause(h vocab.Host, p Hold) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p.By == "" {
		p.By = "an admin"
	}
	if h == "" {
		l.pausedAll = p
		return
	}
	l.state(h).paused = p
}

// Resume releases a pause of server h, or the pause of all when h is "".
func (l *Ladder) Resume(h vocab.Host) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h == "" {
		l.pausedAll = Hold{}
		return
	}
	if s := l.servers[h]; s != nil {
		s.paused = Hold{}
	}
}

// Steps returns the ladder as the planner reads it.
func (l *Ladder) Steps() actions.Ladder {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := actions.Ladder{}
	for h, s := range l.servers {
		st := s.step
		st.Attempts = maps.Clone(st.Attempts)
		out[h] = st
	}
	return out
}

// Holds returns the pauses in force; the key "" means every server.
func (l *Ladder) Holds() map[vocab.Host]Hold {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[vocab.Host]Hold{}
	if l.pausedAll.By != "" {
		out[""] = l.pausedAll
	}
	for h, s := range l.servers {
		if s.paused.By != "" {
			out[h] = s.paused
		}
	}
	return out
}

// Pending is a remedy chain applied and not yet verified.
type Pending struct {
	Server  vocab.Host
	Use     actions.LadderUse
	Applied time.Time // when its resend_status was applied
	Due     time.Time // when it is verified
}

// Pending lists the chains awaiting verification, in server order.
func (l *Ladder) Pending() []Pending {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Pending
	for _, h := range slices.Sorted(maps.Keys(l.servers)) {
		s := l.servers[h]
		if !s.step.VerifyAt.IsZero() {
			out = append(out, Pending{Server: h, Use: s.use, Applied: s.applied, Due: s.step.VerifyAt})
		}
	}
	return out
}

// IsStalled reports whether server h is stalled.
func (l *Ladder) IsStalled(h vocab.Host) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.servers[h]
	return s != nil && s.step.Stalled != ""
}

// Stalled returns each stalled server's reason.
func (l *Ladder) Stalled() map[vocab.Host]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[vocab.Host]string{}
	for h, s := range l.servers {
		if s.step.Stalled != "" {
			out[h] = s.step.Stalled
		}
	}
	return out
}

// Reasons of a stall (CamelCase, a contract as condition reasons are).
const (
	// StallTrustBroken: the 1789 trust error outlived the credential
	// remedies; no action fixes the computer's domain trust.
	StallTrustBroken = "TrustBroken"
	// StallLadderExhausted: every rung was applied and verified not
	// effective.
	StallLadderExhausted = "LadderExhausted"
)

// StallReason names the cause of a stall from its message (the ladder
// keeps the message the verification gave).
func StallReason(msg string) string {
	if strings.Contains(msg, "1789") {
		return StallTrustBroken
	}
	return StallLadderExhausted
}
