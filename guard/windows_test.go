package guard

import (
	"slices"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/schedule"
)

func window(t *testing.T, name, spec string, d time.Duration, tz string, allow, deny []actions.Kind) policy.Window {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Parse(spec, loc) // as package policy binds it
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

// A window whose start falls where the clocks skip or repeat, in three
// zones: every local day it opens once, for exactly its duration in real
// time. On the spring day it opens at the end of the gap; on the autumn day
// at the first occurrence of its start only (robfig/cron alone gives the
// spring day no window at all and the autumn day two overlapping ones).
func TestWindowOpensOnceADayAcrossClockChanges(t *testing.T) {
	del := actions.DeleteNSSnapshot
	tests := []struct {
		zone, spec string
		day        string // the local day of the change
		opens      string // UTC instant the window opens that day
	}{
		{"Europe/Paris", "30 2 * * *", "2026-03-29", "2026-03-29T01:00:00Z"},
		{"Europe/Paris", "30 2 * * *", "2026-10-25", "2026-10-25T00:30:00Z"},
		{"America/New_York", "30 2 * * *", "2026-03-08", "2026-03-08T07:00:00Z"},
		{"America/New_York", "30 1 * * *", "2026-11-01", "2026-11-01T05:30:00Z"},
		{"Australia/Lord_Howe", "15 2 * * *", "2026-10-04", "2026-10-03T15:30:00Z"},
		{"Australia/Lord_Howe", "45 1 * * *", "2026-04-05", "2026-04-04T14:45:00Z"},
	}
	const d = 3 * time.Hour
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.day, func(t *testing.T) {
			w := window(t, "night", tt.spec, d, tt.zone, []actions.Kind{del}, nil)
			ws := NewWindows([]policy.Window{w})
			day, err := time.ParseInLocation(time.DateOnly, tt.day, w.Location)
			if err != nil {
				t.Fatal(err)
			}
			// Minute by minute over the day before, the day, and the day
			// after: one opening per local day, each open for d.
			opened := map[string][]time.Time{}
			open := map[string]time.Duration{}
			was := false
			for at := day.AddDate(0, 0, -1); at.Before(day.AddDate(0, 0, 2)); at = at.Add(time.Minute) {
				ok, _ := ws.Allowed(del, at)
				if ok && !was {
					k := at.In(w.Location).Format(time.DateOnly)
					opened[k] = append(opened[k], at.UTC())
				}
				if ok {
					// charge the minute to the local day it opened on
					days := keysOf(opened)
					open[days[len(days)-1]] += time.Minute
				}
				was = ok
			}
			for _, k := range []string{day.AddDate(0, 0, -1).Format(time.DateOnly), tt.day, day.AddDate(0, 0, 1).Format(time.DateOnly)} {
				if len(opened[k]) != 1 || open[k] != d {
					t.Errorf("local day %s: opened at %v, open %v in all; want once, for %v", k, opened[k], open[k], d)
				}
			}
			if got := opened[tt.day]; len(got) == 1 && !got[0].Equal(utc(tt.opens)) {
				t.Errorf("opened at %v on the day of the change, want %s", got[0], tt.opens)
			}
		})
	}
}

func keysOf(m map[string][]time.Time) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
