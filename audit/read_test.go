package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"
)

// filterRecords is a journal for Filter: records one minute apart from t0,
// seq 1 to 10.
func filterRecords() []Record {
	ps1, ns := "PS001", ""
	return []Record{
		{Type: TypePassStart, Pass: "pass-1"},                                                                                            // 1
		intent("pass-1", "resend_status:PS001", "resend_status", ps1),                                                                    // 2
		outcome("pass-1", "resend_status:PS001", "resend_status", ps1, Applied),                                                          // 3
		outcome("pass-1", "delete_ns_snapshot:NS", "delete_ns_snapshot", ns, Deferred),                                                   // 4
		{Type: TypePassEnd, Pass: "pass-1"},                                                                                              // 5
		{Type: TypePassStart, Pass: "pass-2"},                                                                                            // 6
		{Type: TypeIntent, Pass: "pass-2", Plan: "p-2", Action: "grant_acl:PS002", Kind: "grant_acl", Server: "PS002"},                   // 7
		{Type: TypeOutcome, Pass: "pass-2", Plan: "p-2", Action: "grant_acl:PS002", Kind: "grant_acl", Server: "PS002", Outcome: Failed}, // 8
		{Type: TypeApproval, Plan: "p-2", Action: "set_credential_mode:NS:acc"},                                                          // 9
		{Type: TypePassEnd, Pass: "pass-2"},                                                                                              // 10
	}
}

func TestFilter(t *testing.T) {
	path, _ := writeRecords(t, filterRecords())
	at := func(seq int) time.Time { return t0.Add(time.Duration(seq-1) * time.Minute) }
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"everything", Query{}, "[1 2 3 4 5 6 7 8 9 10]"},
		{"server, any case", Query{Server: "ps001"}, "[2 3]"},
		{"kind", Query{Kind: "grant_acl"}, "[7 8]"},
		{"outcome", Query{Outcome: "deferred"}, "[4]"},
		{"plan", Query{Plan: "p-2"}, "[7 8 9]"},
		{"type", Query{Type: "pass_start"}, "[1 6]"},
		{"action", Query{Action: "resend_status:PS001"}, "[2 3]"},
		{"pass", Query{Pass: "pass-2"}, "[6 7 8 10]"},
		{"since is inclusive", Query{Since: at(8)}, "[8 9 10]"},
		{"until is exclusive", Query{Until: at(3)}, "[1 2]"},
		{"time range", Query{Since: at(4), Until: at(6)}, "[4 5]"},
		{"range and kind", Query{Since: at(3), Kind: "resend_status"}, "[3]"},
		{"no match", Query{Server: "PS404"}, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			err := Filter(path, tt.q, func(r Record) error { got = append(got, r.Seq); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprint(got); s != tt.want && !(tt.want == "[]" && got == nil) {
				t.Fatalf("Filter = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestSpent(t *testing.T) {
	for _, r := range filterRecords() {
		if got, want := r.Spent(), r.Type == TypeIntent; got != want {
			t.Errorf("%s %s Spent() = %v", r.Type, r.Outcome, got)
		}
	}
}

func TestReadAll(t *testing.T) {
	_, orig := writeRecords(t, filterRecords())
	errStop := errors.New("stop")
	tests := []struct {
		name    string
		content []byte
		stopAt  int64
		want    int // records delivered
		wantErr func(error) bool
	}{
		{"whole", orig, 0, 10, nil},
		{"torn tail ignored", orig[:len(orig)-5], 0, 9, nil},
		{"last record without newline kept", orig[:len(orig)-1], 0, 10, nil},
		{"garbage in the middle", cat(orig[:100], "\n"+string(orig[100:])), 0, 0, isChainError},
		{"fn error returned as is", orig, 3, 3, func(err error) bool { return err == errStop }},
		{"empty", nil, 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/audit.jsonl"
			writeFile(t, path, tt.content)
			n := 0
			err := ReadAll(path, func(r Record) error {
				n++
				if r.Seq == tt.stopAt {
					return errStop
				}
				return nil
			})
			if (tt.wantErr == nil) != (err == nil) || (err != nil && !tt.wantErr(err)) {
				t.Fatalf("ReadAll err = %v", err)
			}
			if tt.wantErr == nil && n != tt.want {
				t.Fatalf("ReadAll delivered %d records, want %d", n, tt.want)
			}
		})
	}
	if err := ReadAll(t.TempDir()+"/missing", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadAll(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := Verify(t.TempDir() + "/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Verify(missing) = %v, want fs.ErrNotExist", err)
	}
}

func isChainError(err error) bool {
	var ce *ChainError
	return errors.As(err, &ce)
}

func TestVerifyReportsMissingNewline(t *testing.T) {
	_, orig := writeRecords(t, filterRecords())
	path := t.TempDir() + "/audit.jsonl"
	writeFile(t, path, orig[:len(orig)-1])
	v, err := Verify(path)
	if err != nil || !v.OK() || v.Records != 10 || v.Problem == "" {
		t.Fatalf("Verify = %+v, %v", v, err)
	}
}
