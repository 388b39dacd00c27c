package audit

import (
	"errors"
	"io/fs"
	"os"
)

// Lost reports that Open found the journal lost: it existed (its lock
// file, which Open leaves behind, was there) and its live file was missing
// or empty. A first start has neither. The caller records it (a lost
// journal's budgets count as spent for one window).
func (j *Journal) Lost() bool { return j.lost }

// foundLost is Lost's test, made before Open takes (and so creates) the
// lock file.
func foundLost(path string) bool {
	fi, jerr := os.Stat(path)
	if _, lerr := os.Stat(lockPath(path)); lerr != nil {
		return false
	}
	return errors.Is(jerr, fs.ErrNotExist) || jerr == nil && fi.Size() == 0
}
