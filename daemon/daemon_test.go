package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
)

func TestReadyStatus(t *testing.T) {
	p := &policy.Policy{Mode: "enforce"}
	p.Reconcile.Schedule = "@every 1h"
	p.Reconcile.Location = time.UTC
	tests := []struct {
		name   string
		leader bool
		want   string
	}{
		{"leader", true, `leader: passes on "@every 1h" (UTC), mode enforce`},
		{"follower", false, "follower: another reconciler holds the leader lock; observing"},
	}
	for _, tt := range tests {
		if got := readyStatus(p, tt.leader); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestStoppingTellsOnce: the service manager hears "stopping" once, by
// the deferred call at the latest, when the context ended; never when it
// did not.
func TestStoppingTellsOnce(t *testing.T) {
	for _, cancelled := range []bool{true, false} {
		n := &fakeManager{events: make(chan string, 4)}
		ctx, cancel := context.WithCancel(context.Background())
		done := stopping(ctx, n)
		if cancelled {
			cancel()
		}
		done()
		cancel()
		want := 0
		if cancelled {
			want = 1
		}
		if got := len(n.events); got != want {
			t.Errorf("cancelled %v: %d messages, want %d", cancelled, got, want)
		}
	}
}

func TestReceiverNames(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{nil, "none"},
		{[]string{"hook"}, "hook"},
		{[]string{"teams", "chat", "hook"}, "chat, hook, teams"},
	}
	for _, tt := range tests {
		p := &policy.Policy{}
		for _, n := range tt.names {
			p.Notify = append(p.Notify, notify.Config{Name: n})
		}
		if got := ReceiverNames(p); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.names, got, tt.want)
		}
	}
}
