// Package apply is the executor: it runs a plan through a Driver in
// dependency order, one action at a time per target, under the gates'
// holds, and records an intent before every driver call and an outcome
// after it through a Recorder.
//
// It decides nothing about what to do; it only runs, defers or skips what
// the plan says. The Driver, Gates and Recorder interfaces are defined
// here, where they are used; drivers and gates need import only the
// vocabulary (package actions) to satisfy them.
package apply
