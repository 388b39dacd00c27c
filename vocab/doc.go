// Package vocab holds the ITMS vocabulary that every other package shares:
// credentials, package and server identifiers, pair statuses, and the checks
// that turn untrusted strings (from SQL, files, agents) into trusted values.
//
// It owns values and validation only. It must not do I/O, read the clock or
// know about policy, planning or drivers.
package vocab
