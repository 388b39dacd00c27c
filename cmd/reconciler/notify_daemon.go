package main

import (
	"context"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
)

// startNotifier builds the daemon's notifier from the policy. Every
// delivery outcome goes to the journal that journal returns (none while a
// follower has not taken over), and the receivers' secrets join the
// scrubbers of logs, output and journal. A receiver that cannot be built
// (a missing secret) stops the start, as a missing site secret does.
func (s *session) startNotifier(journal func() *audit.Journal, m *controller.Metrics) (*notify.Notifier, error) {
	n := notify.New(notify.Options{Clock: s.clk, Logger: s.log.With("component", "notify"), NS: siteName(s.pol),
		Scrub: s.secrets.String, Journal: notify.JournalFunc(func(d notify.Delivery) error {
			m.Notified(d.Receiver, string(d.Outcome)) // reconciler_notifications_total
			j := journal()
			if j == nil {
				return nil
			}
			_, err := j.Append(deliveryRecord(d))
			return err
		})})
	s.secrets.Add(n.Secrets)
	rs, err := notify.Build(s.pol.Notify, buildOptions(s.e))
	if err != nil {
		return nil, err
	}
	n.Configure(rs)
	if len(rs) > 0 {
		s.log.Info("notifications", "receivers", receiverNames(s.pol))
	}
	return n, nil
}

// reconfigureNotifier puts the receivers of a reloaded policy in force.
// When one cannot be built, the previous receivers all stay.
func (s *session) reconfigureNotifier(n *notify.Notifier, p *policy.Policy) {
	if n == nil {
		return
	}
	rs, err := notify.Build(p.Notify, buildOptions(s.e))
	if err != nil {
		s.log.Error("notification receivers not rebuilt; the previous ones stay", "error", err)
		return
	}
	n.Configure(rs)
}

// drainNotifier lets the receivers finish their queues within the
// policy's drain_timeout, then stops them.
func drainNotifier(n *notify.Notifier, p *policy.Policy) {
	ctx, cancel := context.WithTimeout(context.Background(), p.Notifications.DrainTimeout)
	defer cancel()
	n.Close(ctx)
}

// deliveryRecord is the journal record of a delivery outcome.
func deliveryRecord(d notify.Delivery) audit.Record {
	return audit.Record{Type: audit.TypeNotification, Server: d.Subject.Server, Package: d.Subject.Package,
		Error: d.Error, Detail: audit.JSON(d)}
}
