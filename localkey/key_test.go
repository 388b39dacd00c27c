package localkey

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit.key")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %s, want 0600", fi.Mode().Perm())
		}
	}
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("seq 840 hash abc")
	if s := k1.Sign(msg); s != k2.Sign(msg) || !k2.Verify(msg, s) {
		t.Fatal("a reloaded key signs differently")
	}
	if k2.Verify([]byte("seq 841 hash abc"), k1.Sign(msg)) {
		t.Fatal("a signature verified another message")
	}
	if k1.Verify(msg, "zz") {
		t.Fatal("a malformed signature verified")
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	a, _ := LoadOrCreate(filepath.Join(dir, "a.key"))
	b, _ := LoadOrCreate(filepath.Join(dir, "b.key"))
	tests := []struct {
		name string
		same bool
		x, y string
	}{
		{"same secret, same label", true, a.Fingerprint("winrm", "pw"), a.Fingerprint("winrm", "pw")},
		{"other secret", false, a.Fingerprint("winrm", "pw"), a.Fingerprint("winrm", "pw2")},
		{"other label", false, a.Fingerprint("winrm", "pw"), a.Fingerprint("cmdb", "pw")},
		{"label and secret do not run together", false, a.Fingerprint("ab", "c"), a.Fingerprint("a", "bc")},
		{"other key", false, a.Fingerprint("winrm", "pw"), b.Fingerprint("winrm", "pw")},
	}
	for _, tc := range tests {
		if (tc.x == tc.y) != tc.same {
			t.Errorf("%s: %s vs %s", tc.name, tc.x, tc.y)
		}
	}
	if len(a.Fingerprint("x", "y")) != 32 {
		t.Errorf("fingerprint length %d", len(a.Fingerprint("x", "y")))
	}
}

func TestBadKeyFiles(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(short); err == nil {
		t.Error("a 3-byte key loaded")
	}
	if runtime.GOOS == "windows" {
		return
	}
	open := filepath.Join(dir, "open.key")
	if err := os.WriteFile(open, make([]byte, Size), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(open); !errors.Is(err, ErrExposed) {
		t.Errorf("a 0644 key: err = %v, want ErrExposed", err)
	}
	link := filepath.Join(dir, "link.key")
	if err := os.Symlink(short, link); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(link); err == nil {
		t.Error("a symlinked key loaded")
	}
}
