package auditview

import (
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/audit"
)

// Row is one journal record as people read it.
type Row struct {
	audit.Record
	// Served lists, for an NS-level action (no server), the package servers
	// it served in its plan, by name: those with an action of the same
	// plan for the same cause (and, for an action on one package, on that
	// package).
	Served []string
	// Reasons are the record's own, or for an outcome that closes an
	// intent, the intent's (an indeterminate record keeps its own message).
	Reasons []audit.Reason
}

// Linker turns records, fed in journal order, into Rows. It holds the
// records of one pass until the pass ends (its pass_end, a record of
// another pass, or Flush), so what it holds is bounded by one pass.
type Linker struct {
	pass string
	buf  []audit.Record
}

// Add takes the next record and returns the rows that are complete.
func (l *Linker) Add(r audit.Record) []Row {
	var out []Row
	if r.Pass != "" && r.Pass != l.pass {
		out = l.Flush()
		l.pass = r.Pass
	}
	if l.pass == "" {
		return append(out, Row{Record: r, Reasons: r.Reasons})
	}
	l.buf = append(l.buf, r)
	if r.Type == audit.TypePassEnd && r.Pass == l.pass {
		out = append(out, l.Flush()...)
	}
	return out
}

// Flush returns the rows of the pass held so far.
func (l *Linker) Flush() []Row {
	rows := link(l.buf)
	l.buf, l.pass = nil, ""
	return rows
}

// actionKey names an action within a pass.
type actionKey struct{ plan, action string }

// link makes the rows of one pass's records.
func link(recs []audit.Record) []Row {
	intents := map[actionKey][]audit.Reason{}
	for _, r := range recs {
		if r.Type == audit.TypeIntent {
			intents[actionKey{r.Plan, r.Action}] = r.Reasons
		}
	}
	reasonsOf := func(r audit.Record) []audit.Reason {
		if len(r.Reasons) > 0 {
			return r.Reasons
		}
		if r.Type == audit.TypeOutcome {
			return intents[actionKey{r.Plan, r.Action}]
		}
		return nil
	}
	served := servedBy(recs, reasonsOf)
	rows := make([]Row, len(recs))
	for i, r := range recs {
		rows[i] = Row{Record: r, Reasons: reasonsOf(r)}
		if r.Kind != "" && r.Server == "" {
			rows[i].Served = served[actionKey{r.Plan, r.Action}]
		}
	}
	return rows
}

// use is one cause a server's action was planned for, on a package or
// on the whole server.
type use struct{ plan, cause, pkg string }

// servedBy maps each NS-level action to the servers it served.
func servedBy(recs []audit.Record, reasonsOf func(audit.Record) []audit.Reason) map[actionKey][]string {
	servers := map[use]map[string]bool{}
	add := func(u use, server string) {
		if servers[u] == nil {
			servers[u] = map[string]bool{}
		}
		servers[u][server] = true
	}
	for _, r := range recs {
		if r.Kind == "" || r.Server == "" {
			continue
		}
		for _, rs := range reasonsOf(r) {
			add(use{r.Plan, rs.Cause, ""}, r.Server)
			if r.Package != "" {
				add(use{r.Plan, rs.Cause, strings.ToLower(r.Package)}, r.Server)
			}
		}
	}
	out := map[actionKey][]string{}
	for _, r := range recs {
		if r.Kind == "" || r.Server != "" {
			continue
		}
		k := actionKey{r.Plan, r.Action}
		if _, done := out[k]; done {
			continue
		}
		set := map[string]bool{}
		for _, rs := range reasonsOf(r) {
			for s := range servers[use{r.Plan, rs.Cause, strings.ToLower(r.Package)}] {
				set[s] = true
			}
		}
		list := []string{}
		for s := range set {
			list = append(list, s)
		}
		out[k] = list
		slices.SortFunc(list, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	}
	return out
}

// Concerns reports whether the row concerns the server named (case-
// insensitively): its own action, or an NS-level action that served it.
// The name "NS" selects NS-level actions.
func (r Row) Concerns(server string) bool {
	if server == "" {
		return true
	}
	if strings.EqualFold(server, "NS") {
		return r.Kind != "" && r.Server == ""
	}
	if strings.EqualFold(r.Server, server) {
		return true
	}
	for _, s := range r.Served {
		if strings.EqualFold(s, server) {
			return true
		}
	}
	return false
}
