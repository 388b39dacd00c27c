package leader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestFileLockOneHolder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "site.leader")
	a, b := NewFile(path), NewFile(path)
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("first TryAcquire = %v, %v", ok, err)
	}
	if ok, err := b.TryAcquire(ctx); ok || err != nil {
		t.Fatalf("second TryAcquire = %v, %v; want false, nil", ok, err)
	}
	if err := a.Check(ctx); err != nil {
		t.Fatalf("holder Check = %v", err)
	}
	if err := b.Check(ctx); !errors.Is(err, ErrLost) {
		t.Fatalf("follower Check = %v, want ErrLost", err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("after release TryAcquire = %v, %v", ok, err)
	}
	if err := b.Release(); err != nil {
		t.Fatal(err)
	}
	if err := b.Release(); err != nil {
		t.Fatalf("second Release = %v", err)
	}
}

// Issue 13 item 5: deleting the lock file while it is held let a second
// process create a new file at the path, lock it and lead too. The holder
// must see that its locked file is no longer the one at the path.
func TestFileLockNoticesItsFileReplaced(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		replace func(t *testing.T, path string)
	}{
		{"deleted", func(t *testing.T, path string) { removeOrSkip(t, path) }},
		{"replaced by another file", func(t *testing.T, path string) {
			removeOrSkip(t, path)
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "site.leader")
			a, b := NewFile(path), NewFile(path)
			if ok, err := a.TryAcquire(ctx); !ok || err != nil {
				t.Fatalf("first TryAcquire = %v, %v", ok, err)
			}
			tt.replace(t, path)
			if ok, err := b.TryAcquire(ctx); !ok || err != nil {
				t.Fatalf("second process on the new file: TryAcquire = %v, %v; want true (a new file is free)", ok, err)
			}
			if err := a.Check(ctx); !errors.Is(err, ErrLost) || !errors.Is(err, ErrReplaced) {
				t.Fatalf("holder of the old file: Check = %v, want ErrLost and ErrReplaced", err)
			}
			if ok, err := a.TryAcquire(ctx); ok || err != nil {
				t.Fatalf("old holder retaking while the new one holds: TryAcquire = %v, %v; want false, nil", ok, err)
			}
			if err := b.Release(); err != nil {
				t.Fatal(err)
			}
			if ok, err := a.TryAcquire(ctx); !ok || err != nil {
				t.Fatalf("old holder retaking a free lock: TryAcquire = %v, %v", ok, err)
			}
			if err := a.Check(ctx); err != nil {
				t.Fatalf("Check after retaking = %v", err)
			}
		})
	}
}

// removeOrSkip deletes a held lock file; Windows refuses to delete an open
// file, which is the protection this test checks elsewhere.
func removeOrSkip(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		if runtime.GOOS == "windows" {
			t.Skipf("Windows keeps an open lock file: %v", err)
		}
		t.Fatal(err)
	}
}
