//go:build plan9

package main

import (
	"errors"

	"github.com/itms-tools/reconciler/audit"
)

func openWitness() (audit.Witness, error) {
	return nil, errors.New("no system log on this platform")
}
