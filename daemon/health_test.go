package daemon

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/audit"
)

// fakeProber is a controller as the health endpoints see it.
type fakeProber struct {
	health audit.Health
	ready  bool
}

func (f fakeProber) JournalHealth() audit.Health { return f.health }
func (f fakeProber) Ready() bool                 { return f.ready }

func TestHealthEndpoints(t *testing.T) {
	broken := audit.Health{OK: false, Since: t0, Error: "journal truncated under us"}
	tests := []struct {
		name     string
		p        fakeProber
		wantLive int
		wantRdy  int
		wantBody string // in both bodies when not OK
	}{
		{"healthy and observed", fakeProber{audit.Health{OK: true}, true}, 200, 200, ""},
		{"healthy, no observation yet", fakeProber{audit.Health{OK: true}, false}, 200, 503, ""},
		{"journal cannot be written", fakeProber{broken, true}, 503, 503,
			"audit journal cannot be written since 2026-03-01T02:00:00Z: journal truncated under us"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, e := range []struct {
				path string
				h    http.HandlerFunc
				want int
			}{{"/healthz", Healthz(tt.p), tt.wantLive}, {"/readyz", Readyz(tt.p), tt.wantRdy}} {
				rec := httptest.NewRecorder()
				e.h(rec, httptest.NewRequest(http.MethodGet, e.path, nil))
				if rec.Code != e.want {
					t.Errorf("%s = %d %q, want %d", e.path, rec.Code, rec.Body.String(), e.want)
				}
				if tt.wantBody != "" && !strings.Contains(rec.Body.String(), tt.wantBody) {
					t.Errorf("%s body %q, want %q", e.path, rec.Body.String(), tt.wantBody)
				}
			}
		})
	}
}
