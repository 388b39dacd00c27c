package health

import (
	"github.com/itms-tools/reconciler/vocab"

	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// TableOptions tunes RenderTable.
type TableOptions struct {
	// Words writes True, False and Unknown instead of ✓, ✗ and ?.
	Words bool
}

// RenderTable writes the report for a terminal: a header with the NS and
// CMDB state, one aligned line per server (its four conditions, not-Ready
// count and main reason), the message of every False condition, the
// rejected rows, and totals. Text from drivers and the CMDB is quoted when
// it holds anything but printable characters, so it cannot move the
// cursor or forge lines.
func RenderTable(w io.Writer, r Report, opt TableOptions) error {
	ew := &errWriter{w: w}
	header(ew, r)
	credentials(ew, r)
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tREACHABLE\tCREDENTIAL\tACL\tPACKAGES\tNOT READY\tREASON")
	for _, s := range r.Servers {
		fmt.Fprintf(tw, "%s", safe(string(s.Name)))
		for _, t := range ConditionTypes {
			c, _ := s.Condition(t)
			fmt.Fprintf(tw, "\t%s", mark(c.Status, opt.Words))
		}
		fmt.Fprintf(tw, "\t%d\t%s\n", s.NotReady, orDash(s.MainReason()))
	}
	tw.Flush()
	problems(ew, r)
	unknowns(ew, r)
	rejects(ew, r)
	conflicts(ew, r)
	fmt.Fprintf(ew, "\nTotals: %d servers in scope, %d healthy; %d rows not Ready, %d in grace; %d out of scope; %d rejected",
		r.Totals.Servers, r.Totals.Healthy, r.Totals.NotReady, r.Totals.InGrace, r.Totals.OutOfScope, r.Totals.Rejects)
	if r.Totals.Conflicts > 0 {
		fmt.Fprintf(ew, "; %d CMDB conflicts", r.Totals.Conflicts)
	}
	fmt.Fprintln(ew)
	return ew.err
}

// conflicts lists what the CMDB states two ways, and says what to do.
func conflicts(w io.Writer, r Report) {
	if len(r.Conflicts) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCMDB conflicts (nothing is planned for them until the CMDB states one fact; correct SWDPackage or vItem):")
	for _, c := range r.Conflicts {
		fmt.Fprintf(w, "  %s: %s (%d rows held back)\n", c.Kind, safe(c.Message()), c.Held)
	}
}

func header(w io.Writer, r Report) {
	fmt.Fprintf(w, "Site health at %s\n", r.At.Format(time.RFC3339))
	ns := r.NS
	switch {
	case ns.Error != "":
		fmt.Fprintf(w, "NS:   not read: %s (policy wants %s)\n", safe(ns.Error), safe(ns.Desired.String()))
	case ns.Credential == nil:
		fmt.Fprintf(w, "NS:   unknown (policy wants %s)\n", safe(ns.Desired.String()))
	case ns.InSync:
		fmt.Fprintf(w, "NS:   %s, policy version %d, as the policy wants\n", safe(ns.Credential.String()), ns.PolicyVersion)
	default:
		fmt.Fprintf(w, "NS:   %s, policy version %d; policy wants %s\n",
			safe(ns.Credential.String()), ns.PolicyVersion, safe(ns.Desired.String()))
	}
	switch {
	case r.CMDBError != "":
		fmt.Fprintf(w, "CMDB: not read: %s\n", safe(r.CMDBError))
	case r.ServersListed:
		fmt.Fprintln(w, "CMDB: read, with the server list")
	default:
		fmt.Fprintln(w, "CMDB: read, rows in question only")
	}
	fmt.Fprintln(w)
}

func problems(w io.Writer, r Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := 0
	for _, s := range r.Servers {
		for _, c := range s.Conditions {
			if c.Status != False {
				continue
			}
			if n == 0 {
				fmt.Fprintln(tw, "\nProblems:")
			}
			n++
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", safe(string(s.Name)), c.Type, c.Reason, safe(c.Message))
		}
	}
	tw.Flush()
}

// unknowns lists the facts the site could not show, and why: today the
// applied credential of a real agent (ReasonCredentialUnknown).
func unknowns(w io.Writer, r Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := 0
	for _, s := range r.Servers {
		for _, c := range s.Conditions {
			if c.Status != Unknown || c.Reason != ReasonCredentialUnknown {
				continue
			}
			if n == 0 {
				fmt.Fprintln(tw, "\nUnknown (the site does not show it; nothing global is planned on it):")
			}
			n++
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", safe(string(s.Name)), c.Type, c.Reason, safe(c.Message))
		}
	}
	tw.Flush()
}

func rejects(w io.Writer, r Report) {
	if len(r.Rejects) == 0 {
		return
	}
	fmt.Fprintln(w, "\nRejected rows (reported, never acted on):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, rj := range r.Rejects {
		who := rj.Server
		if who == "" && rj.ServerID != "" {
			who = "id " + rj.ServerID
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", orDash(safe(who)), orDash(safe(rj.PackageID)), safe(rj.Reason))
	}
	tw.Flush()
}

func mark(s Status, words bool) string {
	if words {
		return string(s)
	}
	switch s {
	case True:
		return "✓"
	case False:
		return "✗"
	}
	return "?"
}

// safe keeps text from the CMDB or agents from driving the terminal.
func safe(s string) string { return vocab.Printable(s) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errWriter keeps the first write error, so rendering code stays linear.
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

// RenderJSON writes the report as indented JSON. The schema (version
// SchemaVersion) is:
//
//	{
//	  "schema_version": 1,
//	  "at": RFC 3339 time,
//	  "ns": {"credential": {"mode", "account"}?, "policy_version"?, "desired": {...},
//	         "in_sync": bool, "error"?},
//	  "cmdb_error"?: string,
//	  "servers_listed": bool,
//	  "servers": [{"name",
//	               "conditions": [{"type", "status": "True"|"False"|"Unknown",
//	                               "reason", "message"?, "last_transition"?}],
//	               "counts": {status: n}, "not_ready", "in_grace"}],
//	  "totals": {"servers", "healthy", "pairs": {status: n}, "not_ready",
//	             "in_grace", "out_of_scope", "rejects", "conflicts"?},
//	  "rejects": [{"server_id", "server", "package_id", "reason"}],
//	  "credentials_refused"?: [{"source": "winrm"|"cmdb", "user"?, "from"?,
//	                           "refused_at", "error", "action"}],
//	  "conflicts"?: [{"kind": "package_versions"|"server_ids"|"server_names"|"pair_rows",
//	                 "server"?, "server_id"?, "package"?, "package_name"?,
//	                 "values": [string], "held": n}]
//	}
//
// Servers are sorted by name, conditions in ConditionTypes order, map keys
// sorted; "?" marks fields left out when empty. Fields may be added;
// removing or changing one bumps SchemaVersion.
func RenderJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode status: %w", err)
	}
	return nil
}
