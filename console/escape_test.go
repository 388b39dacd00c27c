package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/estateview/estatetest"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/vocab"
)

// hostile are what a CMDB row or an agent could put in a package name, an
// ACL principal or a log line: each must reach the page as text.
var hostile = []string{
	`<script>alert("pkg")</script>`,
	`"><img src=x onerror=alert(1)>`,
	`</td></tr></table><form action="https://evil.example/">`,
	`javascript:alert(1)`,
	`{{.}} ${x} <!-- -->`,
}

// hostileSite names every package and adds principals and log lines from
// hostile.
type hostileSite struct{ *sim.Site }

func (h hostileSite) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	i := 0
	return h.Site.InQuestion(ctx, func(r observed.RawRow) error {
		r.PackageName = hostile[i%len(hostile)]
		i++
		return fn(r)
	})
}

func (h hostileSite) Agent(ctx context.Context, s vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
	f, err := h.Site.Agent(ctx, s, pkgs)
	f.FullControl = append(f.FullControl, hostile...)
	f.LogSignatures = append(f.LogSignatures, hostile...)
	return f, err
}

func TestUntrustedValuesAreEscaped(t *testing.T) {
	r := estatetest.NewWrapped(t, estateScenario, estatePolicy, func(s *sim.Site) controller.Site {
		h := hostileSite{s}
		return controller.Site{CMDB: h, NS: s, Agents: h, Driver: s}
	})
	r.Pass(2 * time.Minute)
	s := newConsole(t, r)
	for _, target := range []string{"/", "/servers/PS003", "/servers/PS004", "/plan", "/journal"} {
		body := bodyOf(t, get(t, s, target))
		for _, v := range hostile {
			if strings.ContainsAny(v, "<>\"") && strings.Contains(body, v) {
				t.Errorf("%s holds %q unescaped", target, v)
			}
		}
		for _, raw := range []string{"<script>alert", "<img src=x", `<form action="https://evil`} {
			if strings.Contains(body, raw) {
				t.Errorf("%s holds markup from an untrusted value: %q", target, raw)
			}
		}
	}
	page := bodyOf(t, get(t, s, "/servers/PS004"))
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;pkg&#34;)&lt;/script&gt;") && !strings.Contains(page, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the server page does not show the hostile package name as text")
	}
	if !strings.Contains(page, "javascript:alert(1)") { // as text, never as a link
		t.Errorf("the hostile principal is not shown as text")
	}
	if strings.Contains(page, `href="javascript:`) {
		t.Error("a hostile value became a link")
	}
}
