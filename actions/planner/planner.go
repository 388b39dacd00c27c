package planner

import (
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"time"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// Input is everything the planner reads.
type Input struct {
	Desired desired.State
	Obs     *observed.Observation
	Now     time.Time
	// Held lists servers the controller holds back this pass (backoff after
	// failures, a terminal error), with why; the key "" holds the NS. They
	// get no action and are noted.
	Held map[vocab.Host]string
	// History is the NS credential at each policy version the controller
	// has seen (from its observations and its journal); it may be empty.
	History CredentialHistory
	// Also lists servers to observe and diagnose though none of their
	// rows is in question and the server list was not read: those a
	// sweep still waits for after a credential change.
	Also []vocab.Host
	// Ladder is each server's place on the escalation ladder (rebuilt from
	// the journal); a server absent from it is on rung 0.
	Ladder actions.Ladder
	// MaxAttempts bounds the applications of resend_status to one server
	// without new evidence (reconcile.max_attempts); 0 leaves it unbounded.
	MaxAttempts int
}

// CredentialHistory maps a policy version to the NS credential setting
// that version carried. A package server at version v whose applied
// credential differs from History[v] received a setting it did not apply:
// it is stuck, even though the NS has moved on since.
type CredentialHistory map[int64]vocab.Credential

// Compute is the planner: a pure function from the desired state and one
// observation to the smallest ordered plan that reaches the desired state
// (DESIGN §3). It reads no clock (Now is passed in) and does no I/O.
func Compute(in Input) actions.Plan {
	b := newBuilder()
	conflictNotes(b, in.Obs)
	if reason := blocked(in.Obs, in.Held); reason != "" {
		b.note(actions.Target{}, actions.NoteNothingPlanned, reason)
		return finish(b, in.Now)
	}
	want := in.Desired.Credential
	diags := diagnoseServers(b, in)
	diags, uses := climb(b, diags, in, needsCycle(diags, want))
	drift := !in.Obs.NSUnmanaged && !in.Obs.NS.Credential.Equal(want)
	cycle := needsCycle(diags, want)
	g := globalSteps(b, in.Obs.NS, want, drift, cycle)
	nsSnapshots(b, diags)
	for _, sd := range diags {
		planServer(b, sd, want, g)
	}
	p := finish(b, in.Now)
	for h, u := range uses {
		if len(b.onServer[h]) > 0 {
			if p.Ladder == nil {
				p.Ladder = map[vocab.Host]actions.LadderUse{}
			}
			p.Ladder[h] = u
		}
	}
	return p
}

// blocked returns why nothing may be planned from this observation.
func blocked(obs *observed.Observation, held map[vocab.Host]string) string {
	switch {
	case obs.CMDBErr != nil:
		return "CMDB could not be read, nothing is planned from stale data: " + obs.CMDBErr.Error()
	case obs.NSErr != nil:
		return "NS setting could not be read, nothing is planned: " + obs.NSErr.Error()
	case held[""] != "":
		return "the NS is held back: " + held[""]
	}
	return ""
}

func finish(b *builder, now time.Time) actions.Plan {
	as := order(b.actions())
	return actions.Plan{ID: planID(as), At: now, Actions: as, Notes: b.notes}
}

// diagnoseServers diagnoses every in-scope server the observation holds an
// agent answer for, in name order. Servers out of scope, unreachable or not
// observed are noted and get nothing.
func diagnoseServers(b *builder, in Input) []*serverDiag {
	d, obs := in.Desired, in.Obs
	snaps := snapshotsByPackage(obs)
	var out []*serverDiag
	for _, h := range candidates(obs, in.Also) {
		t := actions.Target{Server: h}
		if !d.InScope(h) {
			b.note(t, "out_of_scope", "outside the policy's scope: left alone")
			continue
		}
		if why := in.Held[h]; why != "" {
			b.note(t, "held", "held back: "+why)
			continue
		}
		ag, ok := obs.Agent(h)
		if !ok || !ag.Reachable {
			msg := "not observed"
			if ok && ag.Error != "" {
				msg = "not observed: " + ag.Error
			}
			b.note(t, "not_observed", msg+": nothing planned for it")
			continue
		}
		sd := &serverDiag{host: h, agent: ag.Facts}
		diagnosePairs(b, sd, obs, snaps, in.Now, d.PendingGrace)
		sd.diagnoseCredential(b, obs.NS, d.Credential, obs.NSUnmanaged, in.History) // after the pairs: an unknown credential is judged by them
		out = append(out, sd)
	}
	return out
}

// candidates are the servers with rows in question, those in also and,
// when the server list was read, every listed server.
func candidates(obs *observed.Observation, also []vocab.Host) []vocab.Host {
	hosts := append(obs.ServersInQuestion(), also...)
	seen := map[vocab.Host]bool{}
	for _, h := range hosts {
		seen[h] = true
	}
	for _, s := range obs.Servers() {
		if !seen[s.Name] {
			seen[s.Name] = true
			hosts = append(hosts, s.Name)
		}
	}
	return sortedHosts(hosts)
}

// diagnosePairs diagnoses a server's pairs in question. Its pairs and the
// files its agent reported both come by package, so they are matched in
// one walk; snaps holds the NS snapshots read.
func diagnosePairs(b *builder, sd *serverDiag, obs *observed.Observation, snaps map[vocab.GUID]observed.Snapshot,
	now time.Time, grace time.Duration) {
	pairs := obs.PairsOf(sd.host)
	files := obs.FilesOf(sd.host)
	sd.pkgs = make([]pkgCause, 0, len(pairs))
	var none observed.PackageFiles
	for i := range pairs {
		p := &pairs[i]
		for len(files) > 0 && files[0].Package < p.Package {
			files = files[1:]
		}
		f := &none
		fok := len(files) > 0 && files[0].Package == p.Package
		if fok {
			f = &files[0]
		}
		s, sok := snaps[p.Package]
		pc, why := diagnosePair(p, f, fok, s, sok, now, grace)
		if pc.cause == "" {
			b.note(actions.Target{Server: sd.host, Package: p.Package}, "left_alone", why)
			continue
		}
		sd.pkgs = append(sd.pkgs, pc)
		sd.inQuestion = true
	}
}

// snapshotsByPackage indexes the NS snapshots read.
func snapshotsByPackage(obs *observed.Observation) map[vocab.GUID]observed.Snapshot {
	ss := obs.Snapshots()
	m := make(map[vocab.GUID]observed.Snapshot, len(ss))
	for _, s := range ss {
		m[s.Package] = s
	}
	return m
}

// needsCycle reports whether a credential reset cycle is needed: some
// observed server is stuck and the configured mode is not anonymous (an
// anonymous NS setting unsticks a server by itself).
func needsCycle(diags []*serverDiag, want vocab.Credential) bool {
	if want.Mode == vocab.Anonymous {
		return false
	}
	for _, sd := range diags {
		if sd.stuck {
			return true
		}
	}
	return false
}

// globals names the global steps every server's plan depends on.
type globals struct {
	cycle   bool   // a reset cycle is planned
	reset   string // set_credential_mode(anonymous), round 1 of the cycle; "" if none
	restore string // set_credential_mode(want): the drift fix or round 2 of the cycle; "" if none
}

// globalSteps plans the NS credential changes: the drift fix, or the
// reset cycle's two rounds, whose round 2 is also the drift fix (the NS
// gets the policy's credential once). Round 1 is left out when the NS is
// already on anonymous: the stuck servers can drop their credential now.
func globalSteps(b *builder, ns observed.NSState, want vocab.Credential, drift, cycle bool) globals {
	g := globals{cycle: cycle}
	if cycle && ns.Credential.Mode != vocab.Anonymous {
		a := b.get(actions.SetCredentialMode, actions.Target{}, 1, vocab.Anonymous, "")
		addReason(a, actions.Reason{Cause: actions.CredentialStuck,
			Message: "reset cycle: set the NS to anonymous so stuck package servers drop their credential",
			Facts:   []actions.Fact{{Name: "ns_credential", Value: ns.Credential.String()}}})
		g.reset = a.ID
	}
	if !drift && !cycle {
		return g
	}
	round := 0
	if cycle {
		round = 2
	}
	a := b.get(actions.SetCredentialMode, actions.Target{}, round, want.Mode, want.Account)
	if drift {
		addReason(a, actions.Reason{Cause: actions.NSCredentialDrift,
			Message: fmt.Sprintf("NS Package Service credential is %s; the policy says %s", ns.Credential, want),
			Facts:   []actions.Fact{{Name: "ns_credential", Value: ns.Credential.String()}, {Name: "policy_credential", Value: want.String()}}})
	}
	if cycle {
		addReason(a, actions.Reason{Cause: actions.CredentialStuck,
			Message:  "reset cycle: restore the configured credential on the NS",
			Facts:    []actions.Fact{{Name: "policy_credential", Value: want.String()}},
			Requires: []string{g.reset}})
		after(a, g.reset)
	}

	g.restore = a.ID
	return g
}
