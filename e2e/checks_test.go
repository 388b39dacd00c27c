//go:build unix

package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
)

// The journal checks are pure functions of the records, so that
// checks_unit_test.go can show each one failing on a bad journal. Each
// returns the problems it found, one sentence each.

// actionKey names one action of one pass: an intent and its outcome share it.
type actionKey struct{ pass, action string }

// checkResolved: every intent has exactly one later outcome (applied or
// failed) or indeterminate record for the same pass and action; applied
// and failed outcomes and indeterminate records follow an open intent;
// deferred and skipped outcomes have none.
func checkResolved(recs []audit.Record) []string {
	var problems []string
	open := map[actionKey][]int64{} // seqs of the open intents, oldest first
	for _, r := range recs {
		k := actionKey{r.Pass, r.Action}
		q := open[k]
		switch {
		case r.Type == audit.TypeIntent:
			if len(q) > 0 {
				problems = append(problems, fmt.Sprintf("seq %d: second intent for %s while seq %d is open", r.Seq, r.Action, q[0]))
			}
			open[k] = append(q, r.Seq)
		case r.Type == audit.TypeIndeterminate, r.Type == audit.TypeOutcome && (r.Outcome == audit.Applied || r.Outcome == audit.Failed):
			if len(q) == 0 {
				problems = append(problems, fmt.Sprintf("seq %d: %s %s without an open intent", r.Seq, r.Type, r.Action))
				continue
			}
			open[k] = q[1:]
		case r.Type == audit.TypeOutcome && len(q) > 0:
			problems = append(problems, fmt.Sprintf("seq %d: %s outcome for %s, whose intent seq %d ran", r.Seq, r.Outcome, r.Action, q[0]))
		}
	}
	for k, q := range open {
		for _, seq := range q {
			problems = append(problems, fmt.Sprintf("intent seq %d (%s) has no outcome and no indeterminate record", seq, k.action))
		}
	}
	sort.Strings(problems)
	return problems
}

// fileTarget is a file a deletion acts on.
type fileTarget struct{ kind, server, pkg string }

// deletes reports whether k deletes a file.
func deletes(k string) bool {
	switch actions.Kind(k) {
	case actions.DeleteNSSnapshot, actions.DeletePSSnapshot, actions.DeletePSStatus:
		return true
	}
	return false
}

// checkDeletedOnce: a file is deleted at most once. The planner plans a
// deletion only for a file it observed present and stale, and nothing in
// these estates brings a deleted file back stale (a refresh or a
// configuration update restores it at the current version), so a second
// intent for the same file is allowed only when the first did not run:
// it failed, or it is indeterminate and did not run. indeterminateRan says
// which (the crash point decides: killed before the driver call, or after).
func checkDeletedOnce(recs []audit.Record, indeterminateRan bool) []string {
	var problems []string
	intentOf := map[actionKey]audit.Record{}
	ran := map[fileTarget]int64{} // seq of the intent of a deletion that ran
	for _, r := range recs {
		k := actionKey{r.Pass, r.Action}
		switch {
		case !deletes(r.Kind):
		case r.Type == audit.TypeIntent:
			tg := fileTarget{r.Kind, r.Server, r.Package}
			if first, ok := ran[tg]; ok {
				problems = append(problems, fmt.Sprintf("seq %d: %s intended again, though the deletion of seq %d ran",
					r.Seq, r.Action, first))
			}
			intentOf[k] = r
		case r.Outcome == audit.Applied, r.Type == audit.TypeIndeterminate && indeterminateRan:
			if in, ok := intentOf[k]; ok {
				tg := fileTarget{in.Kind, in.Server, in.Package}
				if _, dup := ran[tg]; !dup {
					ran[tg] = in.Seq
				}
			}
		}
	}
	return problems
}

// checkLimits: for each limit, the intents of its kind among recs (each
// may have touched the site: indeterminate ones count) never number more
// than max in any window of per, as the limiter counts them (one per
// intent; a spend counts at now while it is younger than per). The one
// intent allowed over the cap is the set_credential_mode that finishes a
// reset cycle left open (round 1 started, the policy's credential not yet
// back): it is admitted over any limit so that the NS never stays on
// anonymous, and counted all the same.
func checkLimits(recs []audit.Record, limits []limit) []string {
	var problems []string
	for _, l := range limits {
		at := spends(recs, l.Kind)
		lo := 0
		for i, sp := range at {
			for !at[lo].at.After(sp.at.Add(-l.Per)) {
				lo++
			}
			if n := i - lo + 1; n > l.Max && !sp.finishes {
				problems = append(problems, fmt.Sprintf("limit %s %d/%s: %d intents in the window ending %s",
					l.Kind, l.Max, l.Per, n, sp.at.Format(time.RFC3339Nano)))
				break
			}
		}
	}
	return problems
}

// spend is one intent of a limited kind; finishes marks the restore of an
// open reset cycle.
type spend struct {
	at       time.Time
	finishes bool
}

// spends returns the intents of kind, in time order. A reset cycle is open
// from round 1's intent until a set_credential_mode to a non-anonymous
// mode is applied; a non-anonymous set_credential_mode intended while it
// is open, in a later pass (round 2 in round 1's pass was admitted with
// it, within the cap), finishes it.
func spends(recs []audit.Record, kind string) []spend {
	var out []spend
	open, openedIn := false, ""
	for _, r := range recs {
		if r.Kind != kind {
			continue
		}
		if r.Type == audit.TypeOutcome && r.Outcome == audit.Applied && r.Mode != "" && r.Mode != "anonymous" {
			open = false
		}
		if r.Type != audit.TypeIntent {
			continue
		}
		restore := kind == "set_credential_mode" && open && r.Pass != openedIn && r.Mode != "anonymous" &&
			!strings.HasSuffix(r.Action, "#1")
		out = append(out, spend{at: r.Time, finishes: restore})
		if kind == "set_credential_mode" && strings.HasSuffix(r.Action, "#1") {
			open, openedIn = true, r.Pass
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// checkRecovered: when a write was torn (torn), exactly one recovered
// record, right after the last complete record of the crashed run
// (crashEnd), cutting some bytes; otherwise none.
func checkRecovered(recs []audit.Record, torn bool, crashEnd int64) []string {
	var got []audit.Record
	for _, r := range recs {
		if r.Type == audit.TypeRecovered {
			got = append(got, r)
		}
	}
	if !torn {
		if len(got) > 0 {
			return []string{fmt.Sprintf("%d recovered records, though no write was torn (first seq %d)", len(got), got[0].Seq)}
		}
		return nil
	}
	if len(got) != 1 {
		return []string{fmt.Sprintf("%d recovered records after a torn write; want 1", len(got))}
	}
	var d struct {
		AfterSeq int64 `json:"after_seq"`
		CutBytes int64 `json:"cut_bytes"`
	}
	if err := json.Unmarshal(got[0].Detail, &d); err != nil {
		return []string{fmt.Sprintf("recovered record seq %d: detail %s: %v", got[0].Seq, got[0].Detail, err)}
	}
	if got[0].Seq != crashEnd+1 || d.AfterSeq != crashEnd || d.CutBytes <= 0 {
		return []string{fmt.Sprintf("recovered record seq %d (after_seq %d, cut_bytes %d); want seq %d after_seq %d cutting some bytes",
			got[0].Seq, d.AfterSeq, d.CutBytes, crashEnd+1, crashEnd)}
	}
	return nil
}

// openIntents counts the intents among recs without an outcome or
// indeterminate record.
func openIntents(recs []audit.Record) int {
	open := map[actionKey]bool{}
	for _, r := range recs {
		k := actionKey{r.Pass, r.Action}
		switch {
		case r.Type == audit.TypeIntent:
			open[k] = true
		case r.Type == audit.TypeIndeterminate, r.Type == audit.TypeOutcome:
			delete(open, k)
		}
	}
	return len(open)
}

// count returns how many records have type typ.
func count(recs []audit.Record, typ audit.Type) int {
	n := 0
	for _, r := range recs {
		if r.Type == typ {
			n++
		}
	}
	return n
}
