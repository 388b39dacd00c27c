package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/itms-tools/reconciler/localkey"
)

// Anchor is a signed checkpoint of the journal, kept out of band: the seq
// and hash of its last record at the end of a pass, and when. It is
// written to a file beside the journal (AnchorPath) and, through a
// Witness, to the OS log. Its MAC is an HMAC-SHA256 under the install's
// local key, so that someone who can write the journal and the anchor
// file, but cannot read the key, can neither cut records from the end of
// the journal nor rewrite it and its anchor consistently.
type Anchor struct {
	Journal string    `json:"journal"` // the journal's file name
	Seq     int64     `json:"seq"`
	Hash    string    `json:"hash"`
	Time    time.Time `json:"time"`
	MAC     string    `json:"mac,omitempty"`
}

// AnchorPath is the anchor file of the journal at path.
func AnchorPath(path string) string { return path + ".anchor" }

// KeyPath is the install's local key file beside the journal at path: it
// signs anchors, and other packages use it too (fingerprints of secrets).
func KeyPath(path string) string { return path + ".key" }

// anchorDomain separates anchor signatures from every other use of the key.
const anchorDomain = "reconciler audit anchor v1\n"

func (a Anchor) message() []byte {
	a.MAC = ""
	b, _ := json.Marshal(a) // cannot fail: strings, ints and a time
	return append([]byte(anchorDomain), b...)
}

// String is the anchor as one line for the OS log.
func (a Anchor) String() string {
	return fmt.Sprintf("audit anchor journal=%s seq=%d hash=%s time=%s mac=%s",
		a.Journal, a.Seq, a.Hash, a.Time.UTC().Format(time.RFC3339Nano), a.MAC)
}

// Witness keeps a second copy of each anchor out of band: the system log
// or journal, or the Windows Event Log.
type Witness interface {
	Witness(a Anchor) error
}

// ErrForgedAnchor is wrapped by ReadAnchor's error for an anchor file that
// is not a valid anchor of this journal under the key.
var ErrForgedAnchor = errors.New("anchor refused: not signed by this install's key (forged or damaged)")

// ReadAnchor reads and authenticates the anchor of the journal at path. A
// missing anchor is an error wrapping fs.ErrNotExist.
func ReadAnchor(path string, key *localkey.Key) (Anchor, error) {
	b, err := os.ReadFile(AnchorPath(path))
	if err != nil {
		return Anchor{}, fmt.Errorf("read anchor: %w", err)
	}
	var a Anchor
	if len(b) > 4096 || json.Unmarshal(b, &a) != nil || a.MAC == "" {
		return Anchor{}, fmt.Errorf("%s: %w", AnchorPath(path), ErrForgedAnchor)
	}
	if !key.Verify(a.message(), a.MAC) {
		return a, fmt.Errorf("%s: %w", AnchorPath(path), ErrForgedAnchor)
	}
	if a.Journal != filepath.Base(path) {
		return a, fmt.Errorf("%s names journal %q: %w", AnchorPath(path), clip(a.Journal), ErrForgedAnchor)
	}
	return a, nil
}

// writeAnchor signs a and replaces the anchor file with it, synced.
func writeAnchor(path string, key *localkey.Key, a Anchor) (Anchor, error) {
	a.Journal = filepath.Base(path)
	a.MAC = key.Sign(a.message())
	b, err := json.Marshal(a)
	if err != nil {
		return a, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(AnchorPath(path))+".*")
	if err != nil {
		return a, fmt.Errorf("write anchor: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(append(b, '\n'))
	if err := errors.Join(werr, tmp.Chmod(fileMode), tmp.Sync(), tmp.Close()); err != nil {
		return a, fmt.Errorf("write anchor: %w", err)
	}
	if err := os.Rename(tmp.Name(), AnchorPath(path)); err != nil {
		return a, fmt.Errorf("write anchor: %w", err)
	}
	return a, syncDir(dir)
}

// AnchorState is how a journal compares with its newest anchor.
type AnchorState string

// Anchor states. Only None and OK are trusted.
const (
	AnchorNone     AnchorState = "none"     // no anchor and no record: a new journal
	AnchorOK       AnchorState = "ok"       // the journal holds the anchored record
	AnchorMissing  AnchorState = "missing"  // records but no anchor: removed, or the first start with anchors
	AnchorBehind   AnchorState = "behind"   // the journal ends before the anchored seq
	AnchorDiverged AnchorState = "diverged" // another record sits at the anchored seq: rewritten
	AnchorForged   AnchorState = "forged"   // the anchor file fails its signature
)

// AnchorCheck is the result of comparing a journal with its anchor.
type AnchorCheck struct {
	State   AnchorState `json:"state"`
	Anchor  Anchor      `json:"anchor,omitzero"`
	HeadSeq int64       `json:"head_seq"`
	// Message says what is wrong, naming a missing tail ("records 812–840
	// missing: the anchor of 2026-03-01T03:15:00Z saw seq 840").
	Message string `json:"message,omitempty"`
}

// Trusted reports whether the journal holds everything its anchor saw.
func (c AnchorCheck) Trusted() bool { return c.State == AnchorNone || c.State == AnchorOK }

// compareAnchor judges a chain whose last record is headSeq (empty when
// it holds none) against the anchor read with aerr; hashAt is the hash of
// the record at the anchor's seq, "" when absent.
func compareAnchor(a Anchor, aerr error, headSeq int64, empty bool, hashAt string) AnchorCheck {
	c := AnchorCheck{Anchor: a, HeadSeq: headSeq}
	when := a.Time.UTC().Format(time.RFC3339)
	switch {
	case errors.Is(aerr, fs.ErrNotExist) && empty:
		c.State = AnchorNone
	case errors.Is(aerr, fs.ErrNotExist):
		c.State, c.Anchor = AnchorMissing, Anchor{}
		c.Message = fmt.Sprintf("no anchor beside a journal that ends at seq %d: it was removed, or this is the first start of a version with anchors", headSeq)
	case aerr != nil:
		c.State = AnchorForged
		c.Message = aerr.Error()
	case a.Seq > headSeq:
		c.State = AnchorBehind
		c.Message = fmt.Sprintf("records %d–%d missing: the anchor of %s saw seq %d, the journal ends at seq %d", headSeq+1, a.Seq, when, a.Seq, headSeq)
	case a.Seq > 0 && hashAt != a.Hash:
		c.State = AnchorDiverged
		c.Message = fmt.Sprintf("record %d is not the one the anchor of %s saw: the journal was rewritten", a.Seq, when)
	default:
		c.State = AnchorOK
	}
	return c
}

// CheckAnchor compares the journal at path with its newest anchor. It
// reads the live file, and the segment holding the anchored seq when that
// is older; it writes nothing. The error is for a journal that cannot be
// read.
func CheckAnchor(path string, key *localkey.Key) (AnchorCheck, error) {
	a, aerr := ReadAnchor(path, key)
	want := int64(0)
	if aerr == nil {
		want = a.Seq
	}
	sum, hashAt, err := summarize(path, want)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return AnchorCheck{}, err
	}
	return compareAnchor(a, aerr, sum.HeadSeq, sum.HeadSeq == 0, hashAt), nil
}

// AnchorCheck returns how the journal compared with its newest anchor when
// Open read it, before Open wrote anything; the zero value without a key.
func (j *Journal) AnchorCheck() AnchorCheck { return j.anchor }

// checkAnchorAtOpen compares the live file just loaded (s, whose chain
// started at from) with the anchor read before loading it. A new journal
// gets its first anchor at once, so that from now on a missing anchor
// means a removed one.
func (j *Journal) checkAnchorAtOpen(a Anchor, aerr error, s scanResult, from chainPos, hashAt string) error {
	if aerr == nil && a.Seq > 0 && a.Seq <= from.seq {
		hashAt = hashInSegments(j.path, a.Seq) // anchored before the last rotation
	}
	j.anchor = compareAnchor(a, aerr, s.seq, s.seq == 0, hashAt)
	if !j.anchor.Trusted() {
		j.log.Error("audit journal does not match its anchor: destructive budgets count as spent for one window",
			"state", j.anchor.State, "problem", j.anchor.Message)
	}
	if j.anchor.State != AnchorNone {
		return nil
	}
	w, err := writeAnchor(j.path, j.key, Anchor{Seq: s.seq, Hash: s.head, Time: j.now()})
	if err != nil {
		return err
	}
	j.lastAnch = w.Seq
	return nil
}

// hashInSegments returns the hash of the record at seq in the segments of
// the journal at path, "" when no segment holds it.
func hashInSegments(path string, seq int64) string {
	_, hash, _ := summarize(path, seq)
	return hash
}

// anchorLocked writes a new anchor for the head, when it moved, and gives
// it to the witness.
func (j *Journal) anchorLocked() error {
	if j.key == nil || j.seq == j.lastAnch && j.seq > 0 {
		return nil
	}
	a, err := writeAnchor(j.path, j.key, Anchor{Seq: j.seq, Hash: j.head, Time: j.now()})
	if err != nil {
		return err
	}
	j.lastAnch = a.Seq
	if j.witness == nil {
		return nil
	}
	// The anchor file has it; an OS log that is down is said once.
	switch err := j.witness.Witness(a); {
	case err != nil && !j.witnessDown:
		j.witnessDown = true
		j.log.Warn("audit anchors cannot be copied to the OS log (the anchor file still has them)", "error", err)
	case err == nil && j.witnessDown:
		j.witnessDown = false
		j.log.Info("audit anchors reach the OS log again")
	}
	return nil
}
