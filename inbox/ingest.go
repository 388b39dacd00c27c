package inbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/rights"
)

// Journal is what the Ingester needs of the daemon: append a record to
// the journal (durable when it returns; the stored record comes back),
// and replay a request's stored record into the daemon's state.
type Journal interface {
	Append(audit.Record) (audit.Record, error)
	Replay(audit.Record)
}

// Limits of one pass's inbox work, so that a flood of files cannot stall a
// pass or fill the journal at once; what is left waits for the next pass.
const (
	MaxPerPass      = 100
	MaxRequestBytes = 1 << 20
)

// checker checks the rights of the inbox and of each request file.
var checker = rights.New()

// Ingester records the requests waiting in an inbox in the daemon's
// journal. Not safe for concurrent use: one pass at a time calls Ingest.
type Ingester struct {
	j    Journal
	log  *slog.Logger
	seen string // the inbox folder problem last journaled
}

// NewIngester returns an ingester that records into j and logs to log
// (nil discards).
func NewIngester(j Journal, log *slog.Logger) *Ingester {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{j: j, log: log}
}

// Ingest records the waiting requests in the journal, in the order they
// were submitted (at most MaxPerPass per call), replays them, and removes
// their files. Only a request in a trusted inbox (a real folder of the
// service account that nobody else may write to), in a trusted file (see
// package rights), is applied; its actor is the file's owner, never what
// the file says. Anything else is refused: journaled as a note with why,
// and the file moved to RefusedDir. An inbox that is not a real folder is
// not touched at all; a missing one is created (0700).
func (in *Ingester) Ingest(journal string) error {
	dir := Dir(journal)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		// Created by the daemon, so that the service account owns it
		// (on Windows an admin's folder would be owned by that admin).
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			in.log.Warn("inbox not created", "error", err)
		}
		return nil
	}
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s: %w: not a real folder (mode %s)", dir, rights.ErrUntrusted, fi.Mode().Type())
	}
	if err != nil {
		in.problem(err, "inbox not read")
		return nil
	}
	names, err := requestNames(dir)
	if err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	folderErr := checker.Folder(dir)
	if folderErr != nil {
		in.problem(folderErr, "every request in it is refused")
	} else {
		in.seen = ""
	}
	for _, n := range names[:min(len(names), MaxPerPass)] {
		path := filepath.Join(dir, n)
		if folderErr != nil {
			err = in.refuse(journal, path, "", folderErr)
		} else {
			err = in.one(journal, path)
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

// problem logs a problem with the inbox folder at every pass and
// journals it when it is new, so that a lasting problem is one record.
func (in *Ingester) problem(problem error, consequence string) {
	in.log.Error("inbox folder not trusted: "+consequence, "error", problem)
	if in.seen == problem.Error() {
		return
	}
	in.seen = problem.Error()
	detail := map[string]any{"event": "inbox_refused", "reason": problem.Error(), "consequence": consequence}
	if _, err := in.j.Append(audit.Record{Type: audit.TypeNote, Detail: audit.JSON(detail)}); err != nil {
		in.log.Error("inbox problem not recorded", "error", err)
	}
}

func (in *Ingester) one(journal, path string) error {
	rec, owner, err := readRequest(path)
	if err != nil {
		return in.refuse(journal, path, owner, err)
	}
	stored, err := in.j.Append(rec)
	if err != nil {
		return fmt.Errorf("record inbox request: %w", err)
	}
	in.j.Replay(stored)
	in.log.Info("inbox request recorded", "type", stored.Type, "seq", stored.Seq, "by", stored.Actor.User)
	return os.Remove(path)
}

// refuse journals why the request file at path is refused and moves it to
// RefusedDir, where the admin finds it; its content is not journaled.
func (in *Ingester) refuse(journal, path, owner string, why error) error {
	kept, err := keepAside(RefusedDir(journal), path)
	if err != nil {
		return fmt.Errorf("inbox: keep refused request %s: %w", path, err)
	}
	in.log.Warn("inbox request refused", "file", path, "owner", owner, "kept_as", kept, "error", why)
	detail := map[string]any{"event": "inbox_request_refused", "file": path, "reason": why.Error(), "kept_as": kept}
	if owner != "" {
		detail["owner"] = owner
	}
	if _, err := in.j.Append(audit.Record{Type: audit.TypeNote, Detail: audit.JSON(detail)}); err != nil {
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
	if err := checker.Folder(dir); err != nil {
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
	b, owner, err := readTrusted(path)
	if err != nil {
		return audit.Record{}, owner, err
	}
	rec, err := decodeRequest(b, owner)
	return rec, owner, err
}

// readTrusted opens a trusted request file and reads it, bounded; it
// returns the file's owner as well.
func readTrusted(path string) ([]byte, string, error) {
	f, owner, err := checker.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxRequestBytes+1))
	switch {
	case err != nil:
		return nil, owner, err
	case len(b) > MaxRequestBytes:
		return nil, owner, fmt.Errorf("larger than %d bytes", MaxRequestBytes)
	}
	return b, owner, nil
}

// decodeRequest decodes a request file's content (unknown fields are an
// error) into its journal record, with owner, the file's owner, as the
// actor whatever the file says.
func decodeRequest(b []byte, owner string) (audit.Record, error) {
	r, err := decode(b)
	if err != nil {
		return audit.Record{}, err
	}
	r.Actor = audit.Actor{Host: audit.CurrentActor().Host, User: owner}
	return r.Record()
}

// decode reads a request file's content; unknown fields are an error.
func decode(b []byte) (Request, error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("parse: %w", err)
	}
	return r, nil
}
