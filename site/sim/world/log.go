package world

import "time"

// LogKind is an agent.log event the sim writes.
type LogKind uint8

// The agent.log events.
const (
	LogOther        LogKind = iota // a line the sim did not write
	LogSent                        // a package status report went through
	LogAccessDenied                // KB 179719: 0x80070005 [Access is denied]
	LogTrust                       // KB 179719: trust relationship ... failed(1789)
	LogLocked                      // KB 194234: the ACC account is locked out (Windows error 1909)
)

// LogEvent is one agent.log event.
type LogEvent struct {
	At   time.Time
	Kind LogKind
}

// LogTailEvents is how many agent.log events an observation reads.
const LogTailEvents = 200

// Error signatures of KB 179719 that an agent observation reports
// (AgentFacts.LogSignatures), as the KB spells them.
const (
	SigAccessDenied = "0x80070005 [Access is denied]"
	SigTrust        = "trust relationship between this workstation and the primary domain failed(1789)"
	// SigLocked is Windows error 1909 on the Agent Connectivity
	// Credential's logon (KB 194234: the account locked out or expired).
	SigLocked = "The referenced account is currently locked out and may not be logged on to(1909)"
)

// TrustText is the error a refused report leaves in SWDPackageServer.Error.
const TrustText = "The " + SigTrust + "."

// Signatures returns the KB error signatures logged since the last report
// that went through, in a fixed order: what the agent's log says is
// wrong now, not what was wrong before it was fixed.
func Signatures(evs []LogEvent) []string {
	var denied, trust, locked bool
	for _, e := range evs {
		switch e.Kind {
		case LogSent:
			denied, trust, locked = false, false, false
		case LogAccessDenied:
			denied = true
		case LogTrust:
			trust = true
		case LogLocked:
			locked = true
		}
	}
	var out []string
	for _, s := range []struct {
		on  bool
		sig string
	}{{denied, SigAccessDenied}, {trust, SigTrust}, {locked, SigLocked}} {
		if s.on {
			out = append(out, s.sig)
		}
	}
	return out
}
