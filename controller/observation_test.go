package controller

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
)

// outageScenario: the CMDB is down from 1m to 2m.
const outageScenario = `{"name": "outage", "seed": 1, "servers": 3, "packages": 2,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "servers": ["PS003"]},
             {"kind": "unreachable", "servers": ["PS003"], "from": "0s", "for": "1h"},
             {"kind": "cmdb_down", "from": "1m", "for": "1m"}]}`

func (r *rig) ofType(t audit.Type) []audit.Record {
	var out []audit.Record
	for _, rec := range r.records() {
		if rec.Type == t {
			out = append(out, rec)
		}
	}
	return out
}

// TestObservationRecords: a pass records what it observed when it
// changed (not at every pass), a failed observation is recorded (the
// observation record and the pass_end's observe_error), and the last
// known state survives a restart.
func TestObservationRecords(t *testing.T) {
	r := newRig(t, scenario(t, outageScenario), "")
	r.ctl.fleetEvery = time.Hour
	r.pass() // 0s: PS003 unreachable, its rows Invalid
	r.clk.Advance(30 * time.Second)
	r.pass() // same state: no new record
	obs := r.ofType(audit.TypeObservation)
	if len(obs) != 1 {
		t.Fatalf("%d observation records after two passes of one state, want 1", len(obs))
	}
	var d ObservationDetail
	if err := json.Unmarshal(obs[0].Detail, &d); err != nil {
		t.Fatal(err)
	}
	if !d.OK || d.Totals == nil || d.Totals.Servers != 3 || d.Totals.Healthy != 2 ||
		len(d.Unhealthy) != 1 || d.Unhealthy[0].Name != "PS003" || len(d.Unhealthy[0].Conditions) == 0 {
		t.Fatalf("observation detail %+v", d)
	}
	lk, ok := r.ctl.LastKnown()
	if !ok || !lk.At.Equal(t0) || !lk.Confirmed.Equal(t0.Add(30*time.Second)) || !lk.FailingSince.IsZero() {
		t.Errorf("LastKnown = %+v, %v", lk, ok)
	}

	r.clk.Advance(time.Minute) // 1m30s: the CMDB is down
	r.pass()
	r.clk.Advance(10 * time.Second)
	r.pass()
	obs = r.ofType(audit.TypeObservation)
	if len(obs) != 2 || !strings.Contains(string(obs[1].Detail), `"ok":false`) || !strings.Contains(string(obs[1].Detail), "cmdb_error") {
		t.Fatalf("after the outage began: %d observation records, last %s", len(obs), obs[len(obs)-1].Detail)
	}
	ends := r.ofType(audit.TypePassEnd)
	if last := string(ends[len(ends)-1].Detail); !strings.Contains(last, `"observe_error":`) {
		t.Errorf("the pass_end of a failed observation: %s", last)
	}
	lk, _ = r.ctl.LastKnown()
	if !lk.At.Equal(t0) || !lk.FailingSince.Equal(t0.Add(90*time.Second)) || lk.FailError == "" || lk.Detail.Totals.Servers != 3 {
		t.Errorf("LastKnown during the outage = %+v", lk)
	}

	r.restart() // replayed from the journal
	again, ok := r.ctl.LastKnown()
	if !ok || !again.At.Equal(lk.At) || !again.FailingSince.Equal(lk.FailingSince) || !again.Confirmed.Equal(lk.Confirmed) ||
		again.Detail.Totals.Servers != 3 {
		t.Errorf("after restart: %+v, before %+v", again, lk)
	}

	r.clk.Advance(time.Minute) // 2m40s: back
	r.pass()
	if obs = r.ofType(audit.TypeObservation); len(obs) != 3 || !strings.Contains(string(obs[2].Detail), `"ok":true`) {
		t.Errorf("after the outage: %d observation records", len(obs))
	}
	lk, _ = r.ctl.LastKnown()
	if !lk.FailingSince.IsZero() || !lk.At.Equal(t0.Add(160*time.Second)) {
		t.Errorf("LastKnown after recovery = %+v", lk)
	}
	r.verifyJournal()
}

// TestObservationCarriedBySegments: a new segment's first record carries
// the last observation, so the last known state outlives retention.
func TestObservationCarriedBySegments(t *testing.T) {
	r := newRig(t, scenario(t, outageScenario), "")
	r.ctl.fleetEvery = time.Hour
	r.pass()
	carry := r.ctl.carried()
	if !strings.Contains(string(carry), `"observation":{"ok":true`) {
		t.Fatalf("carried state lacks the observation: %s", carry)
	}
	fresh := newRig(t, scenario(t, outageScenario), "")
	seg := audit.Record{Type: audit.TypeSegment, Time: t0.Add(time.Hour), Detail: audit.JSON(audit.SegmentDetail{Carry: carry})}
	fresh.ctl.replay(seg, t0.Add(time.Hour))
	lk, ok := fresh.ctl.LastKnown()
	if !ok || lk.Detail.Totals == nil || lk.Detail.Totals.Servers != 3 {
		t.Errorf("LastKnown from a segment's carry = %+v, %v", lk, ok)
	}
}
