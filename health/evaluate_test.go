package health_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// one builds an observation of PS001 alone, its agent and rows edited.
func one(t *testing.T, edit func(*observed.Observation, *observed.Agent), ps ...observed.Pair) *observed.Observation {
	t.Helper()
	obs := observed.NewObservation(t0)
	obs.NS = ns
	a := healthyAgent("PS001")
	edit(obs, &a)
	if a.Server != "" {
		check(t, obs.SetAgent(a))
	}
	check(t, obs.AddPair(ps...))
	return obs
}

type want1 struct {
	status health.Status
	reason string
}

func TestEvaluateConditions(t *testing.T) {
	noop := func(*observed.Observation, *observed.Agent) {}
	invalid := rows("PS001", 1, 2, vocab.Invalid, "3", time.Time{})
	tests := []struct {
		name  string
		state desired.State
		obs   func(t *testing.T) *observed.Observation
		want  map[health.ConditionType]want1
		msg   string // in some condition's message
	}{
		{"healthy", want, func(t *testing.T) *observed.Observation { return one(t, noop) },
			map[health.ConditionType]want1{health.Reachable: {health.True, "Reachable"},
				health.CredentialApplied: {health.True, "CredentialApplied"},
				health.AclInPlace:        {health.True, "AccountHasFullControl"},
				health.PackagesReady:     {health.True, "AllRowsReady"}}, ""},
		{"CMDB unreadable", want, func(t *testing.T) *observed.Observation {
			return one(t, func(o *observed.Observation, _ *observed.Agent) { o.CMDBErr = errors.New("login failed") })
		}, map[health.ConditionType]want1{health.Reachable: {health.True, "Reachable"},
			health.PackagesReady: {health.Unknown, "CMDBUnreadable"}}, ""},
		{"NS unread, credential differs", want, func(t *testing.T) *observed.Observation {
			return one(t, func(o *observed.Observation, a *observed.Agent) {
				o.NSErr = errors.New("winrm: 401")
				a.Facts.Applied = vocab.Credential{Mode: vocab.AppID, Account: `CORP\app`}
			})
		}, map[health.ConditionType]want1{health.CredentialApplied: {health.False, "CredentialMismatch"}}, "NS setting unknown"},
		{"NS unread, credential as wanted", want, func(t *testing.T) *observed.Observation {
			return one(t, func(o *observed.Observation, _ *observed.Agent) { o.NSErr = errors.New("winrm: 401") })
		}, map[health.ConditionType]want1{health.CredentialApplied: {health.True, "CredentialApplied"}}, ""},
		{"NS drift", want, func(t *testing.T) *observed.Observation {
			return one(t, func(o *observed.Observation, a *observed.Agent) {
				o.NS.Credential = vocab.Credential{Mode: vocab.Anonymous}
				a.Facts.Applied = o.NS.Credential
			})
		}, map[health.ConditionType]want1{health.CredentialApplied: {health.False, "NSCredentialDrift"}}, "but the NS is set to anonymous"},
		{"anonymous needs no account", desired.New(vocab.Credential{Mode: vocab.Anonymous}, nil, 0),
			func(t *testing.T) *observed.Observation {
				return one(t, func(o *observed.Observation, a *observed.Agent) {
					o.NS.Credential = vocab.Credential{Mode: vocab.Anonymous}
					a.Facts.Applied = o.NS.Credential
					a.Facts.FullControl = nil
				})
			}, map[health.ConditionType]want1{health.AclInPlace: {health.True, "NoAccountNeeded"},
				health.CredentialApplied: {health.True, "CredentialApplied"}}, ""},
		{"empty ACL", want, func(t *testing.T) *observed.Observation {
			return one(t, func(_ *observed.Observation, a *observed.Agent) { a.Facts.FullControl = nil })
		}, map[health.ConditionType]want1{health.AclInPlace: {health.False, "AccountLacksFullControl"}}, "(ACL: none)"},
		{"rows in question only", want, func(t *testing.T) *observed.Observation { return one(t, noop, invalid...) },
			map[health.ConditionType]want1{health.PackagesReady: {health.False, "RowsNotReady"}}, "2 rows not Ready (2 Invalid)"},
		{"unreachable", want, func(t *testing.T) *observed.Observation {
			return one(t, func(_ *observed.Observation, a *observed.Agent) {
				*a = observed.Agent{Server: "PS001", Error: "winrm: 500"}
			}, invalid...)
		}, map[health.ConditionType]want1{health.Reachable: {health.False, "Unreachable"},
			health.CredentialApplied: {health.Unknown, "Unreachable"}, health.AclInPlace: {health.Unknown, "Unreachable"},
			health.PackagesReady: {health.False, "RowsNotReady"}}, "winrm: 500"},
		{"not observed", want, func(t *testing.T) *observed.Observation {
			return one(t, func(_ *observed.Observation, a *observed.Agent) { *a = observed.Agent{} }, invalid...)
		}, map[health.ConditionType]want1{health.Reachable: {health.Unknown, "NotObserved"},
			health.CredentialApplied: {health.Unknown, "NotObserved"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := health.Evaluate(tt.state, tt.obs(t), nil, t0)
			if len(r.Servers) != 1 {
				t.Fatalf("servers %+v", r.Servers)
			}
			s := r.Servers[0]
			var msgs []string
			for ct, w := range tt.want {
				c, ok := s.Condition(ct)
				if !ok || c.Status != w.status || c.Reason != w.reason {
					t.Errorf("%s = %+v; want %s %s", ct, c, w.status, w.reason)
				}
				if !c.LastTransition.IsZero() {
					t.Errorf("%s: LastTransition %v with no history", ct, c.LastTransition)
				}
				msgs = append(msgs, c.Message)
			}
			if tt.msg != "" && !strings.Contains(strings.Join(msgs, "|"), tt.msg) {
				t.Errorf("messages %q; want one with %q", msgs, tt.msg)
			}
		})
	}
}

func TestLastTransition(t *testing.T) {
	earlier := t0.Add(-time.Hour)
	prevWith := func(st health.Status) *health.Report {
		return &health.Report{Servers: []health.ServerHealth{{Name: "ps001", Conditions: []health.Condition{
			{Type: health.AclInPlace, Status: st, LastTransition: earlier},
		}}}}
	}
	tests := []struct {
		name string
		prev *health.Report
		want time.Time
	}{
		{"no history", nil, time.Time{}},
		{"server not in history", &health.Report{}, time.Time{}},
		{"same status", prevWith(health.True), earlier},
		{"status changed", prevWith(health.False), t0},
		{"was unknown", prevWith(health.Unknown), t0},
	}
	obs := one(t, func(*observed.Observation, *observed.Agent) {})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := health.Evaluate(want, obs, tt.prev, t0)
			c, _ := r.Servers[0].Condition(health.AclInPlace)
			if !c.LastTransition.Equal(tt.want) {
				t.Errorf("LastTransition %v; want %v", c.LastTransition, tt.want)
			}
		})
	}
}

func TestReportTotalsAndShape(t *testing.T) {
	r := health.Evaluate(want, site(t), nil, t0)
	if r.Totals.Servers != 9 || r.Totals.Healthy != 2 || r.Totals.OutOfScope != 1 ||
		r.Totals.NotReady != 11 || r.Totals.InGrace != 2 || r.Totals.Rejects != 2 {
		t.Errorf("totals %+v", r.Totals)
	}
	for i := 1; i < len(r.Servers); i++ {
		if strings.ToLower(string(r.Servers[i-1].Name)) >= strings.ToLower(string(r.Servers[i].Name)) {
			t.Errorf("servers out of order: %s, %s", r.Servers[i-1].Name, r.Servers[i].Name)
		}
	}
	empty := health.Evaluate(want, observed.NewObservation(t0), nil, t0)
	var b bytes.Buffer
	check(t, health.RenderJSON(&b, empty))
	if !strings.Contains(b.String(), `"servers": []`) || !strings.Contains(b.String(), `"rejects": []`) {
		t.Errorf("empty lists not rendered as []:\n%s", b.String())
	}
}

func TestServerHealthHelpers(t *testing.T) {
	s := health.ServerHealth{Conditions: []health.Condition{
		{Type: health.Reachable, Status: health.True},
		{Type: health.CredentialApplied, Status: health.Unknown, Reason: "NotObserved"},
		{Type: health.PackagesReady, Status: health.False, Reason: "RowsNotReady"},
	}}
	if s.Healthy() || s.MainReason() != "RowsNotReady" {
		t.Errorf("Healthy %v, MainReason %q", s.Healthy(), s.MainReason())
	}
	if _, ok := s.Condition(health.AclInPlace); ok {
		t.Error("found a condition not set")
	}
	if (health.ServerHealth{}).Healthy() {
		t.Error("a server with no conditions is healthy")
	}
}

// Driver text that could drive a terminal is quoted in the table.
func TestRenderTableQuotesUntrustedText(t *testing.T) {
	obs := one(t, func(_ *observed.Observation, a *observed.Agent) {
		*a = observed.Agent{Server: "PS001", Error: "refused\n\x1b[2Jfake line"}
	})
	var b bytes.Buffer
	check(t, health.RenderTable(&b, health.Evaluate(want, obs, nil, t0), health.TableOptions{}))
	if strings.Contains(b.String(), "\x1b") || strings.Contains(b.String(), "\nfake line") {
		t.Errorf("raw control characters in the table:\n%q", b.String())
	}
	if !strings.Contains(b.String(), `"refused\n\x1b[2Jfake line"`) {
		t.Errorf("error not quoted:\n%s", b.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderErrors(t *testing.T) {
	r := health.Evaluate(want, site(t), nil, t0)
	if err := health.RenderTable(failWriter{}, r, health.TableOptions{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("RenderTable error %v", err)
	}
	if err := health.RenderJSON(failWriter{}, r); err == nil {
		t.Error("RenderJSON ignored a write error")
	}
}
