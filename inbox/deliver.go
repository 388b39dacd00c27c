package inbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/rights"
)

// Delivered says where a request went.
type Delivered struct {
	Seq    int64  // the journal record's seq, when recorded directly
	Queued string // the inbox file, when a daemon holds the journal
}

// Deliver records r in the journal at path when no daemon holds it; when
// a daemon holds it, it queues r in the journal's inbox for the daemon's
// next pass. Only the journal's own account may queue (the daemon would
// refuse anyone else's file).
func Deliver(path string, r Request, opt audit.Options) (Delivered, error) {
	rec, err := r.Record()
	if err != nil {
		return Delivered{}, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Delivered{}, fmt.Errorf("journal folder: %w", err)
	}
	j, err := audit.Open(path, opt)
	if errors.Is(err, audit.ErrInUse) {
		if err := rights.SameAccount(path); err != nil {
			return Delivered{}, fmt.Errorf("%w; run the command as that account (sudo -u ACCOUNT reconciler ...)", err)
		}
		name, err := Submit(path, r)
		return Delivered{Queued: name}, err
	}
	if err != nil {
		return Delivered{}, fmt.Errorf("open audit journal: %w", err)
	}
	if opt.Logger != nil {
		for _, rr := range j.Recovered() {
			opt.Logger.Warn("journal recovery", "type", rr.Type, "action", rr.Action, "outcome", rr.Outcome)
		}
	}
	stored, err := j.Append(rec)
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Delivered{}, fmt.Errorf("record %s: %w", r.Type, err)
	}
	return Delivered{Seq: stored.Seq}, nil
}
