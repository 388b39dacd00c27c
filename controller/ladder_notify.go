package controller

import (
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/vocab"
)

// notifyVerification tells the receivers what a verification of server h
// changed on its ladder: a stall (a person is needed), a climb to the
// next rung, or a verified remedy (which resolves both). The notifier
// deduplicates: a lasting stall, or the same rung again, is sent once.
func (c *Controller) notifyVerification(h vocab.Host, v guard.Verification) {
	now := c.clock.Now()
	switch {
	case v.Stalled != "":
		c.notify(notify.StalledEvent(now, string(h), "", v.Stalled))
	case v.Result == guard.NotEffective:
		c.notify(notify.EscalatedEvent(now, string(h), "", int(v.Next), v.Message))
	case v.Result == guard.Verified:
		c.notify(notify.EscalationsClearEvent(now, string(h), ""))
		c.notify(notify.UnstalledEvent(now, string(h), ""))
	}
}

// notifyRequest tells the receivers that an admin's retry unstalled a
// server (the stall is resolved; the escalations start again).
func (c *Controller) notifyRequest(r audit.Record) {
	if r.Type == audit.TypeRetry && r.Server != "" {
		c.notify(notify.UnstalledEvent(c.clock.Now(), r.Server, ""))
	}
}

// notifyIntent tells the receivers that a stalled server was unstalled by
// new evidence (an intent planned from it starts the ladder again).
func (c *Controller) notifyIntent(h vocab.Host, unstalled bool) {
	if unstalled {
		c.notify(notify.UnstalledEvent(c.clock.Now(), string(h), ""))
	}
}
