package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/rights"
)

// Request is a command from another process (reconciler approve,
// reconciler breaker reset) for the daemon that holds the journal. It waits
// as one JSON file in the inbox beside the journal until the next pass
// records it in the journal and applies it.
type Request struct {
	Type    audit.Type `json:"type"` // audit.TypeApproval or audit.TypeBreaker
	Plan    string     `json:"plan,omitempty"`
	Actions []string   `json:"actions,omitempty"`
	Reason  string     `json:"reason,omitempty"`
	// Actor is who the submitter says it is, for display; the daemon
	// records the request file's owner instead (see Ingest).
	Actor audit.Actor `json:"actor"`
	At    time.Time   `json:"at"`
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

// Limits of one pass's inbox work, so that a flood of files cannot stall a
// pass or fill the journal at once; what is left waits for the next pass.
const (
	maxInboxPerPass = 100
	maxRequestBytes = 1 << 20
)

// inboxRights checks the rights of the inbox and of each request file.
var inboxRights = rights.New()

// RefusedDir is where refused request files of the journal at path are
// kept for the admin (package rights says what is refused).
func RefusedDir(journal string) string { return journal + ".inbox-refused" }

// Ingest records the waiting requests in the journal, in the order they
// were submitted (at most maxInboxPerPass per call), applies them, and
// removes their files. Only a request in a trusted inbox (a real folder
// of the service account that nobody else may write to), in a trusted file
// (see package rights), is applied; its actor is the file's owner, never
// what the file says. Anything else is refused: journaled as a note with
// why, and the file moved to RefusedDir. An inbox that is not a real
// folder is not touched at all; a missing one is created (0700).
func (c *Controller) Ingest(journal string) error {
	dir := InboxDir(journal)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		// Created by the daemon, so that the service account owns it
		// (on Windows an admin's folder would be owned by that admin).
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			c.log.Warn("inbox not created", "error", err)
		}
		return nil
	}
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s: %w: not a real folder (mode %s)", dir, rights.ErrUntrusted, fi.Mode().Type())
	}
	if err != nil {
		c.inboxProblem(err, "inbox not read")
		return nil
	}
	names, err := requestNames(dir)
	if err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	folderErr := inboxRights.Folder(dir)
	if folderErr != nil {
		c.inboxProblem(folderErr, "every request in it is refused")
	} else {
		c.inboxSeen = ""
	}
	for _, n := range names[:min(len(names), maxInboxPerPass)] {
		path := filepath.Join(dir, n)
		if folderErr != nil {
			err = c.refuse(journal, path, "", folderErr)
		} else {
			err = c.ingestOne(journal, path)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// requestNames lists the request files of the inbox, sorted (their names
// start with the submission time). Links and other non-folders named
// *.json are listed too, so that they are refused rather than ignored.
func requestNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// inboxProblem logs a problem with the inbox folder at every pass and
// journals it when it is new, so that a lasting problem is one record.
func (c *Controller) inboxProblem(problem error, consequence string) {
	c.log.Error("inbox folder not trusted: "+consequence, "error", problem)
	if c.inboxSeen == problem.Error() {
		return
	}
	c.inboxSeen = problem.Error()
	detail := map[string]any{"event": "inbox_refused", "reason": problem.Error(), "consequence": consequence}
	if err := c.append(audit.Record{Type: audit.TypeNote, Detail: audit.JSON(detail)}); err != nil {
		c.log.Error("inbox problem not recorded", "error", err)
	}
}

func (c *Controller) ingestOne(journal, path string) error {
	rec, owner, err := readRequest(path)
	if err != nil {
		return c.refuse(journal, path, owner, err)
	}
	stored, err := c.journal.Append(rec)
	if err != nil {
		return fmt.Errorf("record inbox request: %w", err)
	}
	c.replay(stored, c.clock.Now())
	c.log.Info("inbox request recorded", "type", stored.Type, "seq", stored.Seq, "by", stored.Actor.User)
	return os.Remove(path)
}

// refuse journals why the request file at path is refused and moves it to
// RefusedDir, where the admin finds it; its content is not journaled.
func (c *Controller) refuse(journal, path, owner string, why error) error {
	kept, err := keepAside(RefusedDir(journal), path)
	if err != nil {
		return fmt.Errorf("inbox: keep refused request %s: %w", path, err)
	}
	c.log.Warn("inbox request refused", "file", path, "owner", owner, "kept_as", kept, "error", why)
	detail := map[string]any{"event": "inbox_request_refused", "file": path, "reason": why.Error(), "kept_as": kept}
	if owner != "" {
		detail["owner"] = owner
	}
	if err := c.append(audit.Record{Type: audit.TypeNote, Detail: audit.JSON(detail)}); err != nil {
		return fmt.Errorf("record refused inbox request: %w", err)
	}
	return nil
}

// keepAside moves the file at path into the trusted folder dir (created
// 0700) under a name that is not taken, and returns its new path.
func keepAside(dir, path string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := inboxRights.Folder(dir); err != nil {
		return "", err
	}
	base := filepath.Base(path)
	for i := 0; i < 1000; i++ {
		dst := filepath.Join(dir, base)
		if i > 0 {
			dst = filepath.Join(dir, fmt.Sprintf("%s.%d", base, i))
		}
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			return dst, os.Rename(path, dst)
		}
	}
	return "", fmt.Errorf("%s: too many refused files named %s", dir, base)
}

// readRequest opens a trusted request file and returns its journal record,
// with the file's owner as the actor, and the owner.
func readRequest(path string) (audit.Record, string, error) {
	f, owner, err := inboxRights.Open(path)
	if err != nil {
		return audit.Record{}, "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRequestBytes+1))
	switch {
	case err != nil:
		return audit.Record{}, owner, err
	case len(b) > maxRequestBytes:
		return audit.Record{}, owner, fmt.Errorf("larger than %d bytes", maxRequestBytes)
	}
	var r Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return audit.Record{}, owner, fmt.Errorf("parse: %w", err)
	}
	r.Actor = audit.Actor{Host: audit.CurrentActor().Host, User: owner}
	rec, err := r.Record()
	return rec, owner, err
}
