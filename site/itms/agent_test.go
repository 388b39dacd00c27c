package itms

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// Packages of the observe fixture.
var (
	pkgReady    = vocab.MustGUID("11111111-2222-3333-4444-000000000001") // current snapshot, Ready
	pkgStale    = vocab.MustGUID("11111111-2222-3333-4444-000000000002") // no snapshot, status Invalid
	pkgReparse  = vocab.MustGUID("11111111-2222-3333-4444-000000000003") // snapshot behind a junction
	pkgBadCode  = vocab.MustGUID("11111111-2222-3333-4444-000000000004") // unknown agent status code
	pkgDownload = vocab.MustGUID("11111111-2222-3333-4444-000000000005") // downloading (code 2), id in upper case
	pkgDeleted  = vocab.MustGUID("11111111-2222-3333-4444-000000000006") // PackageStatus.xml records Deleted
)

func enc(s string) *string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	return &e
}

// The folders the recorded locate_agent reply leads to: an agent installed
// on D:, and the KB's ProgramData folders.
var (
	recordedDeliveryRoots = []string{`D:\Program Files\Altiris\Altiris Agent\Package Delivery`,
		`C:\ProgramData\Symantec\Symantec Agent\Package Delivery`}
	recordedStatusRoots = []string{`D:\Program Files\Altiris\Altiris Agent\Package Server Agent\Package Status`,
		`D:\Program Files\Altiris\Altiris Agent\Package Server Agent\PackageStatus`,
		`C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\PackageStatus`,
		`C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\Package Status`}
)

// TestObserveAgentEndToEnd runs an observation against the fake WinRM
// server answering with the recorded replies: the folders are located
// first (once), then observed; the facts are golden.
func TestObserveAgentEndToEnd(t *testing.T) {
	f := newFakeWinRM(t, okAnswer(t))
	f.timeoutFirst = true
	env := newTestEnv()
	site := openAgainst(t, f, env)
	ctx := context.Background()
	asked := []vocab.GUID{pkgReady, pkgStale, pkgReparse, pkgBadCode, pkgDownload, pkgDeleted}
	facts, err := site.Agent(ctx, testHost, asked)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(facts, "", "  ")
	golden(t, "agent_facts.golden.json", append(got, '\n'))

	sent := f.sent()
	if len(sent) != 2 || sent[0].Op != "locate_agent" || sent[1].Op != "observe_agent" {
		t.Fatalf("scripts sent: %+v", sent)
	}
	params := sent[1].Params
	if !slices.Equal(anyStrings(params["delivery_roots"]), recordedDeliveryRoots) || !slices.Equal(anyStrings(params["status_roots"]), recordedStatusRoots) {
		t.Errorf("roots %v / %v", params["delivery_roots"], params["status_roots"])
	}
	first := params["packages"].([]any)[0].(map[string]any)
	if s := anyStrings(first["snapshots"]); s[0] != recordedDeliveryRoots[0]+`\{11111111-2222-3333-4444-000000000001}\snapshot.xml` {
		t.Errorf("snapshot paths %q", s)
	}
	if s := anyStrings(first["statuses"]); s[0] != recordedStatusRoots[0]+`\{11111111-2222-3333-4444-000000000001}\PackageStatus.xml` {
		t.Errorf("status paths %q", s)
	}
	// Two script runs, each a whole shell's life (the observation's
	// parameters may take more than one Send).
	seen := f.seenActions()
	if n := len(seen); n < 16 || seen[0] != "Create" || seen[n-2] != "Signal" || seen[n-1] != "Delete" ||
		slices.Index(seen, "Delete") == n-1 {
		t.Errorf("actions %q", seen)
	}
	logs := env.logs.String()
	for _, want := range []string{"package files left out", "reparse_point", "unknown agent package status code 9",
		"location discarded", "UNC paths are refused", "the Windows folder is never"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	assertNoSentinel(t, logs)

	// A second observation within the hour reuses the located folders.
	if _, err := site.Agent(ctx, testHost, asked); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sent()); n != 3 {
		t.Errorf("%d scripts after the second observation, want 3 (no second locate)", n)
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
