package audit

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/crashpoint"
	"github.com/itms-tools/reconciler/localkey"
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
	// Key signs anchors (see Anchor). With a key, Open compares the
	// journal with its newest anchor (AnchorCheck) and Checkpoint writes a
	// new one; nil writes and checks none.
	Key *localkey.Key
	// Witness receives every anchor written, for a second copy out of
	// band (the OS log); nil: none.
	Witness Witness
	// Rotation says when the live file becomes a segment and how long
	// segments are kept; the zero value never rotates.
	Rotation Rotation
	// Forward receives each record once it is durable (for a syslog
	// forwarder). It is called with the journal locked and must not block.
	Forward func(Record)
	// OpenFile opens the live file for appending; nil opens it with the
	// OS. Tests inject faults through it.
	OpenFile func(path string) (File, error)
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
	key       *localkey.Key
	witness   Witness
	rot       Rotation
	forward   func(Record)
	openFile  func(string) (File, error)
	recovered []Record
	anchor    AnchorCheck
	lost      bool // see Lost

	mu          sync.Mutex
	locks       locks
	f           File
	seq         int64
	head        string
	size        int64
	first       Record                 // the live file's first record (zero when empty)
	latest      time.Time              // the latest time of a record in the live file
	intents     map[intentKey][]Record // intents without an outcome yet
	err         error                  // sticky: the file's state is unknown, or it is not ours
	health      Health
	lastAnch    int64    // seq of the last anchor written
	witnessDown bool     // the last anchor did not reach the witness
	durable     chainPos // the last record known to be on disk (synced)
	unsynced    []Record // batched records written but not yet synced, for Forward
	dirty       bool     // a batched record was written since the last sync
}

// Open opens the journal at path, creating it with mode 0600 if missing,
// and takes its lock (a file beside it named path+".lock", and on systems
// with advisory locks the journal itself), so a second process cannot open
// it until Close. It reads and verifies the live file, and checks that its
// first record continues the newest segment. A damaged record before the
// last line makes Open fail with a *ChainError and touch nothing. A torn
// last line is cut and a recovered record appended; then an indeterminate
// record is appended for every intent that has no outcome. Recovered
// returns what Open appended. With Options.Key, AnchorCheck says how the
// journal compared with its newest anchor before Open wrote anything, and
// Lost whether the journal was found missing or emptied.
func Open(path string, opt Options) (*Journal, error) {
	j := newJournal(path, opt)
	j.lost = foundLost(path)
	lk, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	j.locks.file = lk
	j.mu.Lock()
	err = j.openFirst()
	j.mu.Unlock()
	if err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

func newJournal(path string, opt Options) *Journal {
	j := &Journal{path: path, clock: opt.Clock, actor: opt.Actor, log: opt.Logger, secrets: opt.Secrets,
		key: opt.Key, witness: opt.Witness, rot: opt.Rotation, forward: opt.Forward, openFile: opt.OpenFile}
	if j.clock == nil {
		j.clock = clock.Real{}
	}
	if j.actor == (Actor{}) {
		j.actor = CurrentActor()
	}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	if j.openFile == nil {
		j.openFile = openAppend
	}
	j.log = j.log.With("journal", path)
	j.health = Health{OK: true, Since: j.clock.Now()}
	return j
}

// openFirst is Open's part after the lock file: leftovers of a rotation,
// the live file and its lock, the anchor check, then the file itself.
func (j *Journal) openFirst() error {
	if err := j.finishRotation(); err != nil {
		return err
	}
	if err := prepare(j.path, j.log); err != nil {
		return err
	}
	lk, err := lockLive(j.path)
	if err != nil {
		return err
	}
	j.locks.live = lk
	return j.open(nil)
}

// open reads and verifies the live file and opens it for appending, then
// records what it repaired and the intents left open. When expect is set
// (a reopen after a failure) the file must still hold that record.
func (j *Journal) open(expect *chainPos) error {
	from, err := j.liveStart()
	if err != nil {
		return err
	}
	var a Anchor
	var aerr error
	want := int64(0)
	switch {
	case expect != nil:
		want = expect.seq
	case j.key != nil:
		if a, aerr = ReadAnchor(j.path, j.key); aerr == nil {
			want = a.Seq
		}
	}
	s, hashAt, open, err := load(j.path, from, want)
	if err != nil {
		return err
	}
	if expect != nil {
		if hashAt == "" && want == from.seq {
			hashAt = from.head // the live file was empty: the chain starts there
		}
		if err := checkExpected(s, hashAt, *expect); err != nil {
			return err
		}
	} else if j.key != nil {
		if err := j.checkAnchorAtOpen(a, aerr, s, from, hashAt); err != nil {
			return err
		}
	}
	if err := repair(j.path, s); err != nil {
		return err
	}
	f, err := j.openFile(j.path)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	j.f, j.seq, j.head, j.size, j.first, j.latest = f, s.seq, s.head, s.goodEnd, s.first, s.latest
	j.durable, j.dirty, j.unsynced = chainPos{seq: s.seq, head: s.head}, false, nil
	if s.noNL {
		j.size++
	}
	j.intents = map[intentKey][]Record{}
	if err := j.recordRepair(s); err != nil {
		return err
	}
	return j.recordIndeterminate(open, "intent without outcome: the action may or may not have run; check the target")
}

// Append completes r (seq, time, prev, hash, and actor when zero), scrubs
// secrets from it, writes it as one line with a single write and syncs the
// file before returning (which makes the records batched before it
// durable too: see AppendBatched). Caller-set Seq, Time, Prev and Hash are ignored.
// The caller may act only after Append returned without error.
//
// Before writing, Append checks that the lock file and the live file are
// still the files this journal holds and that no one else changed the
// file's size; otherwise it writes nothing and returns an error wrapping
// ErrIdentity. After a failed sync the journal refuses further appends
// until Check has reopened it.
func (j *Journal) Append(r Record) (Record, error) { return j.appendRecord(r, true) }

// appendRecord completes r and writes it; unless sync, its fsync is left
// to the next synced record (see AppendBatched).
func (j *Journal) appendRecord(r Record, sync bool) (Record, error) {
	r, err := j.complete(r)
	if err != nil {
		return Record{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.write(r, sync)
}

// complete validates r, sets its actor and scrubs it.
func (j *Journal) complete(r Record) (Record, error) {
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
	return r, nil
}

func (j *Journal) appendLocked(r Record) (Record, error) { return j.write(r, true) }

// write appends r; unless sync, it leaves the fsync to the next synced
// record (see AppendBatched).
func (j *Journal) write(r Record, sync bool) (Record, error) {
	if j.err != nil {
		return Record{}, fmt.Errorf("audit append: journal unusable after earlier failure: %w", j.err)
	}
	if j.f == nil {
		return Record{}, ErrClosed
	}
	if err := j.checkIdentity(); err != nil {
		j.err = err
		j.failed(err)
		return Record{}, fmt.Errorf("audit append: %w", err)
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
		err = j.undoWrite(fmt.Errorf("write: %w (%d of %d bytes)", err, n, len(line)))
		j.failed(err)
		return Record{}, fmt.Errorf("audit append: %w", err)
	}
	r.Hash = hash
	if !sync {
		j.dirty = true
		j.appended(r, int64(len(line)), false)
		return r, nil
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("sync: %w", err)
		j.failed(j.err)
		return Record{}, fmt.Errorf("audit append: %w", j.err)
	}
	j.appended(r, int64(len(line)), true)
	return r, nil
}

// appended moves the head past r, which is durable when synced (and so
// is every batched record before it); a batched r waits for Forward.
func (j *Journal) appended(r Record, n int64, synced bool) {
	j.seq, j.head = r.Seq, r.Hash
	j.size += n
	if j.first.Seq == 0 {
		j.first = r
	}
	if r.Time.After(j.latest) {
		j.latest = r.Time
	}
	j.track(r)
	j.succeeded()
	if !synced {
		if j.forward != nil {
			j.unsynced = append(j.unsynced, r)
		}
		return
	}
	j.dirty, j.durable = false, chainPos{seq: r.Seq, head: r.Hash}
	if j.forward != nil {
		for _, u := range j.unsynced {
			j.forward(u)
		}
		j.forward(r)
	}
	j.unsynced = nil
}

// track keeps the intents that have no outcome yet.
func (j *Journal) track(r Record) {
	k := intentKey{r.Pass, r.Action}
	switch r.Type {
	case TypeIntent:
		j.intents[k] = append(j.intents[k], r)
	case TypeOutcome, TypeIndeterminate:
		if q := j.intents[k]; len(q) > 1 {
			j.intents[k] = q[1:]
		} else {
			delete(j.intents, k)
		}
	}
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
func (j *Journal) Head() (seq int64, hash string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.head
}

// Path is where the live file is.
func (j *Journal) Path() string { return j.path }

// Recovered returns the recovered and indeterminate records that Open
// appended, in order, so the caller can log them and alert an admin.
func (j *Journal) Recovered() []Record {
	return append([]Record(nil), j.recovered...)
}

// Close syncs the batched records, closes the file and releases the
// locks. It is safe to call twice.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var errs []error
	if j.f != nil && j.err == nil {
		errs = append(errs, j.syncLocked())
	}
	if j.f != nil {
		errs = append(errs, j.f.Close())
		j.f = nil
	}
	errs = append(errs, j.locks.close())
	j.locks = locks{}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close journal: %w", err)
	}
	return nil
}

// now is the journal's clock, in UTC.
func (j *Journal) now() time.Time { return j.clock.Now().UTC() }
