package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/itms-tools/reconciler/clock"
)

// webhook posts the generic JSON body, signed (see sign.go).
type webhook struct {
	post   *poster
	secret []byte
	clock  clock.Clock
}

// WebhookBody is the JSON a generic webhook receives. Version grows only
// when a member changes meaning; new members may appear at any time.
type WebhookBody struct {
	Version  int               `json:"version"`
	ID       string            `json:"id"`
	Receiver string            `json:"receiver"`
	Status   Status            `json:"status"`
	Kind     Kind              `json:"kind"`
	Severity string            `json:"severity"`
	Key      string            `json:"key"`
	Subject  Subject           `json:"subject"`
	Summary  string            `json:"summary"`
	Details  map[string]string `json:"details,omitempty"`
	Time     time.Time         `json:"time"`
	// Incident is what a resolution closes.
	Incident *WebhookIncident `json:"incident,omitempty"`
}

// WebhookIncident is the incident a resolution closes.
type WebhookIncident struct {
	Kind     Kind      `json:"kind"`
	Severity string    `json:"severity"`
	Summary  string    `json:"summary"`
	Time     time.Time `json:"time"`
}

// webhookBody renders m.
func webhookBody(m Message) ([]byte, error) {
	e := m.Event
	b := WebhookBody{Version: 1, ID: m.ID, Receiver: m.Receiver, Status: m.Status, Kind: e.Kind,
		Severity: e.Severity.String(), Key: e.DedupeKey(), Subject: e.Subject, Summary: e.Summary,
		Details: e.Details, Time: e.Time.UTC()}
	if in := m.Incident; in != nil {
		b.Incident = &WebhookIncident{Kind: in.Kind, Severity: in.Severity.String(), Summary: in.Summary, Time: in.Time.UTC()}
	}
	return json.Marshal(b)
}

// Send posts m with a fresh timestamp and its signature.
func (w *webhook) Send(ctx context.Context, m Message) error {
	body, err := webhookBody(m)
	if err != nil {
		return Permanent(err)
	}
	ts := strconv.FormatInt(w.clock.Now().Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, Sign(w.secret, ts, body))
	h.Set(HeaderDelivery, m.ID)
	h.Set(HeaderEvent, string(m.Event.Kind))
	return w.post.post(ctx, body, h)
}
