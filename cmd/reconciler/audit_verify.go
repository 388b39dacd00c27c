package main

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/vocab"
)

// auditVerify checks the whole chain of the policy's journal, across its
// segments, then compares it with its newest signed anchor, which is what
// catches records cut from its end or a chain rewritten without the key.
func auditVerify(e *env, args []string) int {
	fs, c := newFlags(e, "audit verify")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("audit verify: unexpected argument %q (the journal is the policy's audit.path)", vocab.Clip(fs.Arg(0)))
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	path := pol.Audit.Path
	v, err := audit.Verify(path)
	switch {
	case journalMissing(err):
		if code, handled := verifyLostJournal(e, path); handled {
			return code
		}
		return e.errorf("audit verify: journal %s does not exist (nothing recorded yet, or check audit.path in the policy)", path)
	case err != nil:
		return e.errorf("audit verify: %v", err)
	case !v.OK():
		fmt.Fprintf(e.stderr, "journal %s: chain broken at seq %d: %s\n", path, v.FirstBad, v.Problem)
		fmt.Fprintf(e.stderr, "%s before it verified; the daemon refuses this journal until a person inspects it\n", vocab.Count(int(v.Records), "record"))
		return exitError
	}
	printVerified(e, path, v)
	return verifyAnchor(e, path)
}

func printVerified(e *env, path string, v audit.VerifyResult) {
	if v.Records == 0 {
		fmt.Fprintf(e.stdout, "journal %s: 0 records verified (empty)\n", path)
	} else {
		fmt.Fprintf(e.stdout, "journal %s: %s verified, head %s\n", path, vocab.Count(int(v.Records), "record"), v.Head)
	}
	if v.Segments > 0 || v.First > 1 {
		fmt.Fprintf(e.stdout, "seq %d–%d: %s and the live file", v.First, v.HeadSeq, vocab.Count(v.Segments, "segment"))
		if v.First > 1 {
			fmt.Fprintf(e.stdout, " (records before %d removed by retention, as journaled)", v.First)
		}
		fmt.Fprintln(e.stdout)
	}
	switch {
	case v.Torn > 0:
		fmt.Fprintf(e.stdout, "note: torn last line of %d bytes after seq %d (a write cut short by a crash, or one in progress): not damage; it will be cut at the next open\n", v.Torn, v.HeadSeq)
	case v.Problem != "":
		fmt.Fprintf(e.stdout, "note: %s\n", v.Problem)
	}
}

// verifyAnchor compares the journal with its anchor and says how.
func verifyAnchor(e *env, path string) int {
	key, err := readKey(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(e.stdout, "note: no anchor key (%s) yet: the end of the journal cannot be checked\n", audit.KeyPath(path))
		return exitOK
	case err != nil:
		fmt.Fprintf(e.stderr, "warning: anchor not checked: %v (run audit verify as the service account)\n", err)
		return exitOK
	}
	ac, err := audit.CheckAnchor(path, key)
	if err != nil {
		return e.errorf("audit verify: %v", err)
	}
	if ac.State == audit.AnchorOK {
		fmt.Fprintf(e.stdout, "anchor of %s: seq %d is in the journal with the hash it signed\n",
			ac.Anchor.Time.UTC().Format(time.RFC3339), ac.Anchor.Seq)
		return exitOK
	}
	if ac.State == audit.AnchorNone {
		fmt.Fprintf(e.stdout, "anchor: none yet (a new journal)\n")
		return exitOK
	}
	fmt.Fprintf(e.stderr, "journal %s: %s\n", path, ac.Message)
	fmt.Fprintf(e.stderr, "anchor %s: %s; the daemon counts every destructive budget as spent for one window\n", ac.State, audit.AnchorPath(path))
	return exitError
}

// verifyLostJournal handles a journal that does not exist though its
// anchor does: every anchored record is missing.
func verifyLostJournal(e *env, path string) (int, bool) {
	key, err := readKey(path)
	if err != nil {
		return 0, false
	}
	ac, err := audit.CheckAnchor(path, key)
	if err != nil || ac.State == audit.AnchorNone {
		return 0, false
	}
	fmt.Fprintf(e.stderr, "journal %s does not exist: %s\n", path, ac.Message)
	return exitError, true
}
