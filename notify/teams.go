package notify

import (
	"context"
	"encoding/json"
)

// teams posts an Adaptive Card to a Microsoft Teams Workflows webhook
// (the "When a Teams webhook request is received" trigger, e.g. the
// template "Post to a channel when a webhook request is received"). The
// body is a message whose attachments hold one card of content type
// application/vnd.microsoft.card.adaptive, the format Microsoft documents
// for sending Adaptive Cards to webhooks; Workflows accept Adaptive Cards
// only, not the retired Office 365 connector MessageCard.
type teams struct{ post *poster }

// Limits that keep a card well under Teams' 28 KB message limit.
const (
	teamsFacts     = 24
	teamsFactValue = 1000
)

type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	ContentURL  *string   `json:"contentUrl"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string `json:"$schema"`
	Type    string `json:"type"`
	Version string `json:"version"`
	Body    []any  `json:"body"`
}

type teamsText struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Spacing  string `json:"spacing,omitempty"`
	Wrap     bool   `json:"wrap"`
}

type teamsFactSet struct {
	Type  string      `json:"type"`
	Facts []teamsFact `json:"facts"`
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// teamsColor is the title's colour: good for a resolution, attention for
// critical, warning for warning.
func teamsColor(m Message) string {
	switch {
	case m.Status == Resolved:
		return "Good"
	case m.Event.Severity == Critical:
		return "Attention"
	case m.Event.Severity == Warning:
		return "Warning"
	}
	return "Default"
}

// teamsBody renders m as a Workflows message with one Adaptive Card.
func teamsBody(m Message) ([]byte, error) {
	var facts []teamsFact
	for _, f := range m.Facts() {
		if len(facts) == teamsFacts {
			break
		}
		facts = append(facts, teamsFact{Title: f.Name, Value: clip(f.Value, teamsFactValue)})
	}
	card := teamsCard{
		Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
		Body: []any{
			teamsText{Type: "TextBlock", Text: clip(m.Title(), 300), Weight: "Bolder", Size: "Medium", Color: teamsColor(m), Wrap: true},
			teamsText{Type: "TextBlock", Text: m.footer(), IsSubtle: true, Spacing: "None", Wrap: true},
			teamsFactSet{Type: "FactSet", Facts: facts},
		},
	}
	return json.Marshal(teamsMessage{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive", Content: card}}})
}

// Send posts m.
func (t *teams) Send(ctx context.Context, m Message) error {
	body, err := teamsBody(m)
	if err != nil {
		return Permanent(err)
	}
	return t.post.post(ctx, body, nil)
}
