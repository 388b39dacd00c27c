package sim

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/vocab"
)

// treeSum hashes every path, mode and content under dir.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v\n", p, d.Type())
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestSymlinksOutOfTheSiteAreRefused: the review replaced a {GUID} folder
// of the demo site by a symbolic link to a folder outside it, and the sim
// deleted and rewrote a file there with unsafe_paths_touched still 0 (the
// paths were checked only as strings). Every file operation now goes
// through an os.Root of the site folder: reads, deletions and writes
// through a link that leads out are refused and counted, and nothing
// outside changes.
func TestSymlinksOutOfTheSiteAreRefused(t *testing.T) {
	tests := []struct {
		name string
		// link returns the path (relative to the site) to replace by a
		// link into outside, and what to put there first.
		link func(gs []vocab.GUID) (rel, file string)
		acts func(gs []vocab.GUID) []actions.Action
	}{
		{"snapshot GUID folder", func(gs []vocab.GUID) (string, string) {
			return filepath.Dir(layout.Snapshot("PS001", string(gs[0]))), "snapshot.xml"
		}, func(gs []vocab.GUID) []actions.Action {
			return []actions.Action{act(actions.DeletePSSnapshot, "PS001", gs[0]), act(actions.UpdateConfiguration, "PS001", ""),
				act(actions.ResendStatus, "PS001", "")}
		}},
		{"status GUID folder", func(gs []vocab.GUID) (string, string) {
			return filepath.Dir(layout.Status("PS001", string(gs[1]))), "PackageStatus.xml"
		}, func(gs []vocab.GUID) []actions.Action {
			return []actions.Action{act(actions.DeletePSStatus, "PS001", gs[1]), act(actions.ResendStatus, "PS001", "")}
		}},
		{"status file", func(gs []vocab.GUID) (string, string) {
			return layout.Status("PS001", string(gs[2])), ""
		}, func(gs []vocab.GUID) []actions.Action {
			return []actions.Action{act(actions.ResendStatus, "PS001", "")}
		}},
		{"NS snapshot", func(gs []vocab.GUID) (string, string) {
			return layout.NSSnapshot(string(gs[3])), ""
		}, func(gs []vocab.GUID) []actions.Action {
			return []actions.Action{act(actions.DeleteNSSnapshot, "", gs[3]), act(actions.RunPackageRefresh, "", "")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newStores(t, small(t, ""))
			gs := b.disk.Packages()
			outside := t.TempDir()
			rel, file := tt.link(gs)
			full := filepath.Join(b.dir, filepath.FromSlash(rel))
			target := plantOutside(t, full, outside, file)
			if err := os.RemoveAll(full); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			before := treeSum(t, outside)
			unsafe := 0
			if _, err := b.disk.Agent(ctx, "PS001", gs); tt.name != "NS snapshot" {
				unsafe = wantUnsafe(t, "observe", err, b.disk, unsafe)
			}
			if _, err := b.disk.Snapshots(ctx, gs); tt.name == "NS snapshot" {
				unsafe = wantUnsafe(t, "NS snapshots", err, b.disk, unsafe)
			}
			for _, a := range tt.acts(gs) {
				err := b.disk.Apply(ctx, a)
				if err != nil {
					unsafe = wantUnsafe(t, a.ID, err, b.disk, unsafe)
				}
			}
			if after := treeSum(t, outside); after != before {
				t.Errorf("the folder outside the site changed")
			}
			if unsafe == 0 {
				t.Errorf("no operation was refused as unsafe")
			}
		})
	}
}

// plantOutside copies what is at full (a folder or a file) to outside,
// where the link will point, and returns the link's target. A folder's
// file is written with victim content when the copy has none.
func plantOutside(t *testing.T, full, outside, file string) string {
	t.Helper()
	target := filepath.Join(outside, "victim")
	if file == "" {
		if err := os.WriteFile(target, []byte("victim: must not change\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return target
	}
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, file), []byte("victim: must not change\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return target
}

// wantUnsafe checks that err is an unsafe-path refusal counted by the
// site, and returns the new count.
func wantUnsafe(t *testing.T, what string, err error, s *Site, seen int) int {
	t.Helper()
	n := s.UnsafePathsTouched()
	if !errors.Is(err, ErrUnsafePath) || n <= seen {
		t.Errorf("%s: error %v, unsafe paths %d (was %d); want a counted unsafe-path refusal", what, err, n, seen)
	}
	return n
}
