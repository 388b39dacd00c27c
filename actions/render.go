package actions

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// maxReasonsShown bounds the reasons printed under one action; the JSON form
// always carries all of them.
const maxReasonsShown = 3

// RenderOptions adjusts the human-readable plan.
type RenderOptions struct {
	// Holds are the gates' decisions for this plan now (Gates.Admit):
	// every action that will not run is marked, with its rule, or for one
	// that waits for a held action, which one and what holds that.
	Holds map[string]Hold
}

// Render writes the plan for people, Terraform-like: per target (the NS
// first, then servers by name) each action with its step number and why,
// then the notes, then a summary line of counts per kind.
func Render(w io.Writer, p Plan, opt RenderOptions) error {
	ew := &errWriter{w: w}
	switch {
	case p.Blocked():
		ew.printf("Plan %s: nothing planned: the site could not be observed (see below).\n", p.ID)
	case p.Empty():
		ew.printf("Plan %s: nothing to do; every in-scope package server matches the desired state.\n", p.ID)
	default:
		ew.printf("Plan %s: %s, in this order:\n", p.ID, vocab.Count(len(p.Actions), "action"))
		renderGroups(ew, p, opt)
	}
	renderNotes(ew, p.Notes)
	ew.printf("\n%s\n", SummaryLine(p))
	if n := len(opt.Holds); n > 0 {
		ew.printf("%s would wait now (~); those needing approval: reconciler approve %s\n", vocab.Count(n, "action"), p.ID)
	}
	return ew.err
}

func renderGroups(ew *errWriter, p Plan, opt RenderOptions) {
	step := p.Index()
	for _, g := range groupByServer(p.Actions) {
		ew.printf("\n%s\n", g.title)
		for _, a := range g.actions {
			h, held := opt.Holds[a.ID]
			mark := "+"
			if held {
				mark = "~"
			}
			ew.printf("  %s [%d] %s%s\n", mark, step[a.ID]+1, a.Kind, targetSuffix(a))
			renderReasons(ew, a)
			if held {
				ew.printf("      %s\n", holdLine(h, opt.Holds))
			}
		}
	}
}

// holdLine says why an action will not run: the rule that holds it, or the
// held action it waits for and that action's rule (following waits).
func holdLine(h Hold, holds map[string]Hold) string {
	on, waits := h.WaitsFor()
	if !waits {
		return "held now: " + vocab.Printable(h.Rule())
	}
	root := h
	for range len(holds) {
		id, ok := root.WaitsFor()
		next, known := holds[id]
		if !ok || !known {
			break
		}
		root = next
	}
	if _, still := root.WaitsFor(); still {
		return "waits for " + on
	}
	return fmt.Sprintf("waits for %s, held now: %s", on, vocab.Printable(root.Rule()))
}

func renderReasons(ew *errWriter, a Action) {
	for i, r := range a.Reasons {
		if i == maxReasonsShown {
			more := vocab.Count(len(a.Reasons)-i, "reason")
			ew.printf("      (+%s; see --json)\n", strings.Replace(more, " ", " more ", 1))
			break
		}
		ew.printf("      %s\n", vocab.Printable(r.Message))
	}
}

func renderNotes(ew *errWriter, notes []Note) {
	if len(notes) == 0 {
		return
	}
	ew.printf("\nNot acted on:\n")
	for _, n := range notes {
		ew.printf("  %s: %s\n", n.Target, vocab.Printable(n.Message))
	}
}

// targetSuffix renders what an action acts on beyond its group title.
func targetSuffix(a Action) string {
	var parts []string
	if a.Target.Package != "" {
		parts = append(parts, a.Target.Package.Braced())
	}
	if a.Kind == SetCredentialMode {
		parts = append(parts, "→ "+credentialLabel(a))
	}
	if a.Kind == GrantACL {
		parts = append(parts, "to "+vocab.Printable(a.Account))
	}
	if a.Round > 0 {
		parts = append(parts, fmt.Sprintf("(reset cycle, round %d)", a.Round))
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

func credentialLabel(a Action) string {
	if a.Account == "" {
		return string(a.Mode)
	}
	return string(a.Mode) + " " + vocab.Printable(a.Account)
}

// SummaryLine counts actions per kind, the kinds the plan holds in a fixed
// order: "Plan: 5 actions (update_configuration 2, resend_status 3); 1 note."
func SummaryLine(p Plan) string {
	c := p.Counts()
	var parts []string
	for _, k := range Kinds {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
		}
	}
	kinds := ""
	if len(parts) > 0 {
		kinds = " (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("Plan: %s%s; %s.", vocab.Count(len(p.Actions), "action"), kinds, vocab.Count(len(p.Notes), "note"))
}

type group struct {
	title   string
	actions []Action
}

// groupByServer groups actions by server, the NS first, servers by name,
// keeping plan order inside each group.
func groupByServer(as []Action) []group {
	idx := map[string]int{}
	var gs []group
	for _, a := range as {
		title := string(a.Target.Server)
		if a.Target.IsNS() {
			title = "NS (Notification Server)"
		}
		i, ok := idx[title]
		if !ok {
			i = len(gs)
			idx[title] = i
			gs = append(gs, group{title: title})
		}
		gs[i].actions = append(gs[i].actions, a)
	}
	slices.SortStableFunc(gs, func(a, b group) int {
		na, nb := a.actions[0].Target.IsNS(), b.actions[0].Target.IsNS()
		if na != nb {
			if na {
				return -1
			}
			return 1
		}
		return strings.Compare(a.title, b.title)
	})
	return gs
}

// errWriter keeps the first write error so rendering code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
