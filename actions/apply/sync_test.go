package apply

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/actions"
)

// Every action runs only once its intent is durable, and the intents of the
// actions started together share one sync.
func TestExecuteRunsOnlyDurableIntents(t *testing.T) {
	p := fivePlan(t)
	rec := &fakeRecorder{}
	d := &fakeDriver{}
	d.inner = func(_ context.Context, a actions.Action) {
		if !rec.durable(a.ID) {
			t.Errorf("%s runs before its intent is durable", a.ID)
		}
	}
	if _, err := newExec(d, &fakeGates{}, rec, 3).Run(context.Background(), "p", p); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	log := slices.Clone(rec.log)
	rec.mu.Unlock()
	intents, syncs, run, widest := 0, 0, 0, 0
	for _, l := range log {
		switch {
		case l == "sync":
			syncs++
			widest, run = max(widest, run), 0
		case strings.HasPrefix(l, "intent "):
			intents++
			run++
		}
	}
	if intents != len(p.Actions) {
		t.Fatalf("%d intents, want %d", intents, len(p.Actions))
	}
	// The three deletions on PS001-PS003 are ready together once the NS's
	// actions are done: they fill the three slots under one sync.
	if widest < 3 || syncs >= intents {
		t.Errorf("log %q: want three intents under one sync (widest %d), %d syncs for %d intents", log, widest, syncs, intents)
	}
}

func TestExecuteSyncFailureRunsNothing(t *testing.T) {
	p := fivePlan(t)
	d := &fakeDriver{}
	res, err := newExec(d, &fakeGates{}, &fakeRecorder{failSync: true}, 2).Run(context.Background(), "p", p)
	if !errors.Is(err, ErrJournal) {
		t.Fatalf("err = %v, want ErrJournal", err)
	}
	if len(d.applied) != 0 {
		t.Fatalf("applied %v, whose intents were never durable", d.applied)
	}
	if !res.Interrupted {
		t.Error("the pass is not marked interrupted")
	}
}
