package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/audit"
)

// Request is a command from another process (reconciler approve,
// reconciler breaker reset) for the daemon that holds the journal. It waits
// as one JSON file in the inbox beside the journal until the next pass
// records it in the journal and applies it.
type Request struct {
	Type    audit.Type  `json:"type"` // audit.TypeApproval or audit.TypeBreaker
	Plan    string      `json:"plan,omitempty"`
	Actions []string    `json:"actions,omitempty"`
	Reason  string      `json:"reason,omitempty"`
	Actor   audit.Actor `json:"actor"`
	At      time.Time   `json:"at"`
}

// Record is the journal record of a request.
func (r Request) Record() (audit.Record, error) {
	switch r.Type {
	case audit.TypeApproval:
		if len(r.Actions) == 0 {
			return audit.Record{}, errors.New("approval without action ids")
		}
		return audit.Record{Type: r.Type, Plan: r.Plan, Actor: r.Actor,
			Detail: audit.JSON(ApprovalDetail{Actions: r.Actions, Reason: r.Reason})}, nil
	case audit.TypeBreaker:
		return audit.Record{Type: r.Type, Actor: r.Actor,
			Detail: audit.JSON(BreakerDetail{State: "reset", Reason: r.Reason})}, nil
	}
	return audit.Record{}, fmt.Errorf("unknown request type %q", r.Type)
}

// InboxDir is the inbox of the journal at path.
func InboxDir(journal string) string { return journal + ".inbox" }

// Submit writes a request into the inbox atomically (mode 0600) and
// returns the file's path.
func Submit(journal string, r Request) (string, error) {
	if _, err := r.Record(); err != nil {
		return "", err
	}
	dir := InboxDir(journal)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".req-*")
	if err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	name := filepath.Join(dir, fmt.Sprintf("%s-%s.json", r.At.UTC().Format("20060102T150405.000000000Z"),
		strings.TrimPrefix(filepath.Base(tmp.Name()), ".req-")))
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return "", fmt.Errorf("inbox: %w", err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close(), os.Rename(tmp.Name(), name)); err != nil {
		return "", fmt.Errorf("inbox: %w", err)
	}
	return name, nil
}

// Ingest records every waiting request in the journal, in the order they
// were submitted, applies it, and removes its file. A file that is not a
// valid request is renamed *.rejected and logged, never applied.
func (c *Controller) Ingest(journal string) error {
	dir := InboxDir(journal)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if err := c.ingestOne(filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) ingestOne(path string) error {
	rec, err := readRequest(path)
	if err != nil {
		c.log.Warn("inbox request refused", "file", path, "error", err)
		return os.Rename(path, path+".rejected")
	}
	stored, err := c.journal.Append(rec)
	if err != nil {
		return fmt.Errorf("record inbox request: %w", err)
	}
	c.replay(stored, c.clock.Now())
	c.log.Info("inbox request recorded", "type", stored.Type, "seq", stored.Seq, "by", stored.Actor.User)
	return os.Remove(path)
}

func readRequest(path string) (audit.Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return audit.Record{}, err
	}
	var r Request
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return audit.Record{}, fmt.Errorf("parse: %w", err)
	}
	return r.Record()
}
