// Package actions is the vocabulary of plans that every other package
// shares: the eight fixed action kinds, targets, reasons, actions and their
// stable ids (FormatID, ParseID), plans and their notes, the outcomes of a
// step and the holds that keep one from running, and the plan's rendering
// for people.
//
// It imports nothing of ours but vocab, and decides nothing: the planner
// (actions/planner) makes plans, the executor (actions/apply) runs them,
// the gates (guard) hold them, and the audit journal records them.
package actions
