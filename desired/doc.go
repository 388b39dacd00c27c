// Package desired owns the desired state of a site (DESIGN §2): the
// credential every package server in scope must have applied, the account
// that must hold Full Control on its Package Delivery folder, and the rule
// that every pair is Ready at the NS package version, with downloads left
// alone while younger than the pending grace.
//
// It holds pure values built from the policy: no I/O, no clock reads. It
// does not import package policy (policy depends on actions, which depends
// on desired); the caller passes the policy's values to New, and
// policy.Scope satisfies Scope.
package desired
