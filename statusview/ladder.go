package statusview

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/guard"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/vocab"
)

// Stalled is the condition status adds to a stalled server: present, and
// True, only while the server is stalled (as Flux's Stalled condition).
const Stalled health.ConditionType = "Stalled"

// Reasons of the Stalled condition (guard.StallReason decides).
const (
	ReasonTrustBroken     = guard.StallTrustBroken
	ReasonLadderExhausted = guard.StallLadderExhausted
)

// StalledServer is one stalled server: why, and what a person should do
// (the message ends with it).
type StalledServer struct {
	Server  vocab.Host `json:"server"`
	Reason  string     `json:"reason"`
	Message string     `json:"message"`
}

// PausedServer is one pause in force; Server "" is every server.
type PausedServer struct {
	Server vocab.Host `json:"server"`
	guard.Hold
}

// Ladder is what status shows of the escalation ladder: the stalled
// servers and the pauses, each sorted by server.
type Ladder struct {
	Stalled []StalledServer `json:"stalled"`
	Paused  []PausedServer  `json:"paused"`
}

// LadderOf reads the ladder's stalls and pauses.
func LadderOf(l *guard.Ladder) Ladder {
	out := Ladder{Stalled: []StalledServer{}, Paused: []PausedServer{}}
	stalled := l.Stalled()
	for _, h := range slices.Sorted(maps.Keys(stalled)) {
		out.Stalled = append(out.Stalled, StalledServer{Server: h, Reason: guard.StallReason(stalled[h]), Message: stalled[h]})
	}
	holds := l.Holds()
	for _, h := range slices.Sorted(maps.Keys(holds)) {
		out.Paused = append(out.Paused, PausedServer{Server: h, Hold: holds[h]})
	}
	return out
}

// Apply adds a True Stalled condition to every stalled server of rep.
func (l Ladder) Apply(rep *health.Report) {
	for i := range rep.Servers {
		l.ApplyServer(&rep.Servers[i])
	}
}

// ApplyServer adds a True Stalled condition to s when it is stalled.
func (l Ladder) ApplyServer(s *health.ServerHealth) {
	if _, ok := s.Condition(Stalled); ok {
		return
	}
	if st, ok := l.stalledServer(s.Name); ok {
		s.Conditions = append(s.Conditions, health.Condition{Type: Stalled, Status: health.True, Reason: st.Reason, Message: st.Message})
	}
}

func (l Ladder) stalledServer(h vocab.Host) (StalledServer, bool) {
	for _, st := range l.Stalled {
		if strings.EqualFold(string(st.Server), string(h)) {
			return st, true
		}
	}
	return StalledServer{}, false
}

// RenderLadder writes the stalled servers, with what to do, and the
// pauses, with who and since when; nothing when there are none.
func RenderLadder(w io.Writer, l Ladder) error {
	ew := &errWriter{w: w}
	if len(l.Stalled) > 0 {
		fmt.Fprintln(ew, "\nStalled (no actions until the evidence changes or `reconciler retry SERVER`):")
		for _, st := range l.Stalled {
			fmt.Fprintf(ew, "  %s  %s: %s\n", vocab.Printable(string(st.Server)), st.Reason, vocab.Printable(st.Message))
		}
	}
	if len(l.Paused) > 0 {
		fmt.Fprintln(ew, "\nPaused (no actions until `reconciler resume [SERVER]`):")
		for _, p := range l.Paused {
			fmt.Fprintf(ew, "  %s  %s\n", scope(p.Server), holdText(p.Hold))
		}
	}
	return ew.err
}

func scope(h vocab.Host) string {
	if h == "" {
		return "every server and the NS"
	}
	return vocab.Printable(string(h))
}

// holdText says who paused, since when and why.
func holdText(p guard.Hold) string {
	s := "by " + vocab.Printable(p.By)
	if !p.Since.IsZero() {
		s += " since " + stamp(p.Since)
	}
	if p.Reason != "" {
		s += ": " + vocab.Printable(p.Reason)
	}
	return s
}

// ServerLadder is the ladder of one server in the detail view.
type ServerLadder struct {
	Rung     actions.Rung `json:"rung"`
	RungName string       `json:"rung_name"`
	Stalled  string       `json:"stalled,omitempty"`
	// VerifyAt is when the chain applied last is verified; Wait the
	// backoff before the next rung (zero: none).
	VerifyAt time.Time `json:"verify_at,omitzero"`
	Wait     time.Time `json:"backoff_until,omitzero"`
	// Paused is the pause that holds it (its own, or every server's).
	Paused *guard.Hold `json:"paused,omitempty"`
	// LastVerification is the journal's last verification of it.
	LastVerification *LastVerification `json:"last_verification,omitempty"`
}

// LastVerification is one verification record, as the detail view shows it.
type LastVerification struct {
	At      time.Time `json:"at"`
	Result  string    `json:"result"`
	Message string    `json:"message"`
}

// ServerLadderOf is the ladder of server h (its spelling compared
// without case) at now, with its last verification in the journal at path.
func ServerLadderOf(l *guard.Ladder, h vocab.Host, path string, now time.Time) (ServerLadder, error) {
	var out ServerLadder
	steps := l.Steps()
	for k, st := range steps {
		if strings.EqualFold(string(k), string(h)) {
			out.Rung, out.Stalled, out.VerifyAt, out.Wait = st.Rung, st.Stalled, st.VerifyAt, st.Wait
		}
	}
	if out.Stalled != "" {
		out.Rung = actions.RungStalled
	}
	if out.Stalled != "" || !out.Wait.After(now) {
		out.Wait = time.Time{} // no backoff in force
	}
	out.RungName = out.Rung.String()
	holds := l.Holds()
	for k, p := range holds {
		if k != "" && strings.EqualFold(string(k), string(h)) {
			out.Paused = &p
		}
	}
	if p, ok := holds[""]; ok && out.Paused == nil {
		out.Paused = &p
	}
	v, err := lastVerification(path, h)
	out.LastVerification = v
	return out, err
}

// lastVerification returns the journal's last verification of server h;
// nil when there is none (or no journal yet).
func lastVerification(path string, h vocab.Host) (*LastVerification, error) {
	var last *LastVerification
	err := audit.Filter(path, audit.Query{Type: string(audit.TypeVerification)}, func(r audit.Record) error {
		if !strings.EqualFold(r.Server, string(h)) {
			return nil
		}
		var v guard.Verification
		if err := json.Unmarshal(r.Detail, &v); err == nil {
			last = &LastVerification{At: r.Time, Result: v.Result, Message: v.Message}
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return last, err
}

// renderLadder writes the detail view's ladder lines.
func renderLadder(w io.Writer, l ServerLadder) {
	fmt.Fprintf(w, "\nLadder: rung %d (%s)\n", l.Rung, l.RungName)
	if l.Stalled != "" {
		fmt.Fprintf(w, "  stalled: %s\n", vocab.Printable(l.Stalled))
	}
	if !l.VerifyAt.IsZero() {
		fmt.Fprintf(w, "  verification due at %s\n", stamp(l.VerifyAt))
	}
	if !l.Wait.IsZero() {
		fmt.Fprintf(w, "  next rung not before %s (backoff)\n", stamp(l.Wait))
	}
	if l.Paused != nil {
		fmt.Fprintf(w, "  paused %s\n", holdText(*l.Paused))
	}
	if v := l.LastVerification; v != nil {
		fmt.Fprintf(w, "  last verification %s: %s: %s\n", stamp(v.At), v.Result, vocab.Printable(v.Message))
	} else {
		fmt.Fprintln(w, "  last verification: none")
	}
}
