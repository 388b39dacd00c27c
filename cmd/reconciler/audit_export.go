package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/auditfilter"
	"github.com/itms-tools/reconciler/auditview"
	"github.com/itms-tools/reconciler/vocab"
)

// auditExport writes the records the filters select, across segments, as
// CSV (a header row, then CSVHeader's columns) or JSON lines (records as
// stored), to stdout or --out, for a SIEM or a spreadsheet. Every record
// is scrubbed again on the way out.
func auditExport(e *env, args []string) int {
	fs, c := newFlags(e, "audit export")
	var f auditfilter.Filters
	auditview.Register(fs, &f)
	format := fs.String("format", "jsonl", "csv or jsonl")
	out := fs.String("out", "", "write to this file (replaced whole, mode 0600) instead of stdout")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("audit export: unexpected argument %q (filters are flags)", vocab.Clip(fs.Arg(0)))
	}
	if *format != "csv" && *format != "jsonl" {
		return e.errorf("audit export: --format %q: want csv or jsonl", vocab.Clip(*format))
	}
	q, err := f.Query(e.clock.Now(), auditfilter.Flag)
	if err != nil {
		return e.errorf("audit export: %v", err)
	}
	pol, code := loadPolicy(e, c)
	if pol == nil {
		return code
	}
	path := pol.Audit.Path
	n, err := exportTo(e.stdout, *out, func(w io.Writer) (int, error) { return exportRecords(w, path, q, *format) })
	switch {
	case journalMissing(err):
		return e.errorf("audit export: journal %s does not exist (nothing recorded yet, or check audit.path in the policy)", path)
	case err != nil:
		return e.errorf("audit export: %v", err)
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "%s written to %s\n", vocab.Count(n, "record"), *out)
	}
	return exitOK
}

// exportTo runs write on stdout, or on a temporary file beside out that
// replaces out once complete, so that a failed export never leaves half a
// file where a SIEM picks it up.
func exportTo(stdout io.Writer, out string, write func(io.Writer) (int, error)) (int, error) {
	if out == "" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := write(tmp)
	if err = errors.Join(err, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), out)
}

// exportRecords writes the selected records in format and returns how many.
func exportRecords(w io.Writer, path string, q audit.Query, format string) (int, error) {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if format == "csv" {
		if err := cw.Write(audit.CSVHeader); err != nil {
			return 0, err
		}
	}
	n := 0
	err := auditview.Select(path, q, func(row auditview.Row) error {
		r := row.Record
		n++
		r = audit.Scrub(r, nil)
		if format == "csv" {
			return cw.Write(audit.CSVRow(r))
		}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = bw.Write(append(b, '\n'))
		return err
	})
	cw.Flush()
	if err := errors.Join(err, cw.Error(), bw.Flush()); err != nil {
		return n, err
	}
	return n, nil
}
