// Package simulate runs the real controller against an in-memory simulated
// site on a virtual clock, for a scenario's duration, without sleeping:
// what `reconciler sim` does so that an admin can tune a policy (limits,
// windows, schedule, blast radius) before it touches production.
//
// Run builds a site from the scenario (site/sim), an audit journal and a
// controller with the policy under test, then drives controller.Run with a
// clock.Fake: wait until the loop sleeps, move the clock to its next
// timer, wait until the pass it woke for is over, until the next wake
// would pass the end of the scenario. The Report (DESIGN §7) is computed
// from the site's own bookkeeping (timeline, applied actions, unsafe
// paths) and from the journal (applied outcomes for the rolling windows,
// deferrals, failures, passes); WriteHTML renders it with charts.
//
// The package owns the virtual-time driving, the report and its HTML. It
// must not decide what to do (the planner and the gates do, unchanged),
// must not read the wall clock or sleep, and must keep its output
// deterministic: the same scenario, policy, seed and start give the same
// report and HTML byte for byte.
package simulate
