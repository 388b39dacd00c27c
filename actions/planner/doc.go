// Package planner turns one observation and the desired state into the
// smallest ordered plan that reaches it (DESIGN §3): Compute, and Needs,
// which says what must be observed beyond the CMDB before planning.
//
// It is pure: no I/O, no clock reads (the time is passed in), no
// randomness, no crash points, no audit, no driver. A test
// (layout_test.go at the module root) keeps it that way.
package planner
