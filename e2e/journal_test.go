//go:build unix

package e2e

import (
	"encoding/json"
	"testing"

	"github.com/itms-tools/reconciler/audit"
)

// readJournal reads every complete record of the journal at path.
func readJournal(t *testing.T, path string) []audit.Record {
	t.Helper()
	var recs []audit.Record
	if err := audit.ReadAll(path, func(r audit.Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatalf("read journal: %v", err)
	}
	return recs
}

// lastPass returns how many actions the last recorded pass planned and
// applied, from its pass_end record.
func lastPass(t *testing.T, path string) (planned, applied int) {
	t.Helper()
	recs := readJournal(t, path)
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Type != audit.TypePassEnd {
			continue
		}
		var d struct{ Actions, Applied int }
		if err := json.Unmarshal(recs[i].Detail, &d); err != nil {
			t.Fatalf("pass_end seq %d: detail %s: %v", recs[i].Seq, recs[i].Detail, err)
		}
		if recs[i].Error != "" {
			t.Fatalf("pass_end seq %d: pass failed: %s", recs[i].Seq, recs[i].Error)
		}
		return d.Actions, d.Applied
	}
	t.Fatal("no pass_end record in the journal")
	return 0, 0
}

// verifyJournal checks the chain of the journal at path, with no torn tail.
func verifyJournal(t *testing.T, path string) {
	t.Helper()
	v, err := audit.Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Torn != 0 {
		t.Errorf("journal does not verify: first bad seq %d, torn %d bytes: %s", v.FirstBad, v.Torn, v.Problem)
	}
}
