package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/estateview"
)

// pageNames are the pages; each is parsed with layout.html.
var pageNames = []string{"overview", "server", "plan", "journal", "error"}

var funcs = template.FuncMap{
	"stamp":    stamp,
	"iso":      iso,
	"dur":      dur,
	"dash":     dash,
	"statusOf": statusOf,
	"condShort": func(t string) string {
		if s, ok := condShort[t]; ok {
			return s
		}
		return t
	},
	"join": strings.Join,
	"plus": func(a, b int) int { return a + b },
}

// condShort are the column titles of the conditions.
var condShort = map[string]string{"Reachable": "Reachable", "CredentialApplied": "Credential",
	"AclInPlace": "ACL", "PackagesReady": "Packages", estateview.Stalled: "Stalled"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, n := range pageNames {
		t, err := template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		out[n] = t
	}
	return out, nil
}

// page is what every page's layout needs.
type page struct {
	Title   string
	Nav     string // which nav entry is current
	Version uint64 // the view version the page shows (for live updates)
	Live    string // what live updates do on this page: overview, server, note
	Key     string // the server key on a server page
	Now     time.Time
	Estate  estateview.Estate
}

// render writes page name with data, buffered so that a template error
// becomes a 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.o.Logger.Error("console: render", "page", name, "error", err)
		http.Error(w, "the page could not be rendered (see the daemon's log)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct {
	page
	Status  int
	Message string
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	est := s.o.View.Snapshot().Estate()
	s.render(w, status, "error", errorPage{page: page{Title: http.StatusText(status), Now: s.o.Clock.Now(),
		Estate: est, Version: est.Version, Live: "note"}, Status: status, Message: msg})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.fail(w, r, http.StatusNotFound, msg)
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	s.fail(w, r, http.StatusBadRequest, msg)
}

// stamp formats a time for people: UTC to the second, "—" when unknown.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// iso is the machine form of a time (for <time datetime>), "" when zero.
func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func dur(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return d.String()
}

// dash shows "—" for an empty value.
func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// statusOf is a condition's status for a cell: "—" when never observed.
func statusOf(c estateview.Condition) string { return dash(c.Status) }
