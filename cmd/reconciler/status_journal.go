package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/vocab"
)

// journalStatus is the journal's part of `status`: its files, how it
// compares with its anchor, and whether the daemon can write it.
type journalStatus struct {
	Path    string             `json:"path"`
	Summary *audit.Summary     `json:"summary,omitempty"` // nil: no journal yet
	Anchor  *audit.AnchorCheck `json:"anchor,omitempty"`  // nil: not checked (no key, or not readable)
	Daemon  *daemonHealth      `json:"daemon,omitempty"`  // nil: no daemon answered
}

// daemonHealth is what the daemon's /healthz said.
type daemonHealth struct {
	Address string `json:"address"`
	Healthy bool   `json:"healthy"`
	Message string `json:"message,omitempty"`
}

// journalState gathers journalStatus for the session's policy.
func (s *session) journalState() journalStatus {
	js := journalStatus{Path: s.pol.Audit.Path}
	if sum, err := audit.Summarize(js.Path); err == nil {
		js.Summary = &sum
	} else if !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("journal", "error", err)
	}
	if ac, ok := s.anchorCheck(); ok {
		js.Anchor = &ac
	}
	if s.e.probe != nil && s.pol.HTTP.Listen != "" {
		if ok, msg, err := s.e.probe("http://" + s.pol.HTTP.Listen + "/healthz"); err == nil {
			js.Daemon = &daemonHealth{Address: s.pol.HTTP.Listen, Healthy: ok, Message: msg}
		}
	}
	return js
}

// printJournal writes the journal's lines of `status`.
func printJournal(w io.Writer, js journalStatus) {
	switch sum := js.Summary; {
	case sum == nil:
		fmt.Fprintf(w, "Audit journal %s: none yet.\n", js.Path)
	case sum.Segments > 0:
		fmt.Fprintf(w, "Audit journal %s: seq %d–%d in %s and the live file, %d bytes.\n",
			js.Path, sum.FirstSeq, sum.HeadSeq, vocab.Count(sum.Segments, "segment"), sum.Bytes)
	default:
		fmt.Fprintf(w, "Audit journal %s: seq %d–%d, %d bytes.\n", js.Path, sum.FirstSeq, sum.HeadSeq, sum.Bytes)
	}
	if a := js.Anchor; a != nil {
		switch a.State {
		case audit.AnchorOK:
			fmt.Fprintf(w, "Anchor ok: seq %d signed at %s.\n", a.Anchor.Seq, a.Anchor.Time.UTC().Format(time.RFC3339))
		case audit.AnchorNone:
		default:
			fmt.Fprintf(w, "Anchor %s: %s (destructive kinds count as spent for one window).\n", strings.ToUpper(string(a.State)), a.Message)
		}
	}
	if d := js.Daemon; d != nil && !d.Healthy {
		fmt.Fprintf(w, "Daemon at %s: UNHEALTHY: %s\n", d.Address, d.Message)
	}
}

// probeHealth asks a daemon's health endpoint; healthy is a 200, the
// message the body of anything else. The error is for no answer.
func probeHealth(url string) (healthy bool, message string, err error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode == http.StatusOK, strings.TrimSpace(string(b)), nil
}
