//go:build unix

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// binDir holds the binaries built for this test run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "reconciler-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildTimeout bounds one `go build` of the binary (a cold cache on a slow
// machine included).
const buildTimeout = 5 * time.Minute

type built struct {
	once sync.Once
	path string
	err  error
}

var binaries = map[string]*built{"": {}, "crashtest": {}}

// binary builds ./cmd/reconciler once per test run, with the given build
// tags ("" or "crashtest"), and returns its path.
func binary(t *testing.T, tags string) string {
	t.Helper()
	b := binaries[tags]
	b.once.Do(func() {
		name := "reconciler"
		if tags != "" {
			name += "-" + tags
		}
		b.path = filepath.Join(binDir, name)
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", tags, "-o", b.path, "./cmd/reconciler")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build -tags %q: %v\n%s", tags, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}
