package notify

import (
	"context"
	"encoding/json"
	"strings"
)

// slack posts to a Slack incoming webhook: a fallback text (shown in
// notifications) and Block Kit blocks (a header, the facts as fields, a
// context line). Slack answers 200 "ok".
type slack struct{ post *poster }

// Block Kit limits: a header's text, a section's fields and a field's
// text.
const (
	slackHeader     = 150
	slackFields     = 10
	slackFieldText  = 2000
	slackSectionTxt = 3000
)

type slackMessage struct {
	Text   string `json:"text"`
	Blocks []any  `json:"blocks"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackBody renders m.
func slackBody(m Message) ([]byte, error) {
	facts := m.Facts()
	var fields []slackText
	var rest []string
	for _, f := range facts {
		text := "*" + slackEscape(f.Name) + "*\n" + slackEscape(f.Value)
		if len(fields) < slackFields {
			fields = append(fields, slackText{Type: "mrkdwn", Text: clip(text, slackFieldText)})
			continue
		}
		rest = append(rest, "*"+slackEscape(f.Name)+"*: "+slackEscape(f.Value))
	}
	blocks := []any{
		slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: clip(m.Title(), slackHeader)}},
		slackBlock{Type: "section", Fields: fields},
	}
	if len(rest) > 0 {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: clip(strings.Join(rest, "\n"), slackSectionTxt)}})
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn",
		Text: slackEscape(m.footer())}}})
	return json.Marshal(slackMessage{Text: slackEscape(m.Title()), Blocks: blocks})
}

// Send posts m.
func (s *slack) Send(ctx context.Context, m Message) error {
	body, err := slackBody(m)
	if err != nil {
		return Permanent(err)
	}
	return s.post.post(ctx, body, nil)
}
