package console

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzOverviewFilter: any query string is either refused with a short
// message or gives a filter of known values; it never panics.
func FuzzOverviewFilter(f *testing.F) {
	for _, s := range []string{"", "show=unhealthy&sort=not_ready", "cond=PackagesReady&status=False", "q=PS0%00",
		"sort=evil", "cond=Stalled", "x=1", "q=" + strings.Repeat("a", 100), "order=desc&order=asc",
		strings.Repeat("\x1c", 80) + "=1", "sort=" + strings.Repeat("\x00", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseFilter(v)
		if err != nil {
			if len(err.Error()) > 300 || !utf8.ValidString(err.Error()) && utf8.ValidString(raw) {
				t.Fatalf("message %q", err)
			}
			return
		}
		if !contains(shows, flt.Show) || !contains(sorts, flt.Sort) || !contains(orders, flt.Order) || len(flt.Q) > 64 {
			t.Fatalf("accepted %+v from %q", flt, raw)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
