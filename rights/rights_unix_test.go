//go:build !windows

package rights

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalFiles checks real files with the process's own rule: what the
// process creates with private modes is trusted; another user's file, a
// world-writable folder or file, a link and a hard link are not. Changing
// owners needs root; as another user those cases are skipped.
func TestLocalFiles(t *testing.T) {
	c := New()
	dir := filepath.Join(t.TempDir(), "inbox")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	mine := write(t, dir, "mine.json", 0o600)
	if err := c.Folder(dir); err != nil {
		t.Fatalf("Folder: %v", err)
	}
	f, owner, err := c.Open(mine)
	if err != nil || owner != lookupUID(uint32(os.Geteuid())) {
		t.Fatalf("Open: %q %v", owner, err)
	}
	f.Close()
	shared := write(t, dir, "shared.json", 0o600)
	if err := os.Chmod(shared, 0o666); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.json")
	if err := os.Link(mine, hard); err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{shared: "writable by every user", hard: "2 hard links"}
	if os.Geteuid() == 0 {
		theirs := write(t, dir, "theirs.json", 0o600)
		if err := os.Chown(theirs, 4321, 4321); err != nil {
			t.Fatal(err)
		}
		refused[theirs] = "owned by uid 4321"
	}
	for path, why := range refused {
		if _, _, err := c.Open(path); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), why) {
			t.Errorf("Open(%s): %v, want %s", filepath.Base(path), err, why)
		}
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := c.Folder(dir); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "mode 0777") {
		t.Errorf("Folder 0777: %v", err)
	}
}

func write(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("{}"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}
