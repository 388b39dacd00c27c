package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/itms-tools/reconciler/notify"
)

// Notifications holds the settings shared by every receiver.
type Notifications struct {
	// CMDBUnreadableAfter is how long the CMDB must stay unreadable before
	// cmdb_unreadable is sent.
	CMDBUnreadableAfter time.Duration
	// DrainTimeout bounds how long a stopping daemon lets receivers finish
	// their queues.
	DrainTimeout time.Duration
}

const (
	defaultCMDBUnreadableAfter = 15 * time.Minute
	defaultDrainTimeout        = 10 * time.Second
)

var notificationsSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "cmdb_unreadable_after"}, {Name: "drain_timeout"},
}}

// notifications decodes the shared settings.
func (d *decoder) notifications(b *hcl.Block) Notifications {
	n := Notifications{CMDBUnreadableAfter: defaultCMDBUnreadableAfter, DrainTimeout: defaultDrainTimeout}
	if b == nil {
		return n
	}
	at := d.content(b.Body, notificationsSchema).Attributes
	d.duration(at, "cmdb_unreadable_after", &n.CMDBUnreadableAfter, false)
	d.duration(at, "drain_timeout", &n.DrainTimeout, false)
	return n
}

// Attributes of a notify block: those of every type, then per type.
var (
	notifyCommon = []string{"type", "events", "min_severity", "rate", "ca_file", "timeout",
		"max_attempts", "backoff_base", "backoff_cap", "queue"}
	notifyByType = map[string][]string{
		notify.TypeWebhook: {"url", "url_env", "url_file", "secret_env", "secret_file", "allow_http"},
		notify.TypeTeams:   {"url_env", "url_file", "allow_http"},
		notify.TypeSlack:   {"url_env", "url_file", "allow_http"},
		notify.TypeEmail:   {"host", "port", "from", "to", "username", "secret_env", "secret_file", "tls", "allow_plaintext"},
	}
	notifySchema = func() *hcl.BodySchema {
		names := slices.Clone(notifyCommon)
		for _, t := range notify.Types {
			for _, n := range notifyByType[t] {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
		s := &hcl.BodySchema{}
		for _, n := range names {
			s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
		}
		return s
	}()
)

// notifiers decodes the notify blocks in file order; names are unique.
func (d *decoder) notifiers(blocks hcl.Blocks) []notify.Config {
	var out []notify.Config
	seen := map[string]*hcl.Block{}
	for _, b := range blocks {
		name := b.Labels[0]
		before := len(d.diags)
		switch {
		case !validReceiverName(name):
			d.fail(b.LabelRanges[0], "Invalid receiver name",
				`A notify block's name is 1 to 64 letters, digits, '-', '_' or '.', e.g. notify "ops-teams"; got %q.`, clip(name))
		case seen[name] != nil:
			d.fail(b.LabelRanges[0], "Duplicate receiver",
				"Receiver names are unique; %q is already defined at %s.", clip(name), position(&seen[name].DefRange))
		default:
			seen[name] = b
		}
		c, ok := d.receiver(b)
		if ok && !d.diags[before:].HasErrors() {
			out = append(out, c)
		}
	}
	return out
}

func validReceiverName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && (c < '0' || c > '9') && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// receiver decodes one notify block.
func (d *decoder) receiver(b *hcl.Block) (notify.Config, bool) {
	at := d.content(b.Body, notifySchema).Attributes
	if !d.require(at, "type", b, `the kind of receiver: "webhook", "teams", "slack" or "email"`) {
		return notify.Config{}, false
	}
	var typ string
	a := attr(d, at, "type", &typ)
	if a == nil {
		return notify.Config{}, false
	}
	if !slices.Contains(notify.Types, typ) {
		d.fail(a.Expr.Range(), "Unknown receiver type",
			`type is "webhook" (a signed JSON POST), "teams" (a Teams Workflows webhook), "slack" (a Slack incoming webhook) or "email" (SMTP); got %q.`, clip(typ))
		return notify.Config{}, false
	}
	if !d.onlyFor(at, typ) {
		return notify.Config{}, false
	}
	c := notify.Defaults(b.Labels[0], typ)
	d.receiverCommon(at, b, &c)
	switch typ {
	case notify.TypeEmail:
		d.emailReceiver(at, b, &c)
	default:
		d.urlReceiver(at, b, &c)
	}
	return c, true
}

// onlyFor reports attributes that the receiver type does not take.
func (d *decoder) onlyFor(at hcl.Attributes, typ string) bool {
	ok := true
	allowed := append(slices.Clone(notifyCommon), notifyByType[typ]...)
	for _, name := range sortedAttrs(at) {
		if slices.Contains(allowed, name) {
			continue
		}
		a := at[name]
		ok = false
		if name == "url" && (typ == notify.TypeTeams || typ == notify.TypeSlack) {
			d.fail(a.NameRange, "Webhook URL in the policy",
				"A %s webhook URL carries its own token: whoever reads the policy could post to the channel. "+
					"Put it in an environment variable (url_env) or a file readable by the service only (url_file).", typ)
			continue
		}
		d.fail(a.NameRange, "Unsupported argument",
			"An argument named %q is not expected in a %s receiver; it takes %s.", name, typ, strings.Join(allowed, ", "))
	}
	return ok
}

func sortedAttrs(at hcl.Attributes) []string {
	names := make([]string, 0, len(at))
	for n := range at {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return at[a].Range.Start.Byte - at[b].Range.Start.Byte })
	return names
}

// receiverCommon decodes the filters and the delivery tuning.
func (d *decoder) receiverCommon(at hcl.Attributes, b *hcl.Block, c *notify.Config) {
	c.Events = d.eventKinds(at)
	var sev string
	if a := attr(d, at, "min_severity", &sev); a != nil {
		s, err := notify.ParseSeverity(sev)
		if err != nil {
			d.fail(a.Expr.Range(), "Invalid severity", `min_severity is "info", "warning" or "critical"; got %q.`, clip(sev))
		}
		c.MinSeverity = s
	}
	var rate string
	if a := attr(d, at, "rate", &rate); a != nil {
		r, err := notify.ParseRate(rate)
		if err != nil {
			d.fail(a.Expr.Range(), "Invalid rate", `rate is at most N messages per window, "N/DURATION" such as "30/1h": %s.`, err)
		}
		c.Rate = r
	}
	d.localPath(at, "ca_file", &c.CAFile)
	d.duration(at, "timeout", &c.Timeout, false)
	d.intRange(at, "max_attempts", &c.MaxAttempts, 1, 100)
	d.intRange(at, "queue", &c.Queue, 1, 100_000)
	base := d.duration(at, "backoff_base", &c.BackoffBase, false)
	capAttr := d.duration(at, "backoff_cap", &c.BackoffCap, false)
	if c.BackoffCap < c.BackoffBase {
		rng := b.DefRange
		if capAttr != nil {
			rng = capAttr.Expr.Range()
		} else if base != nil {
			rng = base.Expr.Range()
		}
		d.fail(rng, "Backoff cap below base", "backoff_cap (%s) must be at least backoff_base (%s).", c.BackoffCap, c.BackoffBase)
	}
}

// eventKinds decodes the events filter, suggesting the closest kind.
func (d *decoder) eventKinds(at hcl.Attributes) []notify.Kind {
	items, _ := d.list(at, "events")
	names := make([]string, len(notify.Kinds))
	for i, k := range notify.Kinds {
		names[i] = string(k)
	}
	var out []notify.Kind
	for _, it := range items {
		k, err := notify.ParseKind(it.val)
		switch {
		case err != nil:
			hint := ""
			if s := suggest(it.val, names); s != "" {
				hint = fmt.Sprintf(" Did you mean %q?", s)
			}
			d.fail(it.rng, "Unknown event kind", "%q is not an event kind.%s Known kinds: %s.", clip(it.val), hint, strings.Join(names, ", "))
		case slices.Contains(out, k):
			d.fail(it.rng, "Duplicate event kind", "events lists %s more than once.", k)
		default:
			out = append(out, k)
		}
	}
	return out
}
