package leader

import (
	"context"
	"errors"
	"path/filepath"
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
