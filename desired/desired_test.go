package desired_test

import (
	"path"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/desired"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

var (
	t0  = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	acc = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}
)

// globs is a Scope like policy.Scope: include globs (all when empty),
// exclude globs winning, case-insensitive.
type globs struct{ include, exclude []string }

func (g globs) Match(h vocab.Host) bool {
	anyMatch := func(ps []string) bool {
		for _, p := range ps {
			if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(string(h))); ok {
				return true
			}
		}
		return false
	}
	return (len(g.include) == 0 || anyMatch(g.include)) && !anyMatch(g.exclude)
}

func TestInScope(t *testing.T) {
	tests := []struct {
		name  string
		scope desired.Scope
		host  vocab.Host
		want  bool
	}{
		{"nil scope", nil, "PS001", true},
		{"include", globs{include: []string{"ps*"}}, "PS001", true},
		{"not included", globs{include: []string{"ps*"}}, "SITE01", false},
		{"excluded", globs{include: []string{"ps*"}, exclude: []string{"PS00[12]"}}, "ps002", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := desired.New(acc, tt.scope, time.Hour)
			if got := s.InScope(tt.host); got != tt.want {
				t.Errorf("InScope(%s) = %v; want %v", tt.host, got, tt.want)
			}
			if got := s.For(tt.host).InScope; got != tt.want {
				t.Errorf("For(%s).InScope = %v; want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestFor(t *testing.T) {
	tests := []struct {
		name        string
		cred        vocab.Credential
		account     string
		applied     vocab.Credential
		applies     bool
		fullControl []string
		aclOK       bool
	}{
		{"acc", acc, acc.Account, vocab.Credential{Mode: vocab.ACC, Account: `corp\SVC-ITMS-ACC`}, true,
			[]string{"SYSTEM", `corp\svc-itms-acc`}, true},
		{"acc lacks full control", acc, acc.Account, acc, true, []string{"SYSTEM", "Administrators"}, false},
		{"acc not applied", acc, acc.Account, vocab.Credential{Mode: vocab.Anonymous}, false, nil, false},
		{"appid other account", vocab.Credential{Mode: vocab.AppID, Account: `CORP\app`}, `CORP\app`,
			vocab.Credential{Mode: vocab.AppID, Account: `CORP\other`}, false, []string{`CORP\app`}, true},
		{"anonymous", vocab.Credential{Mode: vocab.Anonymous, Account: "ignored"}, "",
			vocab.Credential{Mode: vocab.Anonymous}, true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := desired.New(tt.cred, nil, time.Hour).For("PS001")
			if s.Name != "PS001" || s.Account != tt.account || s.PendingGrace != time.Hour {
				t.Errorf("For = %+v", s)
			}
			if got := s.CredentialApplied(tt.applied); got != tt.applies {
				t.Errorf("CredentialApplied(%s) = %v; want %v", tt.applied, got, tt.applies)
			}
			if got := s.ACLInPlace(tt.fullControl); got != tt.aclOK {
				t.Errorf("ACLInPlace(%v) = %v; want %v", tt.fullControl, got, tt.aclOK)
			}
		})
	}
}

func TestNSInSync(t *testing.T) {
	s := desired.New(acc, nil, 0)
	if !s.NSInSync(observed.NSState{Credential: vocab.Credential{Mode: vocab.ACC, Account: `corp\svc-itms-acc`}}) {
		t.Error("same credential, other case: not in sync")
	}
	if s.NSInSync(observed.NSState{Credential: vocab.Credential{Mode: vocab.Anonymous}}) {
		t.Error("anonymous NS in sync with an acc policy")
	}
}

func TestJudge(t *testing.T) {
	const grace = 30 * time.Minute
	srv := desired.New(acc, nil, grace).For("PS001")
	p := func(st vocab.Status, version string, since time.Time) observed.Pair {
		return observed.Pair{Server: "PS001", Status: st, Version: version, PackageVersion: "3", Since: since}
	}
	tests := []struct {
		name string
		pair observed.Pair
		want desired.Verdict
	}{
		{"ready", p(vocab.Ready, "3", time.Time{}), desired.PairReady},
		{"ready old version", p(vocab.Ready, "2", time.Time{}), desired.PairNotReady},
		{"invalid", p(vocab.Invalid, "3", time.Time{}), desired.PairNotReady},
		{"pending, age unknown", p(vocab.Pending, "", time.Time{}), desired.PairInGrace},
		{"pending, young", p(vocab.Pending, "", t0.Add(-29*time.Minute)), desired.PairInGrace},
		{"pending, at grace", p(vocab.Pending, "", t0.Add(-grace)), desired.PairNotReady},
		{"retrying, old", p(vocab.RetryingDownload, "", t0.Add(-2*time.Hour)), desired.PairNotReady},
		{"download pending, young", p(vocab.DownloadPending, "", t0.Add(-time.Minute)), desired.PairInGrace},
		{"unknown status", p("Corrupt", "3", time.Time{}), desired.PairNotReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := srv.Judge(tt.pair, t0); got != tt.want {
				t.Errorf("Judge = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[desired.Verdict]string{
		desired.PairReady: "ready", desired.PairInGrace: "in_grace", desired.PairNotReady: "not_ready", 7: "unknown",
	} {
		if got := v.String(); got != want {
			t.Errorf("%d.String() = %q; want %q", v, got, want)
		}
	}
}
