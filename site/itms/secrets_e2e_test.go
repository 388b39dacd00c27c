package itms

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/apply"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
	redactlog "github.com/itms-tools/reconciler/redact"
	"github.com/itms-tools/reconciler/vocab"
)

// Reliability test 6: secrets, across packages. The real driver (this
// package) under the real controller, journal, metrics and status
// rendering, with the sentinel as the DSN's and the WinRM password, driven
// through its error paths pass by pass: WinRM 401 and SQL login failure,
// servers that echo the password back, a driver that panics with a
// scrubbed error, and one that panics with the raw DSN in its message.
// The sentinel must not reach the logs, the journal, the status output
// (health JSON and table), the plan output or /metrics. Driver-level
// tests: TestSecretsStayOut, TestParseDSNErrorsHideThePassword,
// TestWinRMAuthFailure.

// panicky wraps the driver's CMDB: when value is set, InQuestion panics
// with it instead of reading.
type panicky struct {
	observed.CMDB
	mu    sync.Mutex
	value any
}

func (p *panicky) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	p.mu.Lock()
	v := p.value
	p.value = nil
	p.mu.Unlock()
	if v != nil {
		panic(v)
	}
	return p.CMDB.InQuestion(ctx, fn)
}

// panickyDriver wraps the driver: when value is set, Apply panics with it.
type panickyDriver struct {
	apply.Driver
	mu    sync.Mutex
	value any
}

func (p *panickyDriver) Apply(ctx context.Context, a actions.Action) error {
	p.mu.Lock()
	v := p.value
	p.mu.Unlock()
	if v != nil {
		panic(v)
	}
	return p.Driver.Apply(ctx, a)
}

// healthyAgent answers for every server as a healthy agent whose files
// are at version 3: a CMDB row not Ready is then a lost status report,
// and the plan is resend_status.
type healthyAgent struct{}

func (healthyAgent) Agent(_ context.Context, server vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
	f := observed.AgentFacts{Server: server, Applied: vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`},
		PolicyVersion: 1714557600, FullControl: []string{"SYSTEM", "Administrators", `CORP\svc-itms-acc`}}
	for _, p := range pkgs {
		f.Packages = append(f.Packages, observed.PackageFiles{Server: server, Package: p, SnapshotPresent: true,
			SnapshotVersion: "3", StatusPresent: true, StatusRecorded: vocab.Ready, Local: vocab.LocalReady})
	}
	return f, nil
}

// lostRow is a CMDB row of testHost whose status report was lost.
func lostRow() sqlStep {
	return rowsStep([][]driver.Value{{"aaaaaaaa-0000-0000-0000-000000000001", string(testHost), pkgA, "7-Zip", "Invalid", "3", "3", int64(1)}}, nil)
}

// serverList is the CMDB's server list: testHost with its one pair.
func serverList() sqlStep {
	return sqlStep{contains: "AS Pairs", cols: []string{"ServerId", "ServerName", "Status", "Pairs"},
		rows: [][]driver.Value{{"aaaaaaaa-0000-0000-0000-000000000001", string(testHost), "Invalid", int64(1)}}}
}

// winrmMode is how the fake WinRM server answers in the current pass.
type winrmMode struct {
	mu   sync.Mutex
	mode string // "401", "echo", "ok"
}

func (m *winrmMode) set(s string) { m.mu.Lock(); m.mode = s; m.mu.Unlock() }
func (m *winrmMode) get() string  { m.mu.Lock(); defer m.mu.Unlock(); return m.mode }

func TestSecretsStayOutOfEveryOutput(t *testing.T) {
	dsn := "server=sql01;user id=svc-reader;password=" + sentinel + ";database=Symantec_CMDB;encrypt=strict"
	env := newTestEnv()
	env.vars["TEST_DSN"] = dsn
	login := mssql.Error{Number: 18456, Message: "login error: Login failed for user 'svc-reader'."}
	echo := errors.New("read tcp 10.0.0.5:1433: connection reset; last login: user id=svc-reader;password=" + sentinel)
	_, read := newFakeSQL(t,
		sqlStep{contains: "AS PackageKnown", err: login}, // pass 1
		sqlStep{contains: "AS PackageKnown", err: echo},  // pass 2
		// passes 5 and 6: each sweeps (lists every server), the first pass
		// that reads the CMDB, then an hour later (reconcile.sweep_every)
		lostRow(), serverList(), lostRow(), serverList(),
	)
	mode := &winrmMode{mode: "401"}
	f := newFakeWinRM(t, func(s sentScript) (string, int) {
		if m := mode.get(); m == "echo" || m == "apply-echo" && s.Op == string(opResendStatus) {
			return `{"ok":false,"code":"exception","error":"logon failure for CORP\\svc-reconciler with password ` + sentinel + `"}`, 0
		}
		return okAnswer(t)(s)
	})
	f.auth = func(w http.ResponseWriter, r *http.Request) bool {
		if mode.get() == "401" {
			w.Header().Set("WWW-Authenticate", "Negotiate")
			w.WriteHeader(http.StatusUnauthorized)
			return false
		}
		return true
	}
	site := openAgainst(t, f, env, func(o *Options) { o.sqlRead = read })

	clk := clock.NewFake(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	jpath := filepath.Join(dir, "audit.jsonl")
	j, err := audit.Open(jpath, audit.Options{Clock: clk, Secrets: site.Secrets, Logger: env.logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	pol, err := policy.Parse([]byte(secretsPolicy), filepath.Join(dir, "policy.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	cm := &panicky{CMDB: site}
	drv := &panickyDriver{Driver: site}
	metrics := controller.NewMetrics()
	// As the CLI does: logs and command output pass through the site's
	// secrets (package redact), the second line of defence.
	secrets := &redactlog.Set{}
	secrets.Use(site.Secrets)
	logger := slog.New(redactlog.NewHandler(env.logs.logger().Handler(), secrets))
	ctl, err := controller.New(controller.Options{Policy: pol, Journal: j, Clock: clk, Logger: logger, Metrics: metrics,
		Site: controller.Site{CMDB: cm, NS: site, Agents: healthyAgent{}, Driver: drv}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Restore(jpath); err != nil {
		t.Fatal(err)
	}

	var status, plans bytes.Buffer
	rawPanic := "unexpected connection state for " + dsn
	passes := []struct {
		name       string
		winrm      string
		panic      any // from the CMDB read
		applyPanic any // from Apply
		cmdbFails  bool
		known      bool // known bug R6-1
	}{
		{"WinRM 401 and SQL login failure", "401", nil, nil, true, false},
		{"servers echo the password", "echo", nil, nil, true, false},
		{"CMDB read panics with a scrubbed error", "ok", site.scrub(echo), nil, true, false},
		{"CMDB read panics with the raw DSN", "ok", rawPanic, nil, true, false},
		{"resend_status fails, the server echoing the password", "apply-echo", nil, nil, false, false},
		{"Apply panics with the raw DSN", "ok", nil, rawPanic, false, false},
	}
	leaks := map[string][]string{}
	for _, p := range passes {
		mode.set(p.winrm)
		cm.mu.Lock()
		cm.value = p.panic
		cm.mu.Unlock()
		drv.mu.Lock()
		drv.value = p.applyPanic
		drv.mu.Unlock()
		logsBefore := env.logs.String()
		res, err := ctl.ReconcileOnce(context.Background())
		if err != nil {
			t.Logf("%s: pass error %v", p.name, err)
		}
		if (res.Obs.CMDBErr != nil) != p.cmdbFails {
			t.Fatalf("%s: CMDBErr %v", p.name, res.Obs.CMDBErr)
		}
		if !p.cmdbFails && len(res.Exec.Failures) == 0 {
			t.Fatalf("%s: no action failed (plan %d actions)", p.name, len(res.Plan.Actions))
		}
		var passOut bytes.Buffer
		if rep := ctl.Report(); rep != nil {
			if err := health.RenderJSON(redactlog.NewWriter(&passOut, secrets), *rep); err != nil {
				t.Fatal(err)
			}
			if err := health.RenderTable(redactlog.NewWriter(&passOut, secrets), *rep, health.TableOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		status.Write(passOut.Bytes())
		var planOut bytes.Buffer
		if err := actions.Render(redactlog.NewWriter(&planOut, secrets), res.Plan, actions.RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		plans.Write(planOut.Bytes())
		outputs := map[string]string{
			"logs":   strings.TrimPrefix(env.logs.String(), logsBefore),
			"status": passOut.String(),
			"plan":   planOut.String(),
		}
		for where, text := range outputs {
			if leaked(text) {
				leaks[p.name] = append(leaks[p.name], where)
			}
		}
		clk.Advance(time.Hour) // past any backoff
		// The SQL login failure of the first pass stops every CMDB read
		// until the DSN changes or the policy is reloaded ([2/9] item 2):
		// reload, so that the next pass drives the next error path.
		ctl.Reload(pol)
	}
	j.Close()
	journal, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "reconciler_passes_total") {
		t.Fatalf("metrics scrape: %d", rec.Code)
	}
	assertNoSentinel(t, string(journal))
	assertNoSentinel(t, rec.Body.String())
	if !strings.Contains(string(journal), "[redacted]") {
		t.Error("the journal holds no [redacted] mark: was an echoed secret ever journaled?")
	}
	for _, p := range passes {
		if len(leaks[p.name]) == 0 {
			continue
		}
		msg := fmt.Sprintf("%s: the sentinel reached %v (the journal scrubs it)", p.name, leaks[p.name])
		if p.known && !*strictSecrets {
			t.Logf("known bug R6-1 (RELIABILITY.md; -reliability.strict fails): %s", msg)
			continue
		}
		t.Error(msg)
	}
	t.Logf("%d passes through %d error paths; journal %d bytes, status %d bytes, plans %d bytes, logs %d bytes, metrics %d bytes scanned",
		len(passes), len(passes)+1, len(journal), status.Len(), plans.Len(), len(env.logs.String()), rec.Body.Len())
}

// leaked reports whether text holds the sentinel or a part that names it.
func leaked(text string) bool {
	return strings.Contains(text, "SENTINEL") || strings.Contains(text, "Zq7")
}

const secretsPolicy = `
mode = "enforce"
site "sim" {
  dir = "unused"
}
credential {
  mode    = "acc"
  account = "CORP\\svc-itms-acc"
}
`

// A DSN that does not parse: Open's error, which the CLI logs, holds no
// part of the password, whatever the form.
func TestBadDSNErrorsHideThePassword(t *testing.T) {
	for _, dsn := range []string{
		"server=sql01;user id=svc;password=" + sentinel + ";database=Symantec_CMDB;encrypt=maybe",
		"sqlserver://svc:" + sentinel + "@sql01:notaport?database=Symantec_CMDB",
		"sqlserver://svc:" + strings.ReplaceAll(sentinel, "@", "%40") + "@sql01?database=Symantec_CMDB&encrypt=disable",
		"odbc:server=sql01;uid=svc;pwd={" + sentinel + "};database=Symantec_CMDB;TrustServerCertificate=true",
		"server=sql01;user id=svc;password=" + sentinel + ";database=",
	} {
		env := newTestEnv()
		env.vars["TEST_DSN"] = dsn
		s, err := Open(context.Background(), testConfig(5986), env.options())
		if err == nil {
			s.Close()
			t.Errorf("Open accepted %q", strings.ReplaceAll(dsn, sentinel, "…"))
			continue
		}
		assertNoSentinel(t, err.Error())
		assertNoSentinel(t, env.logs.String())
	}
}

// strictSecrets fails on known, reported secret leaks instead of logging
// them (RELIABILITY.md).
var strictSecrets = flag.Bool("reliability.strict", false, "fail on known reliability bugs instead of logging them")
