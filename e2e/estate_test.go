//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/crashpoint"
)

// runTimeout bounds one command of the binary; a pass on these small
// estates takes well under a second.
const runTimeout = 60 * time.Second

// limit is one limit block of a policy.
type limit struct {
	Kind string
	Max  int
	Per  time.Duration
}

// policyOpts are the parts of policy.hcl the tests vary.
type policyOpts struct {
	Mode        string // "enforce" when empty
	Schedule    string // "@every 1m" when empty
	Concurrency int
	Listen      string // http.listen; "" turns the endpoint off
	Limits      []limit
	// Reconcile is extra lines of the reconcile block ("verify_after = ...").
	Reconcile string
}

// estate is a folder with a policy, a scenario, a simulated site (created
// by the first command) and the audit journal.
type estate struct {
	t        *testing.T
	bin      string
	dir      string
	scenario string
}

// newEstate lays out an estate in a fresh temporary folder, with the
// scenario copied from testdata.
func newEstate(t *testing.T, bin, scenario string, p policyOpts) *estate {
	t.Helper()
	e := &estate{t: t, bin: bin, dir: t.TempDir()}
	data, err := os.ReadFile(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	e.scenario = filepath.Join(e.dir, scenario)
	if err := os.WriteFile(e.scenario, data, 0o644); err != nil {
		t.Fatal(err)
	}
	e.writePolicy(p)
	return e
}

func (e *estate) policyPath() string  { return filepath.Join(e.dir, "policy.hcl") }
func (e *estate) journalPath() string { return filepath.Join(e.dir, "audit.jsonl") }
func (e *estate) siteDir() string     { return filepath.Join(e.dir, "site") }

// writePolicy (re)writes policy.hcl.
func (e *estate) writePolicy(p policyOpts) {
	e.t.Helper()
	if err := os.WriteFile(e.policyPath(), []byte(renderPolicy(p, e.scenario)), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func renderPolicy(p policyOpts, scenario string) string {
	mode, schedule := p.Mode, p.Schedule
	if mode == "" {
		mode = "enforce"
	}
	if schedule == "" {
		schedule = "@every 1m"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "mode = %q\n\n", mode)
	fmt.Fprintf(&b, "site \"sim\" {\n  dir      = \"site\"\n  scenario = %q\n  seed     = 1\n}\n\n", scenario)
	b.WriteString("credential {\n  mode    = \"acc\"\n  account = \"CORP\\\\svc-itms-acc\"\n}\n\n")
	fmt.Fprintf(&b, "reconcile {\n  schedule      = %q\n  pending_grace = \"10m\"\n  concurrency   = %d\n%s}\n\n",
		schedule, max(1, p.Concurrency), p.Reconcile)
	for _, l := range p.Limits {
		fmt.Fprintf(&b, "limit %q {\n  max = %d\n  per = %q\n}\n\n", l.Kind, l.Max, l.Per.String())
	}
	b.WriteString("audit {\n  path = \"audit.jsonl\"\n}\n\n")
	fmt.Fprintf(&b, "http {\n  listen = %q\n}\n", p.Listen)
	return b.String()
}

// result is how one command ended.
type result struct {
	args           []string
	code           int            // exit code; -1 when killed by a signal
	signal         syscall.Signal // the signal that killed it, 0 if none
	stdout, stderr string
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("reconciler %s: exit %d signal %v after %s\nstdout:\n%s\nstderr (end):\n%s",
		strings.Join(r.args, " "), r.code, r.signal, r.took.Round(time.Millisecond), r.stdout, tail(r.stderr, 2000))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// run runs the binary on the estate's policy with crashAt armed ("" for
// none) and waits for it to end, within runTimeout.
func (e *estate) run(crashAt string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	args = append(args, "--policy", e.policyPath(), "--log-level", "warn")
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Dir = e.dir
	cmd.Env = e.env(crashAt)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		e.t.Fatalf("timed out after %s: %s", runTimeout, r)
	}
	r.code, r.signal = exitOf(err)
	if r.code == -2 {
		e.t.Fatalf("%v: %s", err, r)
	}
	return r
}

// env is the test's environment without any crash point, plus crashAt.
func (e *estate) env(crashAt string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, crashpoint.EnvVar+"=") {
			env = append(env, kv)
		}
	}
	if crashAt != "" {
		env = append(env, crashpoint.EnvVar+"="+crashAt)
	}
	return env
}

// exitOf returns the exit code (-1 with the signal when killed by one, -2
// when the command did not run).
func exitOf(err error) (int, syscall.Signal) {
	if err == nil {
		return 0, 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return -2, 0
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, ws.Signal()
	}
	return ee.ExitCode(), 0
}

// mustRun runs a command that must exit 0.
func (e *estate) mustRun(args ...string) result {
	e.t.Helper()
	r := e.run("", args...)
	if r.code != 0 {
		e.t.Fatalf("want exit 0: %s", r)
	}
	return r
}

// planExit runs `plan --detailed-exitcode`: 0 nothing to do, 2 pending.
func (e *estate) planExit() int {
	e.t.Helper()
	r := e.run("", "plan", "--detailed-exitcode")
	if r.code != 0 && r.code != 2 {
		e.t.Fatalf("plan failed: %s", r)
	}
	return r.code
}

// siteStatus is the part of `status --json` the tests read.
type siteStatus struct {
	NS struct {
		InSync     bool `json:"in_sync"`
		Credential struct {
			Mode string `json:"mode"`
		} `json:"credential"`
	} `json:"ns"`
	Totals struct {
		NotReady int `json:"not_ready"`
	} `json:"totals"`
	Budgets []struct {
		Kind      string `json:"kind"`
		Remaining int    `json:"remaining"`
	} `json:"budgets"`
}

func (e *estate) status() siteStatus {
	e.t.Helper()
	r := e.mustRun("status", "--json")
	var s siteStatus
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	return s
}
