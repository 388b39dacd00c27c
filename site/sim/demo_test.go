package sim

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/site/sim/scenario"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDemoGolden pins the demo: the scenario and how the seed resolves it
// (which servers and packages each fault hits), and that every server
// fault of the demo hits a server of its own.
func TestDemoGolden(t *testing.T) {
	sc, err := scenario.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewMemory(sc, sc.Seed, Options{Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(sc.Summary())
	seen := map[string]string{}
	for _, f := range s.Faults() {
		fmt.Fprintf(&b, "%s servers=%v packages=%d from=%s end=%s\n", f.Kind, f.Servers, len(f.Packages), f.From, f.End)
		for _, h := range f.Servers {
			if other, dup := seen[string(h)]; dup {
				t.Errorf("%s has both %s and %s", h, other, f.Kind)
			}
			seen[string(h)] = f.Kind
		}
	}
	fmt.Fprintf(&b, "not ready at start: %d; healthy servers: %d\n", s.NotReady(), sc.Servers-len(seen))
	golden(t, "demo.golden", b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("%s differs (run with -update):\n%s", path, got)
	}
}
