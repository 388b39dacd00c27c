package inbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
)

var at = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// TestRequestRecord: each kind builds its record from the request's
// fields, and refuses a request that is not well formed.
func TestRequestRecord(t *testing.T) {
	who := audit.Actor{Host: "adminbox", User: "alice"}
	tests := []struct {
		name string
		req  Request
		want audit.Record
		err  string
	}{
		{name: "approval", req: Request{Type: audit.TypeApproval, Plan: "p-1", Actions: []string{"a#1"}, Reason: "CAB", Actor: who},
			want: audit.Record{Type: audit.TypeApproval, Plan: "p-1", Actor: who, Detail: audit.JSON(ApprovalDetail{Actions: []string{"a#1"}, Reason: "CAB"})}},
		{name: "approval without ids", req: Request{Type: audit.TypeApproval}, err: "without action ids"},
		{name: "approval of a server", req: Request{Type: audit.TypeApproval, Actions: []string{"a#1"}, Server: "PS001"}, err: "names a server"},
		{name: "breaker reset", req: Request{Type: audit.TypeBreaker, Reason: "fixed", Actor: who},
			want: audit.Record{Type: audit.TypeBreaker, Actor: who, Detail: audit.JSON(BreakerDetail{State: "reset", Reason: "fixed"})}},
		{name: "breaker of a server", req: Request{Type: audit.TypeBreaker, Server: "PS001"}, err: "names a server"},
		{name: "retry", req: Request{Type: audit.TypeRetry, Server: "PS001", Reason: "trust repaired", Actor: who},
			want: audit.Record{Type: audit.TypeRetry, Server: "PS001", Actor: who, Detail: audit.JSON(OperatorDetail{Reason: "trust repaired"})}},
		{name: "retry without a server", req: Request{Type: audit.TypeRetry}, err: "without a server"},
		{name: "retry of a path", req: Request{Type: audit.TypeRetry, Server: `..\PS001`}, err: "not a host name"},
		{name: "retry with actions", req: Request{Type: audit.TypeRetry, Server: "PS001", Actions: []string{"a#1"}}, err: "names a plan"},
		{name: "pause of one", req: Request{Type: audit.TypePause, Server: "ps001.corp.example", Actor: who},
			want: audit.Record{Type: audit.TypePause, Server: "ps001.corp.example", Actor: who}},
		{name: "pause of all", req: Request{Type: audit.TypePause, Reason: "change freeze", Actor: who},
			want: audit.Record{Type: audit.TypePause, Actor: who, Detail: audit.JSON(OperatorDetail{Reason: "change freeze"})}},
		{name: "pause of a device name", req: Request{Type: audit.TypePause, Server: "CON"}, err: "device name"},
		{name: "resume of all", req: Request{Type: audit.TypeResume, Actor: who}, want: audit.Record{Type: audit.TypeResume, Actor: who}},
		{name: "unknown", req: Request{Type: audit.TypeIntent}, err: "unknown request type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.req.Record()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Record() error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Record() = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

// TestKindsAreTheOperatorsRequests: the table carries exactly the five
// request types.
func TestKindsAreTheOperatorsRequests(t *testing.T) {
	want := []audit.Type{audit.TypeApproval, audit.TypeBreaker, audit.TypePause, audit.TypeResume, audit.TypeRetry}
	var got []audit.Type
	for k := range kinds {
		got = append(got, k)
	}
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("request kinds %v, want %v", got, want)
	}
}

// TestSubmitThenPending: a submitted request is listed as pending, by
// type, in submission order; a request that is not well formed is not
// written.
func TestSubmitThenPending(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "audit.jsonl")
	reqs := []Request{
		{Type: audit.TypePause, Server: "PS002", At: at.Add(time.Second)},
		{Type: audit.TypeRetry, Server: "PS001", At: at},
		{Type: audit.TypeBreaker, At: at.Add(2 * time.Second)},
	}
	for _, r := range reqs {
		if _, err := Submit(journal, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Submit(journal, Request{Type: audit.TypeRetry, At: at}); err == nil {
		t.Fatal("a retry without a server was submitted")
	}
	var got []string
	for _, q := range Pending(journal, audit.TypeRetry, audit.TypePause) {
		got = append(got, string(q.Request.Type)+" "+q.Request.Server)
	}
	if want := []string{"retry PS001", "pause PS002"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Pending = %v, want %v", got, want)
	}
	if n := len(Pending(journal)); n != 3 {
		t.Fatalf("Pending() of every type: %d, want 3", n)
	}
	files, _ := filepath.Glob(filepath.Join(Dir(journal), "*.json"))
	fi, err := os.Stat(files[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("request file mode %v %v, want 0600", fi.Mode(), err)
	}
	b, _ := os.ReadFile(files[0])
	var r Request
	if err := json.Unmarshal(b, &r); err != nil || r.Server != "PS001" {
		t.Fatalf("first file (by name) is %+v %v, want the earliest request", r, err)
	}
}

// TestDeliverRecordsDirectly: with no daemon holding the journal, the
// request is a journal record at once.
func TestDeliverRecordsDirectly(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "j", "audit.jsonl")
	d, err := Deliver(journal, Request{Type: audit.TypeRetry, Server: "PS001", Actor: audit.Actor{User: "alice"}, At: at}, audit.Options{})
	if err != nil || d.Queued != "" || d.Seq == 0 {
		t.Fatalf("Deliver = %+v, %v; want a journal seq", d, err)
	}
	var got []audit.Record
	if err := audit.ReadAll(journal, func(r audit.Record) error {
		if r.Type == audit.TypeRetry {
			got = append(got, r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Server != "PS001" || got[0].Actor.User != "alice" {
		t.Fatalf("retry records %+v", got)
	}
}
