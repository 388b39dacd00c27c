package daemon

import (
	"context"
	"sort"
	"strings"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/controller"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
)

// startNotifier builds the daemon's notifier from the policy. Every
// delivery outcome goes to the journal that journal returns (none while a
// follower has not taken over), and the receivers' secrets join the
// scrubbers of logs, output and journal. A receiver that cannot be built
// (a missing secret) stops the start, as a missing site secret does.
func startNotifier(o Options, journal func() *audit.Journal, m *controller.Metrics) (*notify.Notifier, error) {
	n := notify.New(notify.Options{Clock: o.Clock, Logger: o.Logger.With("component", "notify"), NS: o.NS,
		Scrub: o.Secrets.String, Journal: notify.JournalFunc(func(d notify.Delivery) error {
			m.Notified(d.Receiver, string(d.Outcome)) // reconciler_notifications_total
			j := journal()
			if j == nil {
				return nil
			}
			_, err := j.Append(deliveryRecord(d))
			return err
		})})
	o.Secrets.Add(n.Secrets)
	if m != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "reconciler_notify_open_incidents",
			Help: "Incidents told and not resolved yet (each is told once until it resolves)."},
			func() float64 { return float64(len(n.Open())) }))
	}
	rs, err := notify.Build(o.Policy.Notify, o.NotifyBuild)
	if err != nil {
		return nil, err
	}
	n.Configure(rs)
	if len(rs) > 0 {
		o.Logger.Info("notifications", "receivers", ReceiverNames(o.Policy))
	}
	return n, nil
}

// reconfigureNotifier puts the receivers of a reloaded policy in force.
// When one cannot be built, the previous receivers all stay.
func reconfigureNotifier(o Options, n *notify.Notifier, p *policy.Policy) {
	if n == nil {
		return
	}
	rs, err := notify.Build(p.Notify, o.NotifyBuild)
	if err != nil {
		o.Logger.Error("notification receivers not rebuilt; the previous ones stay", "error", err)
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

// ReceiverNames lists the policy's notification receivers, sorted, for
// logs and messages; "none" when it has none.
func ReceiverNames(p *policy.Policy) string {
	var names []string
	for _, c := range p.Notify {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
