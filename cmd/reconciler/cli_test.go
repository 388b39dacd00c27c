package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/clock"
)

// commandVerbs lists every verb of the commands that take one.
var commandVerbs = map[string][]string{
	"audit":   {"verify", "export"},
	"breaker": {"status", "reset"},
	"notify":  {"test"},
	"policy":  {"check"},
	"service": {"install", "uninstall", "start", "stop", "status"},
}

// TestHelpExitsZeroEverywhere: -h, -help and --help print a usage and
// exit 0 on every command and verb (a request for help is not an error).
func TestHelpExitsZeroEverywhere(t *testing.T) {
	var calls [][]string
	for name := range commands {
		calls = append(calls, []string{name})
		for _, v := range commandVerbs[name] {
			calls = append(calls, []string{name, v})
		}
	}
	calls = append(calls, nil)
	for _, call := range calls {
		for _, h := range []string{"-h", "-help", "--help"} {
			args := append(slices.Clone(call), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				res := runCLI(t, clock.NewFake(t0), args...)
				if res.code != exitOK {
					t.Errorf("exit %d, want 0; stderr:\n%s", res.code, res.stderr)
				}
				if !strings.Contains(strings.ToLower(res.stderr), "usage") {
					t.Errorf("no usage on stderr:\n%s", res.stderr)
				}
			})
		}
	}
}

// TestEveryVerbIsListed keeps commandVerbs honest: a verb not listed there
// is not covered by the help test.
func TestEveryVerbIsListed(t *testing.T) {
	for name, verbs := range commandVerbs {
		if _, ok := commands[name]; !ok {
			t.Errorf("commandVerbs names %q, which is no command", name)
		}
		for _, v := range verbs {
			if !slices.Contains(knownVerbs[name], v) {
				t.Errorf("%s %s is not in knownVerbs", name, v)
			}
		}
		if len(verbs) != len(knownVerbs[name]) {
			t.Errorf("%s: verbs %v, knownVerbs %v", name, verbs, knownVerbs[name])
		}
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"stauts"}, `unknown command "stauts" (did you mean status?)`},
		{[]string{"paln"}, `unknown command "paln" (did you mean plan?)`},
		{[]string{"verison"}, `unknown command "verison" (did you mean version?)`},
		{[]string{"xyzzy"}, `unknown command "xyzzy"`},
		{[]string{"policy", "chek"}, `unknown verb "chek" (did you mean check?)`},
		{[]string{"breaker", "rest"}, `unknown verb "rest" (did you mean reset?)`},
		{[]string{"audit", "verfy"}, `unknown verb "verfy" (did you mean verify?)`},
		{[]string{"audit", "--kind", "delete_ps_snapshto"}, `did you mean delete_ps_snapshot?`},
		{[]string{"audit", "--type", "intnet"}, `did you mean intent?`},
		{[]string{"status", "--jsno"}, `flag provided but not defined: -jsno (did you mean -json?)`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := runCLI(t, clock.NewFake(t0), append(tc.args, "--policy", "nonexistent.hcl")...)
			if res.code != exitError {
				t.Errorf("exit %d, want 1", res.code)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, res.stderr)
			}
			if tc.args[0] == "xyzzy" && strings.Contains(res.stderr, "did you mean") {
				t.Errorf("a suggestion for a word near nothing:\n%s", res.stderr)
			}
		})
	}
}

// TestGlobalFlagsBeforeTheCommand: --policy and --log-level may come
// before the command, as in `reconciler --policy p.hcl status`; a flag
// after the command wins.
func TestGlobalFlagsBeforeTheCommand(t *testing.T) {
	dir := t.TempDir()
	p := simPolicy(t, dir, "")
	clk := clock.NewFake(t0)
	for _, args := range [][]string{
		{"--policy", p, "policy", "check"},
		{"--policy=" + p, "--log-level", "error", "policy", "check"},
		{"-policy", p, "policy", "check"},
		{"--policy", "nonexistent.hcl", "policy", "check", "--policy", p},
	} {
		res := runCLI(t, clk, args...)
		if res.code != exitOK || !strings.Contains(res.stdout, ": valid (") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, res.code, res.stdout, res.stderr)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--policy"}, "flag needs an argument: --policy"},
		{[]string{"--polcy", p, "status"}, `unknown global flag "--polcy" (did you mean --policy?)`},
		{[]string{"--log-level", "loud", "--policy", p, "status"}, `--log-level "loud"`},
	} {
		res := runCLI(t, clk, tc.args...)
		if res.code != exitError || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", tc.args, res.code, res.stderr, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		res := runCLI(t, clock.NewFake(t0), args...)
		if res.code != exitOK || !strings.HasPrefix(res.stdout, "reconciler ") || !strings.Contains(res.stdout, "go1.") {
			t.Errorf("%q: exit %d, stdout %q", args, res.code, res.stdout)
		}
	}
	res := runCLI(t, clock.NewFake(t0), "version", "--json")
	if res.code != exitOK || !strings.Contains(res.stdout, `"go_version"`) {
		t.Errorf("version --json: exit %d, stdout %q", res.code, res.stdout)
	}
}

// TestHelpCitesTheRepositorysDesign: the help points at the design
// document the repository keeps (docs/design.md), not at a "DESIGN §"
// that is not in it.
func TestHelpCitesTheRepositorysDesign(t *testing.T) {
	res := runCLI(t, clock.NewFake(t0), "sim", "-h")
	if strings.Contains(res.stderr, "DESIGN") || !strings.Contains(res.stderr, "docs/design.md#11-scenarios-and-the-simulation-report") {
		t.Errorf("sim -h:\n%s", res.stderr)
	}
}
