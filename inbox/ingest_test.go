package inbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
)

// forgedApproval is what the review dropped in the inbox as an
// unprivileged user: an approval that claims an admin as its actor.
const forgedApproval = `{"type":"approval","actions":["set_credential_mode:NS:anonymous#1"],` +
	`"reason":"CAB 42","actor":{"host":"adminbox","user":"alice.admin","pid":1},"at":"2026-11-24T10:00:00Z"}`

// fakeJournal keeps what the ingester appends and replays.
type fakeJournal struct {
	appended []audit.Record
	replayed []audit.Record
	fail     error
}

func (f *fakeJournal) Append(r audit.Record) (audit.Record, error) {
	if f.fail != nil {
		return audit.Record{}, f.fail
	}
	r.Seq = int64(len(f.appended) + 1)
	r.Time = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f.appended = append(f.appended, r)
	return r, nil
}

func (f *fakeJournal) Replay(r audit.Record) { f.replayed = append(f.replayed, r) }

// inboxRig is a journal path whose inbox exists, and a fake journal.
func inboxRig(t *testing.T) (*Ingester, *fakeJournal, string, string) {
	t.Helper()
	journal := filepath.Join(t.TempDir(), "audit.jsonl")
	dir := Dir(journal)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	fj := &fakeJournal{}
	return NewIngester(fj, nil), fj, journal, dir
}

func writeRequest(t *testing.T, dir, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return p
}

// inboxNotes returns the details of the inbox notes appended.
func inboxNotes(f *fakeJournal) []map[string]string {
	var out []map[string]string
	for _, rec := range f.appended {
		var d map[string]string
		if rec.Type == audit.TypeNote && json.Unmarshal(rec.Detail, &d) == nil && strings.HasPrefix(d["event"], "inbox_") {
			out = append(out, d)
		}
	}
	return out
}

// TestInboxRefusesUntrustedRequests: a request is applied only from a
// trusted inbox and file, and its actor is the file's owner, never what
// the file says. Everything else is journaled with why and kept aside;
// nothing is replayed. Cases that need another owner need root.
func TestInboxRefusesUntrustedRequests(t *testing.T) {
	tests := []struct {
		name      string
		root      bool // needs root (chown)
		setup     func(t *testing.T, dir string) string
		why       string // in the refusal note
		folder    bool   // a folder problem: one more note
		untouched bool   // the file stays where it is
	}{
		{name: "file of another user", root: true, why: "owned by uid 4321", setup: func(t *testing.T, dir string) string {
			p := writeRequest(t, dir, "a.json", forgedApproval, 0o600)
			if err := os.Chown(p, 4321, 4321); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{name: "world-writable inbox", why: "writable by every user", folder: true, setup: func(t *testing.T, dir string) string {
			if err := os.Chmod(dir, 0o777); err != nil {
				t.Fatal(err)
			}
			return writeRequest(t, dir, "a.json", forgedApproval, 0o600)
		}},
		{name: "inbox of another user", root: true, why: "owned by uid 4321", folder: true, setup: func(t *testing.T, dir string) string {
			if err := os.Chown(dir, 4321, 4321); err != nil {
				t.Fatal(err)
			}
			return writeRequest(t, dir, "a.json", forgedApproval, 0o600)
		}},
		{name: "world-writable file", why: "writable by every user", setup: func(t *testing.T, dir string) string {
			return writeRequest(t, dir, "a.json", forgedApproval, 0o666)
		}},
		{name: "symlinked file", why: "symbolic link", setup: func(t *testing.T, dir string) string {
			target := writeRequest(t, t.TempDir(), "x.json", forgedApproval, 0o600)
			p := filepath.Join(dir, "a.json")
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{name: "hard-linked file", why: "2 hard links", setup: func(t *testing.T, dir string) string {
			target := writeRequest(t, filepath.Dir(dir), "x.json", forgedApproval, 0o600)
			p := filepath.Join(dir, "a.json")
			if err := os.Link(target, p); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{name: "oversized file", why: "larger than", setup: func(t *testing.T, dir string) string {
			return writeRequest(t, dir, "a.json", forgedApproval+strings.Repeat(" ", MaxRequestBytes), 0o600)
		}},
		{name: "not a request", why: "parse", setup: func(t *testing.T, dir string) string {
			return writeRequest(t, dir, "a.json", `{"type":"approval","by":"alice.admin"}`, 0o600)
		}},
		{name: "retry of a bad host", why: "not a host name", setup: func(t *testing.T, dir string) string {
			return writeRequest(t, dir, "a.json", `{"type":"retry","server":"..\\..\\x","actor":{},"at":"2026-11-24T10:00:00Z"}`, 0o600)
		}},
		{name: "retry without a server", why: "without a server", setup: func(t *testing.T, dir string) string {
			return writeRequest(t, dir, "a.json", `{"type":"retry","actor":{},"at":"2026-11-24T10:00:00Z"}`, 0o600)
		}},
		{name: "unknown type", why: "unknown request type", setup: func(t *testing.T, dir string) string {
			return writeRequest(t, dir, "a.json", `{"type":"intent","actor":{},"at":"2026-11-24T10:00:00Z"}`, 0o600)
		}},
		{name: "symlinked inbox", why: "not a real folder", folder: true, untouched: true, setup: func(t *testing.T, dir string) string {
			elsewhere := t.TempDir()
			p := writeRequest(t, elsewhere, "a.json", forgedApproval, 0o600)
			if err := os.Remove(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(elsewhere, dir); err != nil {
				t.Fatal(err)
			}
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("needs root to give a file another owner")
			}
			in, fj, journal, dir := inboxRig(t)
			path := tt.setup(t, dir)
			for range 2 { // a lasting folder problem is journaled once
				if err := in.Ingest(journal); err != nil {
					t.Fatalf("Ingest: %v", err)
				}
			}
			checkRefused(t, fj, journal, path, tt.why, tt.folder, tt.untouched)
		})
	}
}

func checkRefused(t *testing.T, fj *fakeJournal, journal, path, why string, folder, untouched bool) {
	t.Helper()
	for _, rec := range fj.appended {
		if rec.Type != audit.TypeNote {
			t.Fatalf("%s recorded by %+v", rec.Type, rec.Actor)
		}
	}
	if len(fj.replayed) != 0 {
		t.Fatalf("refused requests replayed: %+v", fj.replayed)
	}
	notes := inboxNotes(fj)
	want := 1
	if folder && !untouched {
		want = 2 // the folder, then the file moved aside
	}
	if len(notes) != want {
		t.Fatalf("inbox notes %v, want %d", notes, want)
	}
	if !strings.Contains(notes[0]["reason"], why) {
		t.Errorf("note %v does not say %q", notes[0], why)
	}
	if untouched {
		if _, err := os.Lstat(path); err != nil {
			t.Errorf("the file behind a symlinked inbox was touched: %v", err)
		}
		return
	}
	kept := notes[len(notes)-1]["kept_as"]
	if _, err := os.Lstat(kept); err != nil || filepath.Dir(kept) != RefusedDir(journal) {
		t.Errorf("refused file not kept in %s: %q %v", RefusedDir(journal), kept, err)
	}
	if _, err := os.Lstat(path); err == nil {
		t.Errorf("refused file still in the inbox: %s", path)
	}
}

// TestInboxActorIsTheFileOwner: a trusted request that claims another
// actor is recorded, and replayed, as by the file's owner; its file goes.
func TestInboxActorIsTheFileOwner(t *testing.T) {
	in, fj, journal, dir := inboxRig(t)
	p := writeRequest(t, dir, "a.json", forgedApproval, 0o600)
	if err := in.Ingest(journal); err != nil {
		t.Fatal(err)
	}
	me := audit.CurrentActor()
	want := audit.Actor{Host: me.Host, User: me.User}
	if len(fj.appended) != 1 || fj.appended[0].Type != audit.TypeApproval || fj.appended[0].Actor != want {
		t.Fatalf("appended %+v, want one approval by the file's owner %+v", fj.appended, want)
	}
	if len(fj.replayed) != 1 || fj.replayed[0].Seq != 1 {
		t.Fatalf("replayed %+v, want the stored approval", fj.replayed)
	}
	if _, err := os.Lstat(p); err == nil {
		t.Error("the recorded request's file is still in the inbox")
	}
}

// TestInboxFloodIsBounded: one call handles at most MaxPerPass files;
// the rest wait for the next pass.
func TestInboxFloodIsBounded(t *testing.T) {
	in, fj, journal, dir := inboxRig(t)
	for i := range MaxPerPass + 5 {
		writeRequest(t, dir, fmt.Sprintf("%04d.json", i), "junk", 0o600)
	}
	if err := in.Ingest(journal); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(left) != 5 || len(inboxNotes(fj)) != MaxPerPass {
		t.Fatalf("%d files left and %d notes after one pass, want 5 and %d", len(left), len(inboxNotes(fj)), MaxPerPass)
	}
}

// TestIngestCreatesThePrivateInbox: the daemon creates a missing inbox
// itself, so that it owns it (0700 under the umask).
func TestIngestCreatesThePrivateInbox(t *testing.T) {
	in, _, journal, dir := inboxRig(t)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := in.Ingest(journal); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("inbox after the first pass: %v %v", fi, err)
	}
	if err := checker.Folder(dir); err != nil {
		t.Fatalf("the inbox the daemon made is not trusted: %v", err)
	}
}

// TestIngestJournalFailureKeepsTheRequest: a request the journal does not
// take stays in the inbox for the next pass, and is not replayed.
func TestIngestJournalFailureKeepsTheRequest(t *testing.T) {
	in, fj, journal, dir := inboxRig(t)
	p := writeRequest(t, dir, "a.json", forgedApproval, 0o600)
	fj.fail = errors.New("disk full")
	if err := in.Ingest(journal); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Ingest = %v, want the journal's error", err)
	}
	if _, err := os.Lstat(p); err != nil || len(fj.replayed) != 0 {
		t.Fatalf("request file %v, replayed %d: want kept and not replayed", err, len(fj.replayed))
	}
}
