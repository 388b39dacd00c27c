// Package actions owns what the controller can do to a site: the eight fixed
// action kinds, the Action and Plan types, the planner that turns observed
// and desired state into the smallest ordered plan, and the executor that
// applies a plan through a driver under the policy's gates.
//
// The planner is pure: no I/O, no clock reads, no randomness. The executor
// decides nothing about what to do; it only runs, defers or skips what the
// plan says, in the plan's order, and records every step.
package actions
