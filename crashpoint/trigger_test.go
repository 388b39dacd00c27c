package crashpoint

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestParse(t *testing.T) {
	ok := []struct {
		spec  string
		point string
		at    int64
	}{
		{"before_intent:1", BeforeIntent, 1},
		{"after_intent:2", AfterIntent, 2},
		{"after_action:10", AfterAction, 10},
		{"before_outcome:3", BeforeOutcome, 3},
		{"mid_write:7", MidWrite, 7},
	}
	for _, c := range ok {
		tr, err := parse(c.spec)
		if err != nil {
			t.Fatalf("parse(%q): %v", c.spec, err)
		}
		if tr.point != c.point || tr.at != c.at || tr.String() != c.spec {
			t.Errorf("parse(%q) = %s (%q, %d)", c.spec, tr, tr.point, tr.at)
		}
	}
	if tr, err := parse(""); tr != nil || err != nil {
		t.Errorf("parse(\"\") = %v, %v; want nil, nil", tr, err)
	}
	bad := map[string]string{
		"after_intent":    "want <point>:<n>",
		"after_intents:1": "unknown point",
		"after_intent:0":  "≥ 1",
		"after_intent:-1": "≥ 1",
		"after_intent:x":  "≥ 1",
		"after_intent:":   "≥ 1",
		":1":              "unknown point",
	}
	for spec, want := range bad {
		if _, err := parse(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parse(%q) = %v; want an error containing %q", spec, err, want)
		}
	}
}

func TestHitFiresOnceAtTheNthHitOfItsPoint(t *testing.T) {
	tr, err := parse("after_action:3")
	if err != nil {
		t.Fatal(err)
	}
	var fired []int
	for i := 1; i <= 6; i++ {
		if tr.hit(AfterIntent) || tr.hit(MidWrite) {
			t.Fatalf("hit %d: fired for another point", i)
		}
		if tr.hit(AfterAction) {
			fired = append(fired, i)
		}
	}
	if len(fired) != 1 || fired[0] != 3 {
		t.Errorf("fired at hits %v; want [3]", fired)
	}
}

func TestHitConcurrentFiresExactlyOnce(t *testing.T) {
	tr, err := parse("before_outcome:50")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if tr.hit(BeforeOutcome) {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Errorf("fired %d times; want 1", n.Load())
	}
}

func TestNilTriggerNeverFires(t *testing.T) {
	var tr *trigger
	for _, p := range Points {
		if tr.hit(p) {
			t.Errorf("nil trigger fired at %s", p)
		}
	}
}

func TestHitUnknownPointPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("hit of an unknown point did not panic")
		}
	}()
	var tr *trigger
	tr.hit("after_intnet")
}

type file struct {
	bytes.Buffer
	syncs    int
	writeErr error
	syncErr  error
}

func (f *file) Write(p []byte) (int, error) {
	if f.writeErr != nil {
		return 0, f.writeErr
	}
	return f.Buffer.Write(p)
}

func (f *file) Sync() error { f.syncs++; return f.syncErr }

func TestTearWritesPartOfTheLineAndSyncs(t *testing.T) {
	for _, line := range []string{"{\"seq\":1}\n", "ab", "a"} {
		f := &file{}
		if err := tear(f, []byte(line)); err != nil {
			t.Fatal(err)
		}
		got := f.String()
		if got == "" || !strings.HasPrefix(line, got) || (len(line) > 1 && got == line) {
			t.Errorf("tear(%q) wrote %q; want a proper, non-empty prefix", line, got)
		}
		if f.syncs != 1 {
			t.Errorf("tear(%q) synced %d times; want 1", line, f.syncs)
		}
	}
}

func TestTearReportsErrors(t *testing.T) {
	boom := errors.New("boom")
	if err := tear(&file{writeErr: boom}, []byte("line\n")); !errors.Is(err, boom) {
		t.Errorf("write error: got %v", err)
	}
	if err := tear(&file{syncErr: boom}, []byte("line\n")); !errors.Is(err, boom) {
		t.Errorf("sync error: got %v", err)
	}
}
