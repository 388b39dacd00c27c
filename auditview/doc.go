// Package auditview reads the audit journal for people: `reconciler audit`
// and the history of `reconciler status SERVER`. It registers the filter
// flags (package auditfilter validates them), links each NS-level action to
// the package servers it served, gives each outcome the reasons of its
// intent, and writes a table that fits the terminal.
//
// It only reads records (package audit); it writes nothing and decides
// nothing.
package auditview
