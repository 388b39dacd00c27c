package audit

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/localkey"
)

func testKey(t testing.TB, path string) *localkey.Key {
	t.Helper()
	k, err := localkey.LoadOrCreate(KeyPath(path))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// witnesses collects the anchors given to the OS log.
type witnesses []Anchor

func (w *witnesses) Witness(a Anchor) error { *w = append(*w, a); return nil }

// anchored writes a journal of n notes with a key, one checkpoint (an
// anchor) at the end, and returns its path and key.
func anchored(t *testing.T, n int, rot Rotation) (string, *localkey.Key, *witnesses) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	key := testKey(t, path)
	fc := clock.NewFake(t0)
	w := &witnesses{}
	j := reopen(t, path, Options{Clock: fc, Key: key, Witness: w, Rotation: rot})
	if c := j.AnchorCheck(); c.State != AnchorNone {
		t.Fatalf("new journal: anchor state %s", c.State)
	}
	if _, err := os.Stat(AnchorPath(path)); err != nil {
		t.Fatalf("a new journal gets its first anchor at once: %v", err)
	}
	appendNotes(t, j, fc, n)
	mustCheckpoint(t, j, Checkpoint{})
	j.Close()
	return path, key, w
}

// R2-1 and issue 20 item 2: a journal cut at a record boundary, emptied
// (logrotate's copytruncate), removed, or rewritten with a recomputed
// chain verifies as a chain; the anchor catches each, and Open reports it
// before it writes anything.
func TestAnchorCatchesWhatTheChainCannot(t *testing.T) {
	tests := []struct {
		name    string
		rot     Rotation
		damage  func(t *testing.T, path string)
		state   AnchorState
		message string
	}{
		{"intact", Rotation{}, func(*testing.T, string) {}, AnchorOK, ""},
		{"last three records cut at a record boundary", Rotation{}, func(t *testing.T, path string) {
			ls := splitLines(readFile(t, path))
			writeFile(t, path, []byte(strings.Join(strs(ls[:len(ls)-3]), "")))
		}, AnchorBehind, "records 8–10 missing: the anchor of 2026-03-01T02:10:00Z saw seq 10"},
		{"emptied as by copytruncate", Rotation{}, func(t *testing.T, path string) {
			writeFile(t, path, nil)
		}, AnchorBehind, "records 1–10 missing"},
		{"removed with its lock", Rotation{}, func(t *testing.T, path string) {
			os.Remove(path)
			os.Remove(LockPath(path))
		}, AnchorBehind, "records 1–10 missing"},
		{"records dropped and the chain recomputed", Rotation{}, func(t *testing.T, path string) {
			rechain(t, path, func(rs []Record) []Record { return append(rs[:4], rs[6:]...) })
		}, AnchorBehind, "records 9–10 missing"},
		{"records dropped, the chain recomputed and padded back", Rotation{}, func(t *testing.T, path string) {
			rechain(t, path, func(rs []Record) []Record {
				return append(append(rs[:4], rs[6:]...), Record{Type: TypeNote}, Record{Type: TypeNote})
			})
		}, AnchorDiverged, "record 10 is not the one the anchor"},
		{"anchor removed", Rotation{}, func(t *testing.T, path string) {
			os.Remove(AnchorPath(path))
		}, AnchorMissing, "no anchor beside a journal that ends at seq 10"},
		{"the live file emptied after a rotation", Rotation{Size: 1}, func(t *testing.T, path string) {
			writeFile(t, path, nil)
		}, AnchorBehind, "records 11–11 missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, key, _ := anchored(t, 10, tt.rot)
			tt.damage(t, path)
			if v, err := Verify(path); err == nil && v.OK() {
				t.Logf("the chain alone verifies (%d records): only the anchor can tell", v.Records)
			} else if tt.rot.Size == 0 && !strings.Contains(tt.name, "removed with") {
				t.Fatalf("Verify = %+v, %v: these edits leave a chain that verifies", v, err)
			}
			c, err := CheckAnchor(path, key)
			if err != nil {
				t.Fatal(err)
			}
			if c.State != tt.state || !strings.Contains(c.Message, tt.message) {
				t.Fatalf("CheckAnchor = %s %q, want %s %q", c.State, c.Message, tt.state, tt.message)
			}
			j := reopen(t, path, Options{Key: key})
			defer j.Close()
			if got := j.AnchorCheck(); got.State != tt.state || got.Message != c.Message {
				t.Fatalf("Open's AnchorCheck = %+v, want %+v", got, c)
			}
		})
	}
}

// rechain replaces the journal at path with the records edit returns,
// with a freshly computed chain, as someone without the key could.
func rechain(t *testing.T, path string, edit func([]Record) []Record) {
	t.Helper()
	rs := edit(readRecords(t, path))
	os.Remove(path)
	j := reopen(t, path+".tmp", Options{})
	for _, r := range rs {
		mustAppend(t, j, Record{Type: r.Type, Detail: r.Detail})
	}
	j.Close()
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	if v := mustVerify(t, path); v.Records != int64(len(rs)) {
		t.Fatalf("rewritten chain has %d records", v.Records)
	}
}

// An anchor edited to claim less (so that a cut would pass), signed with
// another key, or not an anchor at all is refused.
func TestForgedAnchorRefused(t *testing.T) {
	tests := []struct {
		name  string
		forge func(t *testing.T, path string, a Anchor)
	}{
		{"seq lowered, MAC kept", func(t *testing.T, path string, a Anchor) {
			a.Seq = 3
			writeJSON(t, AnchorPath(path), a)
		}},
		{"signed with another key", func(t *testing.T, path string, a Anchor) {
			other, err := localkey.LoadOrCreate(filepath.Join(t.TempDir(), "other.key"))
			if err != nil {
				t.Fatal(err)
			}
			a.Seq = 3
			if _, err := writeAnchor(path, other, a); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage", func(t *testing.T, path string, a Anchor) {
			writeFile(t, AnchorPath(path), []byte("seq=3\n"))
		}},
		{"another journal's anchor", func(t *testing.T, path string, a Anchor) {
			key := testKey(t, path)
			a.Journal = "other.jsonl"
			a.MAC = key.Sign(a.message())
			writeJSON(t, AnchorPath(path), a)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, key, _ := anchored(t, 10, Rotation{})
			a, err := ReadAnchor(path, key)
			if err != nil || a.Seq != 10 {
				t.Fatalf("ReadAnchor = %+v, %v", a, err)
			}
			tt.forge(t, path, a)
			if _, err := ReadAnchor(path, key); !errors.Is(err, ErrForgedAnchor) {
				t.Fatalf("ReadAnchor after forging = %v, want ErrForgedAnchor", err)
			}
			c, err := CheckAnchor(path, key)
			if err != nil || c.State != AnchorForged || !strings.Contains(c.Message, "forged") {
				t.Fatalf("CheckAnchor = %+v, %v; want forged", c, err)
			}
			j := reopen(t, path, Options{Key: key})
			defer j.Close()
			if c := j.AnchorCheck(); c.State != AnchorForged {
				t.Fatalf("Open's AnchorCheck = %+v", c)
			}
		})
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b)
}

// Every checkpoint anchors the head, to the file and to the witness; the
// anchor moves with the journal across rotations.
func TestCheckpointAnchors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	key := testKey(t, path)
	fc := clock.NewFake(t0)
	w := &witnesses{}
	j := reopen(t, path, Options{Clock: fc, Key: key, Witness: w, Rotation: Rotation{Size: 1}})
	defer j.Close()
	for pass := range 3 {
		appendNotes(t, j, fc, 2)
		mustCheckpoint(t, j, Checkpoint{})
		seq, head := j.Head()
		a, err := ReadAnchor(path, key)
		if err != nil || a.Seq != seq || a.Hash != head || !a.Time.Equal(fc.Now().UTC()) {
			t.Fatalf("pass %d: anchor %+v, %v; want head %d %s", pass, a, err, seq, head)
		}
		if len(*w) != pass+1 || (*w)[pass] != a {
			t.Fatalf("pass %d: witness got %v", pass, *w)
		}
		if !strings.Contains(a.String(), "seq=") || !strings.Contains(a.String(), "mac="+a.MAC) {
			t.Fatalf("witness line %q", a.String())
		}
	}
	mustCheckpoint(t, j, Checkpoint{}) // nothing new: no new anchor
	if len(*w) != 3 {
		t.Fatalf("an unchanged head was anchored again: %d", len(*w))
	}
	j.Close()
	if c, err := CheckAnchor(path, key); err != nil || c.State != AnchorOK {
		t.Fatalf("CheckAnchor = %+v, %v", c, err)
	}
	fi, err := os.Stat(AnchorPath(path))
	if err != nil || fi.Mode().Perm() != 0o600 && os.Getenv("GOOS") != "windows" {
		t.Fatalf("anchor file %v, %v", fi.Mode(), err)
	}
	_ = time.Second
}

// FuzzReadAnchor: an anchor file is untrusted input. ReadAnchor never
// panics, and accepts only an anchor signed with the key for this journal.
func FuzzReadAnchor(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	key := testKey(f, path)
	good, err := writeAnchor(path, key, Anchor{Seq: 7, Hash: "ab", Time: t0})
	if err != nil {
		f.Fatal(err)
	}
	b, _ := json.Marshal(good)
	f.Add(b)
	f.Add([]byte(`{"journal":"audit.jsonl","seq":7,"hash":"ab","time":"2026-03-01T02:00:00Z","mac":"00"}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(AnchorPath(path), data, 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := ReadAnchor(path, key)
		if err == nil && !key.Verify(a.message(), a.MAC) {
			t.Fatalf("accepted an anchor with a bad MAC: %+v", a)
		}
		if err != nil && !errors.Is(err, ErrForgedAnchor) {
			t.Fatalf("error %v does not say forged", err)
		}
	})
}
