package console

import (
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/inbox"
)

// TestPagesShowAPause: a paused server's rung cell says so, with who and
// why as its title, and its page says who paused it and how to resume.
func TestPagesShowAPause(t *testing.T) {
	r, s := fixedEstate(t)
	req := inbox.Request{Type: audit.TypePause, Server: "PS004", Reason: "disk swap", At: r.Clock.Now()}
	if _, err := inbox.Submit(r.Policy.Audit.Path, req); err != nil {
		t.Fatal(err)
	}
	if err := r.Ctl.Ingest(r.Policy.Audit.Path); err != nil {
		t.Fatal(err)
	}
	r.Pass(2 * time.Minute)
	who := "paused by " + audit.CurrentActor().User
	over := bodyOf(t, get(t, s, "/"))
	i := strings.Index(over, `data-key="ps004"`)
	if i < 0 {
		t.Fatal("PS004 not in the overview")
	}
	row := over[i:]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `class="paused" title="`+who) || !strings.Contains(row, "disk swap") || !strings.Contains(row, "(paused)</td>") {
		t.Errorf("PS004's row does not show the pause:\n%s", row)
	}
	page := bodyOf(t, get(t, s, "/servers/PS004"))
	if !strings.Contains(page, `<strong class="paused">`+who) || !strings.Contains(page, "<code>reconciler resume</code> releases it") {
		t.Errorf("PS004's page does not show the pause")
	}
	if other := bodyOf(t, get(t, s, "/servers/PS003")); strings.Contains(other, `class="paused"`) {
		t.Error("PS003's page shows a pause it does not have")
	}
}
