package layout

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/itms-tools/reconciler"

// graph maps each of the module's packages (short path: "actions/planner")
// to the module packages it imports directly, and its standard imports,
// as the build for goos sees them (tests excluded).
type graph struct {
	ours map[string][]string
	std  map[string][]string
}

func load(t *testing.T, goos string) graph {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx := build.Default
	ctx.GOOS = goos
	ctx.BuildTags = append(ctx.BuildTags, "crashtest")
	g := graph{ours: map[string][]string{}, std: map[string][]string{}}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if n := d.Name(); path != root && (n == "testdata" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "node_modules") {
			return filepath.SkipDir
		}
		p, err := ctx.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files for this GOOS
		}
		rel, _ := filepath.Rel(root, path)
		name := filepath.ToSlash(rel)
		g.ours[name] = nil
		for _, imp := range p.Imports {
			if short, ok := strings.CutPrefix(imp, module+"/"); ok {
				g.ours[name] = append(g.ours[name], short)
			} else if !strings.Contains(imp, ".") {
				g.std[name] = append(g.std[name], imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g.ours["actions/planner"]; !ok {
		t.Fatalf("walked %s but found no actions/planner", root)
	}
	return g
}

// deps is every module package p reaches, sorted.
func (g graph) deps(p string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(q string) {
		for _, d := range g.ours[q] {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(p)
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// under reports whether package p is pkg or beneath it.
func under(p, pkg string) bool { return p == pkg || strings.HasPrefix(p, pkg+"/") }

func matchAny(p string, pkgs []string) bool {
	return slices.ContainsFunc(pkgs, func(q string) bool { return under(p, q) })
}

// drivers are the packages that touch a site.
var drivers = []string{"site/itms", "site/sim"}

// wiring may import both a driver and the controller: it assembles them.
var wiring = []string{"cmd", "siteopen", "simulate", "estateview/estatetest", "bench", "e2e"}

func TestLayout(t *testing.T) {
	for _, goos := range []string{"linux", "windows"} {
		t.Run(goos, func(t *testing.T) {
			for _, v := range violations(load(t, goos)) {
				t.Error(v)
			}
		})
	}
}

// violations lists every broken import rule of g.
func violations(g graph) []string {
	var vs []string
	vs = append(vs, noneReached(g, "actions/planner", []string{"clock", "crashpoint", "audit", "controller",
		"actions/apply", "site", "siteopen", "notify", "leader", "winsvc", "httpserve"})...)
	vs = append(vs, noStd(g, "actions/planner", []string{"os", "os/exec", "net", "net/http", "io/fs",
		"path/filepath", "syscall", "log/slog", "math/rand", "math/rand/v2", "crypto/rand"})...)
	vs = append(vs, only(g, "actions", []string{"vocab"})...)
	for _, p := range []string{"policy", "guard", "audit", "site/itms", "site/sim"} {
		vs = append(vs, noneReached(g, p, []string{"actions/planner", "actions/apply", "controller"})...)
	}
	// The daemon assembles the controller, its journal and HTTP; the
	// command opens the site and hands it in (§17).
	vs = append(vs, noneReached(g, "daemon", append([]string{"siteopen"}, drivers...))...)
	return append(vs, wiringOnly(g)...)
}

// noneReached: p reaches none of the forbidden packages (or below them).
func noneReached(g graph, p string, forbidden []string) []string {
	var vs []string
	for _, d := range g.deps(p) {
		if matchAny(d, forbidden) {
			vs = append(vs, p+" reaches "+d+" ("+strings.Join(g.path(p, d), " → ")+")")
		}
	}
	return vs
}

// noStd: p imports none of the standard packages that do I/O, log or
// draw randomness.
func noStd(g graph, p string, forbidden []string) []string {
	var vs []string
	for _, s := range g.std[p] {
		if slices.Contains(forbidden, s) {
			vs = append(vs, p+" imports "+s)
		}
	}
	return vs
}

// only: p imports no module package but those allowed.
func only(g graph, p string, allowed []string) []string {
	var vs []string
	for _, d := range g.ours[p] {
		if !slices.Contains(allowed, d) {
			vs = append(vs, p+" imports "+d+"; of ours it may import only "+strings.Join(allowed, ", "))
		}
	}
	return vs
}

// wiringOnly: no package but the wiring imports both a driver and the
// controller.
func wiringOnly(g graph) []string {
	var vs []string
	for p, imps := range g.ours {
		if matchAny(p, wiring) {
			continue
		}
		drv := slices.ContainsFunc(imps, func(q string) bool { return matchAny(q, drivers) })
		if drv && slices.Contains(imps, "controller") {
			vs = append(vs, p+" imports both a driver and the controller; only the wiring may ("+strings.Join(wiring, ", ")+")")
		}
	}
	sort.Strings(vs)
	return vs
}

// path is one import chain from p to d.
func (g graph) path(p, d string) []string {
	prev := map[string]string{p: ""}
	queue := []string{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if q == d {
			var out []string
			for ; q != ""; q = prev[q] {
				out = append([]string{q}, out...)
			}
			return out
		}
		for _, n := range g.ours[q] {
			if _, ok := prev[n]; !ok {
				prev[n] = q
				queue = append(queue, n)
			}
		}
	}
	return []string{p, "…", d}
}

// TestLayoutCatchesViolations: each rule fails on a graph that breaks it,
// so a green TestLayout means something.
func TestLayoutCatchesViolations(t *testing.T) {
	g := graph{ours: map[string][]string{
		"actions/planner": {"actions", "observed"},
		"observed":        {"clock"},
		"clock":           nil,
		"actions":         {"vocab", "clock"},
		"guard":           {"actions/apply"},
		"console":         {"site/sim", "controller"},
		"siteopen":        {"site/itms", "controller"},
		"daemon":          {"controller", "siteopen"},
	}, std: map[string][]string{"actions/planner": {"os", "time"}}}
	want := []string{
		"actions/planner reaches clock (actions/planner → actions → clock)",
		"actions/planner imports os",
		"actions imports clock; of ours it may import only vocab",
		"guard reaches actions/apply (guard → actions/apply)",
		"daemon reaches siteopen (daemon → siteopen)",
		"daemon reaches site/itms (daemon → siteopen → site/itms)",
		"console imports both a driver and the controller; only the wiring may (" + strings.Join(wiring, ", ") + ")",
	}
	got := violations(g)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("violations lack %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}
