package audit

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestTornTailCut(t *testing.T) {
	rs := sampleRecords()
	_, orig := writeRecords(t, rs)
	ls := splitLines(orig)
	n := int64(len(rs))
	lastStart := len(orig) - len(ls[len(ls)-1])
	tests := []struct {
		name     string
		content  []byte
		keep     int   // bytes of content that must survive
		cut      int64 // bytes Open cuts
		afterSeq int64
		newline  bool // Open adds the last record's newline instead
	}{
		{"newline cut only", orig[:len(orig)-1], len(orig) - 1, 0, n, true},
		{"closing brace cut", orig[:len(orig)-2], lastStart, int64(len(orig) - 2 - lastStart), n - 1, false},
		{"cut mid-hash", orig[:len(orig)-20], lastStart, int64(len(orig) - 20 - lastStart), n - 1, false},
		{"cut mid-line", orig[:lastStart+len(ls[len(ls)-1])/2], lastStart, int64(len(ls[len(ls)-1]) / 2), n - 1, false},
		{"one byte left", orig[:lastStart+1], lastStart, 1, n - 1, false},
		{"whole line cut: nothing to do", orig[:lastStart], lastStart, 0, n - 1, false},
		{"garbage without newline", cat(orig, "garb"), len(orig), 4, n, false},
		{"NUL bytes from a lost page", cat(orig, "\x00\x00\x00\x00\x00\x00"), len(orig), 6, n, false},
		{"NUL bytes then the end of a line", cat(orig, "\x00\x00\x00\"}\n"), len(orig), 6, n, false},
		{"empty last line", cat(orig, "\n"), len(orig), 1, n, false},
		{"JSON but not a record", cat(orig, "{}\n"), len(orig), 3, n, false},
		{"torn first record", []byte(`{"seq":1,"ti`), 0, 12, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/audit.jsonl"
			writeFile(t, path, tt.content)
			if v, err := Verify(path); err != nil || !v.OK() || v.Torn != tt.cut {
				t.Fatalf("Verify before Open = %+v, %v; want intact with %d torn bytes", v, err, tt.cut)
			}
			wantPrefix := tt.content[:tt.keep]
			if tt.newline {
				wantPrefix = orig
			}
			rec := openRecovering(t, path, wantPrefix)
			if tt.cut == 0 && !tt.newline {
				if len(rec) != 0 || !bytes.Equal(readFile(t, path), tt.content) {
					t.Fatalf("Open changed a clean journal; recovered %+v", rec)
				}
				return
			}
			if len(rec) != 1 || rec[0].Type != TypeRecovered {
				t.Fatalf("Recovered() = %+v, want one recovered record", rec)
			}
			d := detailOf(t, rec[0])
			if d["cut_bytes"] != float64(tt.cut) || d["after_seq"] != float64(tt.afterSeq) ||
				(d["added_newline"] == true) != tt.newline {
				t.Fatalf("recovered detail %v, want cut %d after seq %d newline %v", d, tt.cut, tt.afterSeq, tt.newline)
			}
			mustVerify(t, path)
			again := reopen(t, path, Options{})
			if r := again.Recovered(); len(r) != 0 {
				t.Fatalf("second Open recovered again: %+v", r)
			}
			again.Close()
		})
	}
}

// openRecovering opens path and checks that the file then holds prefix
// followed by at most the one line Open appended.
func openRecovering(t *testing.T, path string, prefix []byte) []Record {
	t.Helper()
	j := reopen(t, path, Options{})
	rec := j.Recovered()
	j.Close()
	got := readFile(t, path)
	if !bytes.HasPrefix(got, prefix) || len(splitLines(got)) != bytes.Count(prefix, []byte("\n"))+len(rec) {
		t.Fatalf("file after Open:\n%s", got)
	}
	return rec
}

func cat(b []byte, s string) []byte { return append(bytes.Clone(b), s...) }

// A torn intent never returned from Append, so its action never ran: it is
// cut, and no indeterminate record is written for it.
func TestTornIntentIsNotIndeterminate(t *testing.T) {
	path, orig := writeRecords(t, []Record{intent("pass-1", "resend_status:PS001", "resend_status", "PS001")})
	writeFile(t, path, orig[:len(orig)-10])
	j := reopen(t, path, Options{})
	defer j.Close()
	rec := j.Recovered()
	if len(rec) != 1 || rec[0].Type != TypeRecovered {
		t.Fatalf("Recovered() = %+v, want only a recovered record", rec)
	}
}

func TestIndeterminate(t *testing.T) {
	const ps = "resend_status:PS001"
	tests := []struct {
		name string
		rs   []Record
		want []int64 // intent seqs left open
	}{
		{"intent without outcome", []Record{intent("p1", ps, "resend_status", "PS001")}, []int64{1}},
		{"intent with outcome", []Record{
			intent("p1", ps, "resend_status", "PS001"),
			outcome("p1", ps, "resend_status", "PS001", Failed)}, nil},
		{"outcome in another pass does not close it", []Record{
			intent("p1", ps, "resend_status", "PS001"),
			outcome("p2", ps, "resend_status", "PS001", Applied)}, []int64{1}},
		{"deferred needs no intent", []Record{
			outcome("p1", ps, "resend_status", "PS001", Deferred)}, nil},
		{"two open, in seq order", []Record{
			intent("p1", "grant_acl:PS002", "grant_acl", "PS002"),
			intent("p1", ps, "resend_status", "PS001"),
			{Type: TypeNote}}, []int64{1, 2}},
		{"same action in two passes, second open", []Record{
			intent("p1", ps, "resend_status", "PS001"),
			outcome("p1", ps, "resend_status", "PS001", Applied),
			intent("p2", ps, "resend_status", "PS001")}, []int64{3}},
		{"already marked indeterminate", []Record{
			intent("p1", ps, "resend_status", "PS001"),
			{Type: TypeIndeterminate, Pass: "p1", Action: ps, Kind: "resend_status", Outcome: Indeterminate}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writeRecords(t, tt.rs)
			j := reopen(t, path, Options{})
			rec := j.Recovered()
			j.Close()
			var got []int64
			for _, r := range rec {
				got = append(got, checkIndeterminate(t, tt.rs, r))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("indeterminate for intents %v, want %v", got, tt.want)
			}
			for range 2 {
				again := reopen(t, path, Options{})
				if r := again.Recovered(); len(r) != 0 {
					t.Fatalf("reopen added %+v", r)
				}
				again.Close()
			}
			mustVerify(t, path)
		})
	}
}

// checkIndeterminate checks that r repeats its intent's action fields and
// returns the intent's seq.
func checkIndeterminate(t *testing.T, rs []Record, r Record) int64 {
	t.Helper()
	seq := int64(detailOf(t, r)["intent_seq"].(float64))
	in := rs[seq-1]
	want := Record{Type: TypeIndeterminate, Pass: in.Pass, Plan: in.Plan, Action: in.Action,
		Kind: in.Kind, Server: in.Server, Outcome: Indeterminate}
	r.Seq, r.Time, r.Actor, r.Detail, r.Prev, r.Hash = 0, time.Time{}, Actor{}, nil, "", ""
	if !reflect.DeepEqual(r, want) {
		t.Errorf("indeterminate record %+v, want %+v", r, want)
	}
	return seq
}
