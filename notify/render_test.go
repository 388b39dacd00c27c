package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestRenderGolden pins what each receiver type is sent for an incident
// and a resolution: the Teams Workflows message with its Adaptive Card,
// the Slack Block Kit message, the generic webhook body and the mail text.
func TestRenderGolden(t *testing.T) {
	renders := []struct {
		name   string
		render func(Message) ([]byte, error)
	}{
		{"teams", teamsBody},
		{"slack", slackBody},
		{"webhook", webhookBody},
		{"email", func(m Message) ([]byte, error) {
			return []byte("Subject: " + emailSubject(m) + "\n\n" + emailText(m)), nil
		}},
	}
	msgs := map[string]Message{"firing": sampleFiring(), "resolved": sampleResolved()}
	for _, r := range renders {
		for name, m := range msgs {
			t.Run(r.name+"-"+name, func(t *testing.T) {
				b, err := r.render(m)
				if err != nil {
					t.Fatal(err)
				}
				ext := ".txt"
				if r.name != "email" {
					ext = ".json"
					var out bytes.Buffer
					if err := json.Indent(&out, b, "", "  "); err != nil {
						t.Fatalf("not JSON: %v", err)
					}
					b = append(out.Bytes(), '\n')
				}
				golden(t, filepath.Join("testdata", r.name+"-"+name+ext), b)
			})
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (go test ./notify -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./notify -update to accept):\n%s", path, got)
	}
}

// TestTeamsCardShape checks the parts of the Workflows format that Teams
// requires, independently of the golden.
func TestTeamsCardShape(t *testing.T) {
	b, _ := teamsBody(sampleFiring())
	var m struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string  `json:"contentType"`
			ContentURL  *string `json:"contentUrl"`
			Content     struct {
				Type    string `json:"type"`
				Version string `json:"version"`
				Body    []map[string]any
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "message" || len(m.Attachments) != 1 {
		t.Fatalf("message %+v: want type message with one attachment", m)
	}
	a := m.Attachments[0]
	if a.ContentType != "application/vnd.microsoft.card.adaptive" || a.ContentURL != nil || a.Content.Type != "AdaptiveCard" || len(a.Content.Body) == 0 {
		t.Errorf("attachment %+v: want an Adaptive Card", a)
	}
	if !bytes.Contains(b, []byte(`"contentUrl":null`)) {
		t.Errorf("contentUrl must be present and null: %s", b)
	}
}

// TestSlackEscapes: text from the site cannot inject Slack markup (a link
// or a mention).
func TestSlackEscapes(t *testing.T) {
	ev := PolicyRejectedEvent(t0, "p.hcl", "<!channel> see <https://evil.example|here> & more")
	b, _ := slackBody(newMessage("s", Firing, ev, nil))
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	text, _ := json.Marshal(v)
	plain := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(text))
	if strings.Contains(plain, "<!channel>") || strings.Contains(plain, "<https://evil") {
		t.Errorf("markup not escaped: %s", plain)
	}
	if !strings.Contains(plain, "&lt;!channel&gt;") {
		t.Errorf("want the text escaped: %s", plain)
	}
}

// TestChatAnswers: how Teams and Slack answers are taken, over https
// through the receivers built from their configs (URL from a file).
func TestChatAnswers(t *testing.T) {
	tests := []struct {
		typ       string
		status    int
		body      string
		header    string
		permanent bool
		ok        bool
		after     time.Duration
	}{
		{typ: TypeTeams, status: http.StatusAccepted, ok: true},
		{typ: TypeSlack, status: http.StatusOK, body: "ok", ok: true},
		{typ: TypeSlack, status: http.StatusNotFound, body: "no_service", permanent: true},
		{typ: TypeSlack, status: http.StatusBadRequest, body: "invalid_payload", permanent: true},
		{typ: TypeTeams, status: http.StatusTooManyRequests, header: "120", after: 2 * time.Minute},
		{typ: TypeTeams, status: http.StatusBadGateway},
		{typ: TypeSlack, status: http.StatusFound, permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"-"+http.StatusText(tt.status), func(t *testing.T) {
			var got []byte
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, _ = io.ReadAll(r.Body)
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				if tt.status == http.StatusFound {
					w.Header().Set("Location", "https://elsewhere.example/")
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			urlFile := filepath.Join(t.TempDir(), "url")
			secretURL := srv.URL + "/services/T0001/B0002/SENTINELtoken0123456789"
			os.WriteFile(urlFile, []byte(secretURL+"\n"), 0o600)
			c := Defaults("chat", tt.typ)
			c.URLFile, c.CAFile = urlFile, caFileOf(t, srv)
			r, err := BuildOne(c, BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !slicesContain(r.Secrets, secretURL) || !slicesContain(r.Secrets, "SENTINELtoken0123456789") {
				t.Errorf("secrets %q: want the URL and its token", r.Secrets)
			}
			err = r.Sender.Send(context.Background(), sampleFiring())
			if (err == nil) != tt.ok || IsPermanent(err) != tt.permanent || retryAfterOf(err) != tt.after {
				t.Errorf("err = %v (permanent %v, retry after %s)", err, IsPermanent(err), retryAfterOf(err))
			}
			if err != nil && strings.Contains(err.Error(), "SENTINEL") {
				t.Errorf("error %q holds the URL's token", err)
			}
			if !json.Valid(got) {
				t.Errorf("posted %q: not JSON", got)
			}
		})
	}
}

// TestURLNeverInErrors: a transport failure does not repeat the URL.
func TestURLNeverInErrors(t *testing.T) {
	c := Defaults("chat", TypeSlack)
	c.URLEnv, c.AllowHTTP = "SLACK_URL", true
	secretURL := "http://127.0.0.1:1/services/T1/B1/SENTINELtoken0123456789"
	r, err := BuildOne(c, BuildOptions{Getenv: env("SLACK_URL", secretURL)})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Sender.Send(context.Background(), sampleFiring())
	if err == nil || strings.Contains(err.Error(), "SENTINEL") || strings.Contains(err.Error(), "/services/") {
		t.Errorf("err = %v: want a failure that does not name the URL", err)
	}
}
