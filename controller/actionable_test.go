package controller

import (
	"fmt"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// TestActionableIsTheJudge: the breaker counts the pairs desired.Judge
// calls not Ready, the count status shows: a download past the pending
// grace counts, one within it does not, and a pair Ready at another
// version than the NS package's counts.
func TestActionableIsTheJudge(t *testing.T) {
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	grace := 30 * time.Minute
	tests := []struct {
		name string
		pair observed.Pair
		want int
	}{
		{"ready", observed.Pair{Status: vocab.Ready, Version: "7", PackageVersion: "7"}, 0},
		{"ready at another version", observed.Pair{Status: vocab.Ready, Version: "6", PackageVersion: "7"}, 1},
		{"invalid", observed.Pair{Status: vocab.Invalid, Version: "7", PackageVersion: "7"}, 1},
		{"pending within the grace", observed.Pair{Status: vocab.Pending, PackageVersion: "7", Since: now.Add(-time.Minute)}, 0},
		{"pending since an unknown time", observed.Pair{Status: vocab.Pending, PackageVersion: "7"}, 0},
		{"pending past the grace", observed.Pair{Status: vocab.Pending, PackageVersion: "7", Since: now.Add(-time.Hour)}, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := observed.NewObservation(now)
			p := tt.pair
			p.Server = "PS001"
			p.Package = vocab.MustGUID(fmt.Sprintf("aaaaaaaa-0000-0000-0000-%012d", i+1))
			if err := obs.AddPair(p); err != nil {
				t.Fatal(err)
			}
			if got := actionable(obs, now, grace); got != tt.want {
				t.Errorf("actionable = %d, want %d", got, tt.want)
			}
		})
	}
}
