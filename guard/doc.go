// Package guard owns the rules that hold actions back: the enforcement mode,
// the scope, maintenance windows (robfig/cron/v3 schedules in an explicit
// time zone), rolling-window limits per kind, the blast radius per pass, the
// circuit breaker, and approvals. Gates combines them, in that order, into
// the executor's admission decision for a whole plan, then applies the
// rules that bind actions together: the credential reset cycle, admitted
// whole as one decision (Cycle), and a snapshot deletion, admitted only
// with the update that restores the file.
//
// It decides only whether an action may run now; it never plans, observes
// or acts, and never reads the clock itself (now is passed in).
package guard
