package guard

import (
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/robfig/cron/v3"
)

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func window(t *testing.T, name, spec string, d time.Duration, tz string, allow, deny []actions.Kind) policy.Window {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return policy.Window{Name: name, Schedule: spec, Cron: s, Duration: d, Location: loc, Allow: allow, Deny: deny}
}

func TestWindows(t *testing.T) {
	del := actions.DeleteNSSnapshot
	set := actions.SetCredentialMode
	nights := window(t, "nights", "0 22 * * *", 6*time.Hour, "UTC", []actions.Kind{del}, nil)
	office := window(t, "office", "0 8 * * 1-5", 10*time.Hour, "UTC", nil, []actions.Kind{set, del})
	late := window(t, "late", "0 3 * * *", 2*time.Hour, "UTC", []actions.Kind{del}, nil)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name   string
		ws     []policy.Window
		kind   actions.Kind
		now    time.Time
		ok     bool
		reason string
	}{
		{"no windows", nil, del, at("2026-11-24T12:00:00Z"), true, ""},
		{"inside allow", []policy.Window{nights}, del, at("2026-11-24T23:00:00Z"), true, ""},
		{"inside allow after midnight", []policy.Window{nights}, del, at("2026-11-25T03:59:00Z"), true, ""},
		{"allow ends at start+duration", []policy.Window{nights}, del, at("2026-11-25T04:00:00Z"), false, "outside allow window nights"},
		{"outside allow", []policy.Window{nights}, del, at("2026-11-24T12:00:00Z"), false, "outside allow window nights"},
		{"kind not named by allow runs", []policy.Window{nights}, set, at("2026-11-24T12:00:00Z"), true, ""},
		{"inside deny", []policy.Window{office}, set, at("2026-11-24T09:00:00Z"), false, "window office denies set_credential_mode"},
		{"deny on weekend is closed", []policy.Window{office}, set, at("2026-11-28T09:00:00Z"), true, ""},
		{"deny wins over allow", []policy.Window{nights, office}, del, at("2026-11-24T23:00:00Z"), true, ""},
		{"overlapping allows: either opens", []policy.Window{nights, late}, del, at("2026-11-25T04:30:00Z"), true, ""},
		{"overlapping allows: both closed", []policy.Window{nights, late}, del, at("2026-11-25T05:00:00Z"), false, "outside allow window nights, late"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := NewWindows(tc.ws).Allowed(tc.kind, tc.now)
			if ok != tc.ok || reason != tc.reason {
				t.Errorf("Allowed = %v %q, want %v %q", ok, reason, tc.ok, tc.reason)
			}
		})
	}
}

func TestWindowsDenyWinsWhenBothActive(t *testing.T) {
	del := actions.DeleteNSSnapshot
	allow := window(t, "allow", "0 * * * *", time.Hour, "UTC", []actions.Kind{del}, nil)
	deny := window(t, "freeze", "0 12 * * *", time.Hour, "UTC", nil, []actions.Kind{del})
	now := time.Date(2026, 11, 24, 12, 30, 0, 0, time.UTC)
	if ok, reason := NewWindows([]policy.Window{allow, deny}).Allowed(del, now); ok || reason != "window freeze denies delete_ns_snapshot" {
		t.Fatalf("Allowed = %v %q, want held by freeze", ok, reason)
	}
}

// A window at 02:00 Europe/Paris across the spring-forward and fall-back
// changes: it opens at the local wall time, for its duration in real time.
func TestWindowTimeZoneAcrossDST(t *testing.T) {
	del := actions.DeleteNSSnapshot
	w := window(t, "paris", "30 1 * * *", 2*time.Hour, "Europe/Paris", []actions.Kind{del}, nil)
	ws := NewWindows([]policy.Window{w})
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"winter, inside", time.Date(2026, 1, 10, 2, 0, 0, 0, paris), true},
		{"winter, before", time.Date(2026, 1, 10, 1, 0, 0, 0, paris), false},
		{"spring forward day, 01:30 + 2h real = 04:30 CEST", time.Date(2026, 3, 29, 4, 0, 0, 0, paris), true},
		{"spring forward day, after", time.Date(2026, 3, 29, 4, 31, 0, 0, paris), false},
		{"fall back day, 01:30 CEST + 2h real = 02:30 CET", time.Date(2026, 10, 25, 1, 15, 0, 0, time.UTC), true},
		{"fall back day, after", time.Date(2026, 10, 25, 1, 31, 0, 0, time.UTC), false},
		{"now given in UTC is the same instant", time.Date(2026, 1, 10, 1, 0, 0, 0, time.UTC), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ok, _ := ws.Allowed(del, tc.now); ok != tc.ok {
				t.Errorf("Allowed(%s) = %v, want %v", tc.now, ok, tc.ok)
			}
		})
	}
}
