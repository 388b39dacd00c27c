//go:build windows

package main

import (
	"golang.org/x/sys/windows/svc/eventlog"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/winsvc"
)

// eventWitness copies anchors to the Windows Application event log, under
// the service's event source (registered by `reconciler service install`).
type eventWitness struct{ l *eventlog.Log }

func openWitness() (audit.Witness, error) {
	l, err := winsvc.OpenEventLog(serviceName)
	if err != nil {
		return nil, err
	}
	return eventWitness{l}, nil
}

func (e eventWitness) Witness(a audit.Anchor) error { return e.l.Info(winsvc.EventInfo, a.String()) }

func (e eventWitness) Close() error { return e.l.Close() }
