// Package inbox carries an operator's request (approve, breaker reset,
// retry, pause, resume) from a command to the daemon that holds the
// journal. A command that finds the journal free records the request
// itself (Deliver); one that finds it held by a daemon drops the request
// as one JSON file in the inbox beside the journal (Submit), and the
// daemon's next pass records and applies it (Ingester).
//
// The package owns the request kinds (how each kind's journal record is
// built and checked), the inbox's folder layout, and the trust rules of
// what it reads: only a request in a trusted inbox and file (package
// rights) is recorded, and its actor is the file's owner, never what the
// file says. It does not decide what a record means: whoever implements
// Journal replays the record into its state.
package inbox
