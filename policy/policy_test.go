package policy

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

func TestScopeMatch(t *testing.T) {
	tests := []struct {
		name  string
		scope Scope
		host  vocab.Host
		want  bool
	}{
		{"empty scope takes all", Scope{}, "PS001", true},
		{"include match", Scope{Include: []string{"PS*"}}, "PS001", true},
		{"include case-insensitive", Scope{Include: []string{"ps*"}}, "PS001.corp.example", true},
		{"include miss", Scope{Include: []string{"PS*"}}, "NS01", false},
		{"exclude wins", Scope{Include: []string{"PS*"}, Exclude: []string{"PS-LAB-*"}}, "ps-lab-07", false},
		{"exclude only", Scope{Exclude: []string{"PS00?"}}, "PS003", false},
		{"exclude only miss", Scope{Exclude: []string{"PS00?"}}, "PS010", true},
		{"class", Scope{Include: []string{"PS0[0-4]*"}}, "PS051", false},
		{"malformed glob matches nothing", Scope{Include: []string{"PS["}}, "PS[", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.scope.Match(tt.host); got != tt.want {
				t.Errorf("Match(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestPolicyRules(t *testing.T) {
	limit := Limit{Kind: actions.DeleteNSSnapshot, Max: 10, Per: time.Hour}
	p := &Policy{
		Mode:        Enforce,
		DryRunKinds: []actions.Kind{actions.DeletePSSnapshot},
		Approve:     []actions.Kind{actions.SetCredentialMode},
		Limits:      []Limit{limit},
	}
	dry := &Policy{Mode: DryRun}
	tests := []struct {
		name      string
		got, want any
	}{
		{"limit set", pick(p.Limit(actions.DeleteNSSnapshot)), limit},
		{"limit unset", pick(p.Limit(actions.GrantACL)), Limit{}},
		{"limit found", found(p.Limit(actions.DeleteNSSnapshot)), true},
		{"limit not found", found(p.Limit(actions.GrantACL)), false},
		{"approval", p.NeedsApproval(actions.SetCredentialMode), true},
		{"no approval", p.NeedsApproval(actions.GrantACL), false},
		{"dry-run kind", p.DryRun(actions.DeletePSSnapshot), true},
		{"enforced kind", p.DryRun(actions.GrantACL), false},
		{"global dry run", dry.DryRun(actions.GrantACL), true},
		{"zero mode is dry run", (&Policy{}).DryRun(actions.GrantACL), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func pick(l Limit, _ bool) Limit  { return l }
func found(_ Limit, ok bool) bool { return ok }

// TestParseCron checks schedules are bound to their time zone and that
// specs the policy forbids are refused.
func TestParseCron(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	ref := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		spec string
		loc  *time.Location
		next time.Time // zero: want an error
	}{
		{defaultSchedule, time.UTC, ref.Add(5 * time.Minute)},
		{"0 22 * * 1-5", paris, time.Date(2025, 1, 6, 21, 0, 0, 0, time.UTC)},
		{"@hourly", paris, ref.Add(time.Hour)},
		{"@every 90s", time.UTC, ref.Add(90 * time.Second)},
		{"  @daily  ", time.UTC, ref.Add(24 * time.Hour)},
		{"TZ=UTC 0 * * * *", time.UTC, time.Time{}},
		{"0 0 30 2 *", time.UTC, time.Time{}},
		{"@every 500ms", time.UTC, time.Time{}},
		{"@reboot", time.UTC, time.Time{}},
		{"* * * * * *", time.UTC, time.Time{}},
		{"", time.UTC, time.Time{}},
	}
	for _, tt := range tests {
		s, err := parseCron(tt.spec, tt.loc)
		switch {
		case tt.next.IsZero() && err == nil:
			t.Errorf("parseCron(%q): no error", tt.spec)
		case !tt.next.IsZero() && err != nil:
			t.Errorf("parseCron(%q): %v", tt.spec, err)
		case err == nil && !s.Next(ref).Equal(tt.next):
			t.Errorf("parseCron(%q).Next = %v, want %v", tt.spec, s.Next(ref), tt.next)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"grant_acl", "resend_status", "delete_ns_snapshot"}
	tests := []struct{ in, want string }{
		{"grant_acls", "grant_acl"},
		{"resend-status", "resend_status"},
		{"delete_snapshot", "delete_ns_snapshot"},
		{"snapshot", ""},
		{"zzz", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, names); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
