package policy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

// TestLoadGolden decodes the valid policies under testdata/valid and
// compares every decoded value and default with a golden dump.
func TestLoadGolden(t *testing.T) {
	for _, name := range []string{"itms", "itms-defaults", "minimal"} {
		t.Run(name, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join("testdata", "valid"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Load(filepath.Join(dir, name+".hcl"))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			golden(t, filepath.Join(dir, name+".golden"), dump(p, dir))
		})
	}
}

// TestLoadRepoPolicy keeps the repository's default policy valid and
// pointed at the simulated site.
func TestLoadRepoPolicy(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(filepath.Join(root, "policy.hcl"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"mode", p.Mode, Enforce},
		{"site", p.Site.Kind, SiteSim},
		{"dir", p.Site.Sim.Dir, filepath.Join(root, "demo-site")},
		{"scenario", p.Site.Sim.Scenario, "demo"},
		{"credential", p.Credential, vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}},
		{"schedule", p.Reconcile.Schedule, "@every 1m"},
		{"grace", p.Reconcile.PendingGrace, 10 * time.Minute},
		{"concurrency", p.Reconcile.Concurrency, 8},
		{"cap", p.Reconcile.MaxServersPerPass, 25},
		{"limits", len(p.Limits), 3},
		{"windows", len(p.Windows), 0},
		{"approve", len(p.Approve), 0},
		{"audit", p.Audit.Path, filepath.Join(root, "demo-site", "audit.jsonl")},
		{"listen", p.HTTP.Listen, "127.0.0.1:9464"},
		{"dry run", p.DryRun(actions.DeleteNSSnapshot), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestRepoPolicyExamples uncomments the approve and window examples of the
// repository's policy and checks that they are valid, so that they do not
// rot.
func TestRepoPolicyExamples(t *testing.T) {
	file, err := filepath.Abs(filepath.Join("..", "policy.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		for _, prefix := range []string{"# approve", "# window", "#   ", "# }"} {
			if strings.HasPrefix(l, prefix) {
				lines[i] = strings.TrimPrefix(l, "# ")
			}
		}
	}
	p, err := Parse([]byte(strings.Join(lines, "\n")), file)
	if err != nil {
		t.Fatalf("examples uncommented: %v", err)
	}
	if len(p.Windows) != 1 || len(p.Approve) != 1 {
		t.Fatalf("got %d windows and %d approvals, want 1 and 1", len(p.Windows), len(p.Approve))
	}
	w := p.Windows[0]
	if w.Location.String() != "Europe/Paris" || !slices.Equal(w.Deny, []actions.Kind{actions.SetCredentialMode}) {
		t.Errorf("window %+v: want deny set_credential_mode in Europe/Paris", w)
	}
}

// TestParsePaths checks that relative paths resolve against the policy's
// folder and absolute ones are kept.
func TestParsePaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc")
	abs := filepath.Join(t.TempDir(), "elsewhere")
	tests := []struct {
		name, src string
		get       func(*Policy) string
		want      string
	}{
		{"sim dir", `dir = "site"`, func(p *Policy) string { return p.Site.Sim.Dir }, filepath.Join(dir, "site")},
		{"sim dir parent", `dir = "../site"`, func(p *Policy) string { return p.Site.Sim.Dir }, filepath.Join(filepath.Dir(dir), "site")},
		{"sim dir absolute", `dir = "` + filepath.ToSlash(abs) + `"`, func(p *Policy) string { return p.Site.Sim.Dir }, abs},
		{"scenario file", "dir = \"s\"\nscenario = \"scenarios/mixed.json\"", func(p *Policy) string { return p.Site.Sim.Scenario }, filepath.Join(dir, "scenarios", "mixed.json")},
		{"scenario name", "dir = \"s\"\nscenario = \"healthy\"", func(p *Policy) string { return p.Site.Sim.Scenario }, "healthy"},
		{"audit default", `dir = "s"`, func(p *Policy) string { return p.Audit.Path }, filepath.Join(dir, "audit.jsonl")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "site \"sim\" {\n" + tt.src + "\n}\ncredential { mode = \"anonymous\" }\n"
			p, err := Parse([]byte(src), filepath.Join(dir, "policy.hcl"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := tt.get(p); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLoadMissingFile names the path in the error.
func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.hcl")
	_, err := Load(path)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Load: got %T %v, want *Error", err, err)
	}
	if len(pe.Diags) != 1 || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q: want one diagnostic naming %s", err, path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %q: errors.Is(err, fs.ErrNotExist) is false", err)
	}
}
