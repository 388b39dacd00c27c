package console

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview/estatetest"
	"github.com/itms-tools/reconciler/guard"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// estateScenario: a small fixed estate with a fault of each visible kind.
const estateScenario = `{"name": "console", "seed": 3, "servers": 4, "packages": 3,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "servers": ["PS002"]},
             {"kind": "acl_missing", "servers": ["PS003"]},
             {"kind": "stale_ps_snapshot", "servers": ["PS004"], "packages": 1}]}`

// estatePolicy: an approval, a limit and a window, so every card has
// something to show.
const estatePolicy = `approve = ["grant_acl"]
limit "resend_status" {
  max = 10
  per = "1h"
}
window "nights" {
  schedule = "0 22 * * *"
  duration = "6h"
  allow    = ["delete_ps_snapshot"]
}
reconcile {
  verify_after = "1m"
}
`

// newConsole builds a console over a rig's view and controller.
func newConsole(t *testing.T, r *estatetest.Rig) *Server {
	t.Helper()
	s, err := New(Options{View: r.View, Clock: r.Clock, JournalPath: r.Policy.Audit.Path,
		Planner: rigPlanner(r), Heartbeat: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// rigPlanner evaluates the plan as `reconciler plan` does.
func rigPlanner(r *estatetest.Rig) Planner {
	return func(ctx context.Context) (PlanResult, error) {
		res, err := r.Ctl.PlanOnly(ctx)
		if err != nil {
			return PlanResult{}, err
		}
		return fromPass(res, guard.New(r.Policy, r.Ctl.Limiter(), r.Ctl.Breaker(), r.Ctl.Approvals()).Admit(res.Plan, r.Clock.Now())), nil
	}
}

func fromPass(res controller.PassResult, holds map[string]actions.Hold) PlanResult {
	p := PlanResult{Plan: res.Plan, Holds: holds}
	if res.Obs.CMDBErr != nil {
		p.CMDBError = res.Obs.CMDBErr.Error()
	}
	return p
}

func get(t *testing.T, h http.Handler, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Result()
}

func bodyOf(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./console -update rewrites it after an intended change):\n%s", name, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n want " + w + "\n got  " + g
		}
	}
	return ""
}

func httptestRecorder(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}
