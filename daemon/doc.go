// Package daemon assembles and runs the reconciler's daemon, as
// controller-runtime's manager does for its controllers: it builds the
// controller, attaches the journal when the daemon becomes leader, serves
// the console, metrics and health endpoints, turns SIGHUP and policy file
// changes into reloads, tells the service manager of its life, and shuts
// all of it down in order. `reconciler run` parses its flags, opens the
// site and calls Run; the journal's own opening stays with the command,
// which hands it in (Options.OpenJournal).
package daemon
