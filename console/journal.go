package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/auditfilter"
	"github.com/itms-tools/reconciler/controller"
)

type journalPage struct {
	page
	Filters  auditfilter.Filters
	Kinds    []actions.Kind
	Outcomes []audit.Outcome
	Types    []audit.Type
	Err      string
	Records  []journalRow // newest first
	Matched  int
	Shown    int
	Path     string
}

// journalRow is one record, with the columns of `reconciler audit`.
type journalRow struct {
	audit.Record
	Target string
	Note   string
}

func (s *Server) journal(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	f := auditfilter.Filters{Since: v.Get("since"), Until: v.Get("until"), Server: v.Get("server"), Kind: v.Get("kind"),
		Outcome: v.Get("outcome"), Plan: v.Get("plan"), Type: v.Get("type"), Pass: v.Get("pass")}
	est := s.o.View.Snapshot().Estate()
	p := journalPage{page: page{Title: "Journal", Nav: "journal", Version: est.Version, Live: "note", Now: s.o.Clock.Now(), Estate: est},
		Filters: f, Kinds: actions.Kinds, Outcomes: auditfilter.Outcomes, Types: audit.Types, Path: s.o.JournalPath}
	for k := range v {
		if !slices.Contains(auditfilter.Names, k) {
			s.badRequest(w, r, fmt.Sprintf("unknown filter %s (want %s)", clip(k), strings.Join(auditfilter.Names, ", ")))
			return
		}
	}
	q, err := f.Query(p.Now, auditfilter.Field)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	select {
	case s.journals <- struct{}{}:
		defer func() { <-s.journals }()
	case <-r.Context().Done():
		return
	}
	p.Records, p.Matched, err = readJournal(s.o.JournalPath, q)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.Err = "the journal does not exist yet: nothing was recorded"
	case err != nil:
		p.Err = err.Error()
	}
	p.Shown = len(p.Records)
	s.render(w, http.StatusOK, "journal", p)
}

// readJournal returns the last maxJournalRows records q selects, newest
// first, and how many matched.
func readJournal(path string, q audit.Query) ([]journalRow, int, error) {
	ring := make([]journalRow, 0, maxJournalRows)
	n := 0
	err := audit.Filter(path, q, func(r audit.Record) error {
		row := journalRow{Record: r, Target: recordTarget(r), Note: recordNote(r)}
		if len(ring) < maxJournalRows {
			ring = append(ring, row)
		} else {
			ring[n%maxJournalRows] = row
		}
		n++
		return nil
	})
	if n > maxJournalRows {
		k := n % maxJournalRows
		ring = append(ring[k:], ring[:k]...)
	}
	slices.Reverse(ring)
	return ring, n, err
}

// recordTarget is the action's target as action ids spell it.
func recordTarget(r audit.Record) string {
	if r.Kind == "" {
		return ""
	}
	t := r.Server
	if t == "" {
		t = "NS"
	}
	if r.Package != "" {
		t += "/" + r.Package
	}
	return t
}

// recordNote is what `reconciler audit` shows as the reason.
func recordNote(r audit.Record) string {
	if len(r.Reasons) > 0 {
		return r.Reasons[0].Message
	}
	switch r.Type {
	case audit.TypeApproval:
		var d controller.ApprovalDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return fmt.Sprintf("by %s: %s", r.Actor.User, strings.Join(d.Actions, ", "))
		}
	case audit.TypeBreaker:
		var d controller.BreakerDetail
		if json.Unmarshal(r.Detail, &d) == nil {
			return d.State + ": " + d.Reason
		}
	}
	if d := []rune(string(r.Detail)); len(d) > 300 {
		return string(d[:300]) + "…"
	}
	return string(r.Detail)
}
