// Package health turns one pass's observation into per-server conditions
// in the Kubernetes style, for `reconciler status`: Reachable,
// CredentialApplied, AclInPlace and PackagesReady, each True, False or
// Unknown with a CamelCase reason, a factual message and the time of its
// last transition. It renders them as an aligned table for a terminal and
// as JSON with a stable schema (see RenderJSON).
//
// It is pure: no I/O beyond the writer it is given, no clock reads (the
// caller passes now). It judges; it never decides what to do about it,
// which is the planner's job in package actions.
package health
