package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// faultWords says, for people, what each fault kind does to the site.
var faultWords = map[string]string{
	scenario.CredentialNotReceived: "the credential was not received",
	scenario.CredentialStuck:       "the credential is stuck",
	scenario.ACLMissing:            "the account lacks Full Control on Package Delivery",
	scenario.StatusLost:            "the status report was lost",
	scenario.StalePSSnapshot:       "a stale snapshot.xml",
	scenario.StaleNSSnapshot:       "a stale NS snapshot (and the PS copies)",
	scenario.StaleStatusFile:       "a stale PackageStatus.xml",
	scenario.Unreachable:           "the agent does not answer",
	scenario.CMDBDown:              "every CMDB query fails (status then shows the last known state)",
	scenario.Downloading:           "packages downloading (rows Pending)",
	scenario.BadRow:                "a malformed row (reported, never acted on)",
	scenario.StatusReportFails:     "status reports of some packages fail until Procedure 2 clears their files",
	scenario.TrustBroken:           "the computer's domain trust is broken: every report fails with 1789",
	scenario.RemedyFailsOnce:       "the first application of each remedy has no effect",
	scenario.CredentialLocked:      "the Agent Connectivity Credential account is locked out: every report is refused",
}

// FaultLines describes the site's scripted faults for people, one line
// each, with the servers and times the scenario and seed resolved to: what
// a newcomer to the demo will see happen, and when (times from the site's
// creation).
func (s *Site) FaultLines() []string {
	var out []string
	dur := s.duration()
	for _, f := range s.Faults() {
		line := f.Kind
		if len(f.Servers) > 0 {
			names := make([]string, len(f.Servers))
			for i, x := range f.Servers {
				names[i] = string(x)
			}
			line += " on " + strings.Join(names, ", ")
		}
		if len(f.Packages) > 0 {
			line += " (" + vocab.Count(len(f.Packages), "package") + ")"
		}
		if f.PackageID != "" {
			line += fmt.Sprintf(" (package id %q)", f.PackageID)
		}
		if f.From > 0 || f.End < dur {
			line += fmt.Sprintf(" from %s to %s", short(f.From), short(f.End))
		}
		if w := faultWords[f.Kind]; w != "" {
			line += ": " + w
		}
		out = append(out, line)
	}
	return out
}

func (s *Site) duration() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Meta.Duration
}

// short renders a duration without trailing zero units: 1m, 3m, 1h30m.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Created reports whether Open created the site (rather than reopened
// one).
func (s *Site) Created() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}
