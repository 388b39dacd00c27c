package main

import (
	"os"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/clock"
)

// deepHCL is the review's reload killer: 200,000 nested "[" (400 kB),
// which overflowed hcl's recursion (a fatal error no recover catches).
var deepHCL = "x = " + strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000) + "\n"

// TestDeepPolicyRefusedAtCheckAndStart: `policy check` and a start name
// the place where the nesting bound is crossed and exit 1.
func TestDeepPolicyRefusedAtCheckAndStart(t *testing.T) {
	dir := t.TempDir()
	path := simPolicy(t, dir, deepHCL)
	want := path + ":12:37: Error: Policy nested too deeply"
	for _, args := range [][]string{{"policy", "check", path}, {"status", "--policy", path}, {"run", "--once", "--policy", path}} {
		r := runCLI(t, clock.NewFake(t0), args...)
		if r.code != exitError || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %.300q; want exit 1 and %q", args[0], r.code, r.stderr, want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
