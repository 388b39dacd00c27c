// Package estateview is the controller's live view of the estate: what the
// web console shows and what notifications watch. Per package server: its
// conditions with their transition times, the evidence last observed, the
// last plan's actions on it, its condition history and the actions the
// journal recorded on it; for the estate: the last passes, the current
// plan and its holds, the NS credential, the breaker, budgets, windows and
// approvals.
//
// It lives in github.com/hashicorp/go-memdb (the design card's store):
// readers take a Snapshot (a read transaction: a consistent moment, never
// blocked by the writer) and watch rows with memdb watch sets; every
// commit replaces the estate row, so a watch on it fires once per change
// of the view.
//
// Who writes: the controller's AfterPass hook calls Push after each pass,
// never from inside the observation; the journal's records reach Ingest
// as they are appended (Tee), and Rebuild folds the whole journal at start,
// so a restart loses no history. Condition transitions are not otherwise
// in the journal, so the view journals them itself (one "conditions" note
// per pass that changed any) when it is given a journal (Attach).
//
// Bounds: the last MaxTransitions transitions and MaxActions actions per
// server, the last MaxActions NS actions, the last MaxPasses passes and
// MaxBreakerEvents breaker events are kept in memory; older ones stay in
// the journal (`reconciler audit`).
//
// It must not decide anything (it reports the controller's and the gates'
// decisions), act on the site, or observe it.
package estateview
