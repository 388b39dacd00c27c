// Package e2e holds end-to-end tests that build the real reconciler binary
// and run it as an admin would, on a simulated site in a temporary folder:
//
//   - crash_test.go kills `run --once` with SIGKILL at every step of a pass
//     (binary built with -tags crashtest, see package crashpoint), restarts
//     it until the site converges, and checks from the journal and the
//     simulated site that nothing destructive ran twice, no limit was
//     exceeded across restarts, the journal verifies and every intent has
//     an outcome or an indeterminate record;
//   - daemon_test.go runs the daemon (`run`), waits for it to repair the
//     estate, reads /metrics, reloads the policy with SIGHUP (a valid and an
//     invalid one) and stops it with SIGTERM.
//
// The default run is short. `go test ./e2e -crash.all` crashes at every
// occurrence of every point instead of the first ones (a few minutes).
//
// The package has no code outside its tests: it owns the harness (building
// the binary, estates, runs, journal checks) and must not be imported.
// The tests need a Unix system (signals); elsewhere the package is empty.
package e2e
