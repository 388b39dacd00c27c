// Package audit owns the audit journal: an append-only, hash-chained file of
// JSON lines in which the daemon records every action intent and outcome,
// every pass, policy reload, approval and breaker change, before and after
// it acts. Admins review it; `reconciler audit verify` checks it; the
// limits are rebuilt from it after a restart.
//
// It owns the file format, writing, recovery after a crash, verification
// and reading. It must not decide anything about actions or policy, talk
// to a site, or hold a secret: every string is scrubbed before it is
// written (Options.Secrets, and password=/pwd= pairs and URL passwords).
//
// # Records
//
// One record per line, UTF-8, newline-terminated. Members, always in this
// order, empty ones omitted except seq, time, type and prev:
//
//	seq      1, 2, 3, … without gaps
//	time     RFC 3339 with nanoseconds, UTC ("2026-03-01T02:00:00.5Z")
//	type     intent outcome pass_start pass_end policy_reload policy_rejected
//	         approval breaker recovered indeterminate startup note
//	         notification auth_failed
//	pass     pass id
//	plan     plan id
//	action   action id
//	kind     action kind
//	server   package server (absent for the NS)
//	package  package GUID
//	mode     credential mode (set_credential_mode)
//	account  account name (set_credential_mode, grant_acl); never a password
//	reasons  [{cause, message, facts: [{name, value}]}]
//	rule     the policy rule that allowed or held the action, e.g.
//	         "limit delete_ns_snapshot 20/1h", "window weeknights",
//	         "mode dry-run", "approval", "blast_radius", "breaker",
//	         "dependency <action id>", "scope"
//	outcome  applied failed deferred skipped indeterminate
//	error    error text
//	actor    {host, user, pid}: the daemon, or the approver of an approval
//	detail   free JSON, compact, object keys sorted
//	prev     hash of the previous record; "" for seq 1
//	hash     hex SHA-256 of the record's canonical encoding
//
// # Canonical encoding and how to re-verify with other tools
//
// The canonical encoding of a record is its line without the final
// `,"hash":"<64 hex digits>"` member (and without the newline), that is
// Go's encoding/json output for the record with the members above in that
// order. So, for each line: remove the hash member, SHA-256 the remaining
// bytes, compare with the hash; check that prev equals the hash of the line
// before and that seq grows by one. For example in a POSIX shell:
//
//	sed -n 5p audit.jsonl | sed 's/,"hash":"[0-9a-f]*"}$/}/' | tr -d '\n' | sha256sum
//
// Verify also requires each line to be exactly the canonical encoding of
// what it decodes to, so that no byte can change without detection, and
// reports the first bad seq. A chain has no key: someone who can write the
// file can cut its end or rewrite it consistently. Anchors (below) catch
// that.
//
// # Intents, outcomes and budgets
//
// An action that runs gets an intent record, written and synced before the
// action starts, then exactly one outcome record (applied or failed) for
// the same action id and pass. An action that does not run (deferred by a
// limit, window, approval, blast radius or breaker; skipped by dry-run, a
// failed dependency or scope) gets one outcome record (deferred or
// skipped) naming the rule, and no intent. Record.Spent is true for intent
// records only, so an action that may have touched the site counts once
// toward its limit, even if its outcome was lost.
//
// # Crashes and damage
//
// Open reads and verifies the whole journal. Only the last line may be
// repaired, because only a crash during a write can damage it:
//
//   - a last line that is not a complete record (no newline and cut short,
//     not JSON, NUL bytes from a lost page) is cut off, the file synced, and
//     a recovered record appended with the bytes cut and the seq they
//     followed; the record that was being written belonged to an Append
//     that never returned, so its action never ran;
//   - a last record that is complete and chains but lacks its newline is
//     kept, the newline added, and a recovered record appended;
//   - any damage before that (a record edited, deleted, inserted, reordered,
//     a changed hash or a flipped byte), and a complete last record that
//     does not chain, makes Open fail with a *ChainError naming the first
//     bad seq. Nothing is repaired: a person must look at the file, and the
//     daemon refuses to run on it.
//
// Then every intent with no later outcome or indeterminate record for the
// same action and pass gets an indeterminate record (outcome
// indeterminate, same action, kind, target and plan): the action may or
// may not have run, and an admin must check the target. Reopening adds no
// duplicates. Journal.Recovered returns the records Open appended.
//
// # The file
//
// The journal is created with mode 0600 (an existing file with a wider mode
// is narrowed, with a warning; on Windows the folder's ACL must protect
// it), opened for appending only, and locked through a second file,
// path+".lock", and on systems with advisory locks through the live file
// itself, so that one process at a time appends. Each Append writes its
// whole line with one write call and syncs before it returns. A record may
// not exceed MaxRecordSize.
//
// A lock is on a file, not on a name. Before every append the journal
// checks that the lock file and the live file at their paths are the files
// it holds and that no one else changed the live file's size; otherwise it
// writes nothing (ErrIdentity). Check, called before each pass acts, takes
// a deleted lock file again, and after a failed sync reopens the file:
// reads and verifies it, requires every acknowledged record to be there,
// cuts a torn tail, records open intents and a recovered record. Health
// says whether the journal can be written. Options.OpenFile lets tests
// inject faults into the append handle.
//
// # Segments, rotation, retention
//
// The live file stays at path. Checkpoint, at the end of each pass,
// rotates it when Options.Rotation says so: it becomes a sealed segment
// beside it (SegmentPath: path+".seg-<first seq, 12 digits>.jsonl"), and a
// new live file starts with a segment record whose prev is the hash of the
// segment's last record; seq never restarts. The segment record carries the
// caller's long-lived state (Checkpoint.Carry). Retention removes the
// oldest segments past their age or beyond a total size, never the newest
// and never one holding a record at or after Checkpoint.Needed, after a
// retention record naming each one (its last seq and hash), so that Verify
// accepts a chain starting right after it. Every step of a rotation is a
// crashpoint; a crash loses nothing (Open removes a copy that never
// replaced the live file). ReadAll, Filter and Verify read across
// segments.
//
// # Anchors
//
// With Options.Key (package localkey; the key file is KeyPath), Checkpoint
// also writes an Anchor — the last seq, its hash, the time, HMAC-signed —
// to AnchorPath and to Options.Witness (the OS log). Open and CheckAnchor
// compare the journal with it: a journal that ends before the anchored seq
// (cut, emptied, removed), that holds another record there (rewritten), an
// anchor that fails its signature, or no anchor beside records is not
// trusted (AnchorCheck.Trusted); the caller then treats the journal as
// lost. A new journal gets its first anchor at Open.
package audit
