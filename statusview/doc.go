// Package statusview renders `reconciler status` beyond the health table
// of package health: the last known state when the site cannot be read
// now (from the journal's observation records), the detail view of one
// package server (its evidence, the actions planned for it and why, its
// history), and the re-rendering loop of `status --watch`.
//
// It renders what it is given; it observes nothing and writes no record.
package statusview
