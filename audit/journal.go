package audit

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/gofrs/flock"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/crashpoint"
)

// Options configures a Journal. The zero value is usable.
type Options struct {
	// Clock stamps records; nil means the wall clock.
	Clock clock.Clock
	// Actor is written into records that carry none; zero means
	// CurrentActor().
	Actor Actor
	// Logger receives warnings about the file and its recovery; nil
	// discards them.
	Logger *slog.Logger
	// Secrets returns values that must never be written, such as the CMDB
	// password. It is called on every Append, possibly from several
	// goroutines at once. Each occurrence, and its URL-escaped forms, is
	// replaced by [redacted].
	Secrets func() []string
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit journal closed")

// ErrTooLarge is returned (wrapped) by Append for a record whose line would
// exceed MaxRecordSize. Nothing is written and the journal stays usable:
// the caller may record something shorter instead.
var ErrTooLarge = errors.New("record too large for the journal")

// ErrInUse is returned by Open when another process holds the journal.
var ErrInUse = errors.New("in use by another process")

// Journal is an open, locked, append-only journal. It is safe for
// concurrent use.
type Journal struct {
	path      string
	clock     clock.Clock
	actor     Actor
	log       *slog.Logger
	secrets   func() []string
	lock      *flock.Flock
	recovered []Record

	mu   sync.Mutex
	f    *os.File
	seq  int64
	head string
	size int64
	err  error // sticky: set when a write or sync may have left the file unknown
}

// Open opens the journal at path, creating it with mode 0600 if missing,
// and takes its lock (a file beside it named path+".lock"), so a second
// process cannot open it until Close. It reads and verifies the whole
// chain. A damaged record before the last line makes Open fail with a
// *ChainError and touch nothing. A torn last line is cut and a recovered
// record appended; then an indeterminate record is appended for every
// intent that has no outcome. Recovered returns what Open appended.
func Open(path string, opt Options) (*Journal, error) {
	j := &Journal{path: path, clock: opt.Clock, actor: opt.Actor, log: opt.Logger, secrets: opt.Secrets}
	if j.clock == nil {
		j.clock = clock.Real{}
	}
	if j.actor == (Actor{}) {
		j.actor = CurrentActor()
	}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	j.log = j.log.With("journal", path)
	lk, err := lock(path)
	if err != nil {
		return nil, err
	}
	j.lock = lk
	if err := j.open(); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

func (j *Journal) open() error {
	if err := prepare(j.path, j.log); err != nil {
		return err
	}
	s, open, err := load(j.path)
	if err != nil {
		return err
	}
	if err := repair(j.path, s); err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	j.f, j.seq, j.head, j.size = f, s.seq, s.head, s.goodEnd
	if s.noNL {
		j.size++
	}
	if err := j.recordRepair(s); err != nil {
		return err
	}
	return j.recordIndeterminate(open)
}

// Append completes r (seq, time, prev, hash, and actor when zero), scrubs
// secrets from it, writes it as one line with a single write and syncs the
// file before returning. Caller-set Seq, Time, Prev and Hash are ignored.
// The caller may act only after Append returned without error. After a
// failed sync the journal refuses further appends: reopen it.
func (j *Journal) Append(r Record) (Record, error) {
	if err := r.validate(); err != nil {
		return Record{}, fmt.Errorf("audit append: %w", err)
	}
	if r.Actor == (Actor{}) {
		r.Actor = j.actor
	}
	var secrets []string
	if j.secrets != nil {
		secrets = j.secrets()
	}
	r, err := newScrubber(secrets).record(r)
	if err != nil {
		return Record{}, fmt.Errorf("audit append: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.appendLocked(r)
}

func (j *Journal) appendLocked(r Record) (Record, error) {
	if j.err != nil {
		return Record{}, fmt.Errorf("audit append: journal unusable after earlier failure: %w", j.err)
	}
	if j.f == nil {
		return Record{}, ErrClosed
	}
	r.Seq, r.Prev, r.Hash = j.seq+1, j.head, ""
	r.Time = j.clock.Now().UTC()
	line, hash, err := encode(r)
	if err != nil {
		return Record{}, fmt.Errorf("audit append: %w", err)
	}
	if len(line) > MaxRecordSize {
		return Record{}, fmt.Errorf("audit append: %w: %d bytes, more than %d", ErrTooLarge, len(line), MaxRecordSize)
	}
	crashpoint.TearWrite(j.f, line)
	if n, err := j.f.Write(line); err != nil || n != len(line) {
		return Record{}, j.undoWrite(fmt.Errorf("audit append: write: %w (%d of %d bytes)", err, n, len(line)))
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("sync: %w", err)
		return Record{}, fmt.Errorf("audit append: %w", j.err)
	}
	r.Hash = hash
	j.seq, j.head = r.Seq, hash
	j.size += int64(len(line))
	return r, nil
}

// undoWrite cuts a partly written line, so the next record does not follow
// garbage. If that fails the journal becomes unusable until reopened.
func (j *Journal) undoWrite(werr error) error {
	if err := os.Truncate(j.path, j.size); err != nil {
		j.err = errors.Join(werr, fmt.Errorf("undo: %w", err))
		return j.err
	}
	if err := j.f.Sync(); err != nil {
		j.err = errors.Join(werr, fmt.Errorf("undo: %w", err))
		return j.err
	}
	return werr
}

// Head returns the seq and hash of the last record; (0, "") when empty.
// An admin can note the head hash elsewhere to anchor the chain.
func (j *Journal) Head() (seq int64, hash string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.head
}

// Recovered returns the recovered and indeterminate records that Open
// appended, in order, so the caller can log them and alert an admin.
func (j *Journal) Recovered() []Record {
	return append([]Record(nil), j.recovered...)
}

// Close closes the file and releases the lock. It is safe to call twice.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var errs []error
	if j.f != nil {
		errs = append(errs, j.f.Close())
		j.f = nil
	}
	if j.lock != nil {
		errs = append(errs, j.lock.Close())
		j.lock = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close journal: %w", err)
	}
	return nil
}
