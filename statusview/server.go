package statusview

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/auditview"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// maxPairsShown and MaxHistory bound the detail view's lists.
const (
	maxPairsShown = 10
	// MaxHistory is how many of the server's latest journal rows the
	// detail view shows.
	MaxHistory = 20
)

// ServerView is everything `status SERVER` shows of one package server.
type ServerView struct {
	Health health.ServerHealth
	// Agent is what its agent answered; nil when it was not observed.
	Agent *observed.Agent
	// Pairs are its rows in question, with the files of each package.
	Pairs []observed.Pair
	Files map[vocab.GUID]observed.PackageFiles
	// Plan holds the actions planned now that concern it (see
	// ForServer), Holds the rule that would hold each.
	Plan  actions.Plan
	Holds map[string]actions.Hold
	// History are its latest journal rows (auditview), oldest first, of
	// HistoryTotal.
	History      []auditview.Row
	HistoryTotal int
	// Ladder is its escalation ladder; nil shows none.
	Ladder *ServerLadder
}

// ForServer returns the part of plan that concerns server: its own
// actions, and the NS's actions that serve it — those it waits for or
// that wait for it (after, requires), and those planned for a cause of
// its own (on one of its packages, for an action on a package) — and its
// notes. Step order is kept.
func ForServer(plan actions.Plan, server vocab.Host) actions.Plan {
	out := actions.Plan{ID: plan.ID, At: plan.At}
	mine := map[string]bool{}
	causes := map[string]bool{}
	for _, a := range plan.Actions {
		if strings.EqualFold(string(a.Target.Server), string(server)) {
			mine[a.ID] = true
			for _, r := range a.Reasons {
				causes[string(r.Cause)] = true
				if a.Target.Package != "" {
					causes[string(r.Cause)+"/"+string(a.Target.Package)] = true
				}
			}
		}
	}
	for _, a := range plan.Actions {
		if mine[a.ID] || a.Target.IsNS() && servesServer(plan, a, mine, causes) {
			out.Actions = append(out.Actions, a)
		}
	}
	for _, n := range plan.Notes {
		if strings.EqualFold(string(n.Target.Server), string(server)) {
			out.Notes = append(out.Notes, n)
		}
	}
	return out
}

// servesServer reports whether the NS action ns serves the server whose
// actions are mine (and their causes).
func servesServer(plan actions.Plan, ns actions.Action, mine, causes map[string]bool) bool {
	for _, r := range ns.Reasons {
		key := string(r.Cause)
		if ns.Target.Package != "" {
			key += "/" + string(ns.Target.Package)
		}
		if causes[key] {
			return true
		}
	}
	if slices.ContainsFunc(ns.After, func(id string) bool { return mine[id] }) {
		return true
	}
	for _, a := range plan.Actions {
		if !mine[a.ID] {
			continue
		}
		if slices.Contains(a.After, ns.ID) {
			return true
		}
		for _, r := range a.Reasons {
			if slices.Contains(r.Requires, ns.ID) {
				return true
			}
		}
	}
	return false
}

// RenderServer writes the detail view: the conditions with their
// messages, the evidence the agent and the CMDB gave, the actions planned
// now and why, and the history from the journal.
func RenderServer(w io.Writer, v ServerView) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "%s\n\nConditions:\n", vocab.Printable(string(v.Health.Name)))
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	for _, c := range v.Health.Conditions {
		since := ""
		if !c.LastTransition.IsZero() {
			since = " (since " + stamp(c.LastTransition) + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s%s\n", c.Type, c.Status, orDash(c.Reason), vocab.Printable(c.Message), since)
	}
	tw.Flush()
	if v.Ladder != nil {
		renderLadder(ew, *v.Ladder)
	}
	renderEvidence(ew, v)
	fmt.Fprintln(ew, "\nPlanned now: the actions of the next pass's plan that concern this server, numbered in this list:")
	if len(v.Plan.Actions) == 0 && len(v.Plan.Notes) == 0 {
		fmt.Fprintln(ew, "  nothing")
	} else if err := actions.Render(indent{ew}, v.Plan, actions.RenderOptions{Holds: holdsOf(v.Plan, v.Holds)}); err != nil {
		return err
	}
	renderHistory(ew, v)
	return ew.err
}

func renderEvidence(w io.Writer, v ServerView) {
	fmt.Fprintln(w, "\nEvidence:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	switch a := v.Agent; {
	case a == nil:
		fmt.Fprintln(tw, "  agent\tnot observed")
	case !a.Reachable:
		fmt.Fprintf(tw, "  agent\tdid not answer: %s\n", vocab.Printable(a.Error))
	default:
		f := a.Facts
		applied := f.Applied.String()
		if f.AppliedUnknown != "" {
			applied = "unknown: " + f.AppliedUnknown
		}
		version := fmt.Sprint(f.PolicyVersion)
		if f.PolicyVersionUnknown != "" {
			version = "unknown: " + f.PolicyVersionUnknown
		}
		fmt.Fprintf(tw, "  applied credential\t%s\n", vocab.Printable(applied))
		fmt.Fprintf(tw, "  policy version received\t%s\n", vocab.Printable(version))
		fmt.Fprintf(tw, "  Full Control on Package Delivery\t%s\n", vocab.Printable(strings.Join(f.FullControl, ", ")))
		fmt.Fprintf(tw, "  agent.log signs\t%s\n", vocab.Printable(orNone(strings.Join(f.LogSignatures, "; "))))
		if e := f.Evidence; e.FoldersRead > 0 || e.TrustErrors > 0 {
			fmt.Fprintf(tw, "  KB 179719 signs\t%d of %d package folders grant only SYSTEM and Administrators; the 1789 trust error in %s\n",
				e.BareFolders, e.FoldersRead, vocab.Count(e.TrustErrors, "status report"))
		}
	}
	fmt.Fprintf(tw, "  rows in question\t%s\n", pairSummary(v.Pairs))
	tw.Flush()
	renderPairs(w, v)
}

func renderPairs(w io.Writer, v ServerView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, p := range v.Pairs {
		if i == maxPairsShown {
			fmt.Fprintf(tw, "    … %s more (reconciler status --json)\n", vocab.Count(len(v.Pairs)-i, "row"))
			break
		}
		files := "files not observed"
		if f, ok := v.Files[p.Package]; ok {
			files = fileSummary(f)
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s at version %s (NS %s)\t%s\n", p.Package.Braced(), vocab.Printable(p.PackageName),
			p.Status, vocab.Printable(p.Version), vocab.Printable(p.PackageVersion), files)
	}
	tw.Flush()
}

func pairSummary(ps []observed.Pair) string {
	if len(ps) == 0 {
		return "none: every row is Ready at the NS version"
	}
	by := map[vocab.Status]int{}
	for _, p := range ps {
		by[p.Status]++
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, string(k))
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", by[vocab.Status(k)], k)
	}
	return vocab.Count(len(ps), "row") + " (" + strings.Join(parts, ", ") + ")"
}

func fileSummary(f observed.PackageFiles) string {
	snap, status := "snapshot.xml absent", "PackageStatus.xml absent"
	if f.SnapshotPresent {
		snap = "snapshot.xml version " + vocab.Printable(f.SnapshotVersion)
	}
	if f.StatusPresent {
		status = "PackageStatus.xml records " + vocab.Printable(string(f.StatusRecorded))
	}
	return snap + ", " + status + ", local " + vocab.Printable(string(f.Local))
}

func renderHistory(w io.Writer, v ServerView) {
	if v.HistoryTotal == 0 {
		fmt.Fprintln(w, "\nHistory: nothing in the journal for this server.")
		return
	}
	fmt.Fprintf(w, "\nHistory (the journal's last %d of %s for this server, with the NS actions that served it):\n",
		len(v.History), vocab.Count(v.HistoryTotal, "record"))
	t := auditview.NewTable(indent{w}, auditview.TableOptions{})
	for _, r := range v.History {
		t.Add(r)
	}
	_ = t.Flush()
}

// holdsOf keeps the holds of the plan's actions.
func holdsOf(p actions.Plan, holds map[string]actions.Hold) map[string]actions.Hold {
	out := map[string]actions.Hold{}
	for _, a := range p.Actions {
		if h, ok := holds[a.ID]; ok {
			out[a.ID] = h
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// indent writes each line with two spaces before it.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	lines := strings.SplitAfter(string(p), "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" && l != "\n" {
			b.WriteString("  ")
		}
		b.WriteString(l)
	}
	if _, err := io.WriteString(i.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// errWriter keeps the first write error, so rendering stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
