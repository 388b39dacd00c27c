// Package console serves the daemon's web console on http.listen: the
// overview of the estate at /, a package server at /servers/NAME, the plan
// a pass would make now at /plan, the journal with the filters of
// `reconciler audit` at /journal, and the live event stream at /events
// (server-sent events driven by the estate view's memdb watch sets).
//
// It is read-only: it answers GET and HEAD only and offers no action;
// approving, retrying and resetting the breaker stay on the command line,
// where the inbox's rights say who may do them. Every value shown comes
// from the CMDB, the agents or the journal and is untrusted: pages are
// html/template with contextual escaping and never mark a value safe.
// Every asset (CSS, the small script that applies live updates) is
// embedded; the Content-Security-Policy allows nothing else, no inline
// script and no framing.
//
// It must not change the estate, the view or the journal.
package console
