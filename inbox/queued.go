package inbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/audit"
)

// Queued is one request waiting in an inbox, as the daemon will take it.
type Queued struct {
	File    string
	Request Request
	Owner   string // the file's owner: who the daemon will record
}

// Pending lists the requests of the given types (all types when none are
// given) waiting in the inbox of the journal, in submission order. Files
// the daemon would refuse are left out; an unreadable inbox or file is
// left to the daemon to report.
func Pending(journal string, types ...audit.Type) []Queued {
	dir := Dir(journal)
	entries, err := os.ReadDir(dir)
	if err != nil || checker.Folder(dir) != nil {
		return nil
	}
	var out []Queued
	for _, en := range entries {
		if !en.Type().IsRegular() || !strings.HasSuffix(en.Name(), ".json") {
			continue
		}
		name := filepath.Join(dir, en.Name())
		b, owner, err := readTrusted(name)
		if err != nil {
			continue
		}
		r, err := decode(b)
		if err != nil || (len(types) > 0 && !slices.Contains(types, r.Type)) {
			continue
		}
		if _, err := r.Record(); err == nil {
			out = append(out, Queued{File: name, Request: r, Owner: owner})
		}
	}
	slices.SortFunc(out, func(a, b Queued) int { return strings.Compare(a.File, b.File) })
	return out
}
