package console

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/estateview"
)

// filter is the overview's query string: every value checked, so that a
// filtered, sorted list works without JavaScript.
type filter struct {
	Q      string // name contains (case-insensitive)
	Show   string // all, unhealthy, healthy
	Cond   string // a condition type, with Status
	Status string // True, False, Unknown, - (never observed)
	Sort   string // name, not_ready, changed, rung
	Order  string // asc, desc
}

var (
	shows    = []string{"all", "unhealthy", "healthy"}
	statuses = []string{"True", "False", "Unknown", "-"}
	sorts    = []string{"name", "not_ready", "changed", "rung"}
	orders   = []string{"asc", "desc"}
)

// parseFilter reads and validates the overview's query.
func parseFilter(v url.Values) (filter, error) {
	f := filter{Q: v.Get("q"), Show: v.Get("show"), Cond: v.Get("cond"), Status: v.Get("status"),
		Sort: v.Get("sort"), Order: v.Get("order")}
	for k := range v {
		if !slices.Contains([]string{"q", "show", "cond", "status", "sort", "order"}, k) {
			return f, fmt.Errorf("unknown filter %s (want q, show, cond, status, sort, order)", clip(k))
		}
	}
	if len(f.Q) > 64 || strings.IndexFunc(f.Q, unicode.IsControl) >= 0 {
		return f, fmt.Errorf("q: at most 64 printable characters")
	}
	check := func(name, val string, allowed []string) error {
		if val != "" && !slices.Contains(allowed, val) {
			return fmt.Errorf("%s %s: want one of %s", name, clip(val), strings.Join(allowed, ", "))
		}
		return nil
	}
	for _, c := range []struct {
		name, val string
		allowed   []string
	}{{"show", f.Show, shows}, {"cond", f.Cond, estateview.ConditionTypes}, {"status", f.Status, statuses},
		{"sort", f.Sort, sorts}, {"order", f.Order, orders}} {
		if err := check(c.name, c.val, c.allowed); err != nil {
			return f, err
		}
	}
	if (f.Cond == "") != (f.Status == "") {
		return f, fmt.Errorf("cond and status go together (for example cond=PackagesReady&status=False)")
	}
	if f.Show == "" {
		f.Show = "all"
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	if f.Order == "" {
		f.Order = "asc"
		if f.Sort == "not_ready" || f.Sort == "changed" {
			f.Order = "desc"
		}
	}
	return f, nil
}

// keep reports whether s passes the filter.
func (f filter) keep(s *estateview.Server) bool {
	if !s.InScope || s.Name == "" {
		return false
	}
	if f.Q != "" && !strings.Contains(strings.ToLower(string(s.Name)), strings.ToLower(f.Q)) {
		return false
	}
	switch f.Show {
	case "unhealthy":
		if s.Healthy() {
			return false
		}
	case "healthy":
		if !s.Healthy() {
			return false
		}
	}
	if f.Cond != "" && dash(s.Condition(f.Cond).Status) != strings.Replace(f.Status, "-", "—", 1) {
		return false
	}
	return true
}

// order sorts servers in place, ties by name.
func (f filter) order(ss []*estateview.Server) {
	by := func(a, b *estateview.Server) int {
		switch f.Sort {
		case "not_ready":
			return cmp.Compare(a.NotReady, b.NotReady)
		case "changed":
			return a.Changed.Compare(b.Changed)
		case "rung":
			return cmp.Compare(a.Rung, b.Rung)
		}
		return 0
	}
	slices.SortStableFunc(ss, func(a, b *estateview.Server) int {
		c := by(a, b)
		if f.Order == "desc" {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.Key, b.Key)
		}
		return c
	})
}

// overviewPage is the data of the overview.
type overviewPage struct {
	page
	Filter     filter
	Conditions []string
	Shows      []string
	Statuses   []string
	Sorts      []string
	Servers    []*estateview.Server
	Passes     []*estateview.Pass
	Filtered   bool
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	snap := s.o.View.Snapshot()
	est := snap.Estate()
	var shown []*estateview.Server
	for _, sv := range snap.Servers() {
		if f.keep(sv) {
			shown = append(shown, sv)
		}
	}
	f.order(shown)
	s.render(w, http.StatusOK, "overview", overviewPage{
		page:   page{Title: "Estate", Nav: "overview", Version: est.Version, Live: "overview", Now: s.o.Clock.Now(), Estate: est},
		Filter: f, Conditions: estateview.ConditionTypes, Shows: shows, Statuses: statuses, Sorts: sorts,
		Servers: shown, Passes: snap.Passes(20), Filtered: r.URL.RawQuery != "",
	})
}

// clip keeps an untrusted value short for a message.
// clip quotes an untrusted value for an error message and bounds the
// quoted form, not the raw one: a control character quotes to four
// bytes or more, so 64 of them would still make a long message.
func clip(s string) string {
	const max = 66
	q := strconv.Quote(s)
	if len(q) <= max {
		return q
	}
	n := max
	for n > 0 && !utf8.RuneStart(q[n]) {
		n--
	}
	return q[:n] + "…"
}
