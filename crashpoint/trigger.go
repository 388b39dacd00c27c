package crashpoint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// trigger counts the hits of one point and says when the n-th comes. It
// holds the logic of a crashtest build, so that normal builds test it too.
// A nil trigger never fires.
type trigger struct {
	point string
	at    int64
	hits  atomic.Int64
}

// parse reads "<point>:<n>" (n ≥ 1); an empty spec is a nil trigger.
func parse(spec string) (*trigger, error) {
	if spec == "" {
		return nil, nil
	}
	name, num, ok := strings.Cut(spec, ":")
	if !ok {
		return nil, fmt.Errorf("%s=%q: want <point>:<n>", EnvVar, spec)
	}
	if !slices.Contains(Points, name) {
		return nil, fmt.Errorf("%s=%q: unknown point %q (known: %s)", EnvVar, spec, name, strings.Join(Points, ", "))
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%s=%q: occurrence %q is not a whole number ≥ 1", EnvVar, spec, num)
	}
	return &trigger{point: name, at: n}, nil
}

// hit counts a hit of point name and reports whether it is the one to
// fire. It is safe for concurrent use: exactly one hit fires. A name
// outside Points panics, so that a misspelt call site cannot go unnoticed.
func (t *trigger) hit(name string) bool {
	if !slices.Contains(Points, name) {
		panic(fmt.Sprintf("crashpoint: unknown point %q", name))
	}
	if t == nil || name != t.point {
		return false
	}
	return t.hits.Add(1) == t.at
}

// String renders the trigger as its spec.
func (t *trigger) String() string { return fmt.Sprintf("%s:%d", t.point, t.at) }

// tear writes the first half of line (at least one byte, never all of it
// when it has two or more) and syncs it: what a crash in the middle of a
// write leaves on disk at worst.
func tear(f Syncer, line []byte) error {
	half := max(1, len(line)/2)
	if half >= len(line) && len(line) > 1 {
		half = len(line) - 1
	}
	if _, err := f.Write(line[:half]); err != nil {
		return fmt.Errorf("torn write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("torn write: sync: %w", err)
	}
	return nil
}
