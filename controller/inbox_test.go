package controller

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
)

// forgedApproval is what the review dropped in the inbox as an
// unprivileged user: an approval that claims an admin as its actor.
const forgedApproval = `{"type":"approval","actions":["set_credential_mode:NS:anonymous#1"],` +
	`"reason":"CAB 42","actor":{"host":"adminbox","user":"alice.admin","pid":1},"at":"2026-11-24T10:00:00Z"}`

const forgedID = "set_credential_mode:NS:anonymous#1"

// inboxRig is a rig whose inbox holds the named request files.
func inboxRig(t *testing.T) (*rig, string) {
	t.Helper()
	r := newRig(t, scenario(t, `{"name":"s","seed":1,"servers":1,"packages":1,"credential":{"mode":"acc","account":"CORP\\svc-itms-acc"},"duration":"1h"}`),
		"approve = [\"set_credential_mode\"]\n")
	dir := InboxDir(r.pol.Audit.Path)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return r, dir
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

// notes returns the details of the inbox notes of the journal.
func inboxNotes(t *testing.T, r *rig) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, rec := range r.records() {
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
// nothing is approved. Cases that need another owner need root.
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
			return writeRequest(t, dir, "a.json", forgedApproval+strings.Repeat(" ", maxRequestBytes), 0o600)
		}},
		{name: "not a request", why: "parse", setup: func(t *testing.T, dir string) string {
			return writeRequest(t, dir, "a.json", `{"type":"approval","by":"alice.admin"}`, 0o600)
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
			r, dir := inboxRig(t)
			path := tt.setup(t, dir)
			for range 2 { // a lasting folder problem is journaled once
				if err := r.ctl.Ingest(r.pol.Audit.Path); err != nil {
					t.Fatalf("Ingest: %v", err)
				}
			}
			checkRefused(t, r, path, tt.why, tt.folder, tt.untouched)
		})
	}
}

func checkRefused(t *testing.T, r *rig, path, why string, folder, untouched bool) {
	t.Helper()
	for _, rec := range r.records() {
		if rec.Type == audit.TypeApproval {
			t.Fatalf("approval recorded by %+v", rec.Actor)
		}
	}
	if r.ctl.Approvals().Approved(forgedID, r.clk.Now()) {
		t.Fatal("the forged approval is in force")
	}
	notes := inboxNotes(t, r)
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
	if _, err := os.Lstat(kept); err != nil || filepath.Dir(kept) != RefusedDir(r.pol.Audit.Path) {
		t.Errorf("refused file not kept in %s: %q %v", RefusedDir(r.pol.Audit.Path), kept, err)
	}
	if _, err := os.Lstat(path); err == nil {
		t.Errorf("refused file still in the inbox: %s", path)
	}
}

// TestInboxActorIsTheFileOwner: a trusted request that claims another
// actor is recorded as by the file's owner.
func TestInboxActorIsTheFileOwner(t *testing.T) {
	r, dir := inboxRig(t)
	writeRequest(t, dir, "a.json", forgedApproval, 0o600)
	if err := r.ctl.Ingest(r.pol.Audit.Path); err != nil {
		t.Fatal(err)
	}
	me := audit.CurrentActor()
	var got []audit.Actor
	for _, rec := range r.records() {
		if rec.Type == audit.TypeApproval {
			got = append(got, rec.Actor)
		}
	}
	if want := (audit.Actor{Host: me.Host, User: me.User}); len(got) != 1 || got[0] != want {
		t.Fatalf("approvals by %+v, want one by the file's owner %+v", got, want)
	}
	if !r.ctl.Approvals().Approved(forgedID, r.clk.Now()) {
		t.Fatal("the trusted approval is not in force")
	}
}

// TestInboxFloodIsBounded: one call handles at most maxInboxPerPass files;
// the rest wait for the next pass.
func TestInboxFloodIsBounded(t *testing.T) {
	r, dir := inboxRig(t)
	for i := range maxInboxPerPass + 5 {
		writeRequest(t, dir, fmt.Sprintf("%04d.json", i), "junk", 0o600)
	}
	if err := r.ctl.Ingest(r.pol.Audit.Path); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(left) != 5 || len(inboxNotes(t, r)) != maxInboxPerPass {
		t.Fatalf("%d files left and %d notes after one pass, want 5 and %d", len(left), len(inboxNotes(t, r)), maxInboxPerPass)
	}
}

// TestIngestCreatesThePrivateInbox: the daemon creates a missing inbox
// itself, so that it owns it (0700 under the umask).
func TestIngestCreatesThePrivateInbox(t *testing.T) {
	r, dir := inboxRig(t)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := r.ctl.Ingest(r.pol.Audit.Path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("inbox after the first pass: %v %v", fi, err)
	}
	if err := inboxRights.Folder(dir); err != nil {
		t.Fatalf("the inbox the daemon made is not trusted: %v", err)
	}
}
