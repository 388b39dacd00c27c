package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestScrubString(t *testing.T) {
	s := newScrubber([]string{"hunter2", "", "p@ss word"})
	tests := []struct{ in, want string }{
		{"no secret here", "no secret here"},
		{"login failed with hunter2", "login failed with [redacted]"},
		{"hunter2hunter2", "[redacted][redacted]"},
		{"dsn sqlserver://sa:p%40ss+word@ns01", "dsn sqlserver://sa:[redacted]@ns01"},
		{"path p@ss%20word", "path [redacted]"},
		{"server=ns01;user id=sa;password=Xyz!;database=cmdb", "server=ns01;user id=sa;password=[redacted];database=cmdb"},
		{"PWD=abc&x=1", "PWD=[redacted]&x=1"},
		{"Password = secret more", "Password = [redacted] more"},
		{`password="a b c";x`, "password=[redacted];x"},
		{"pwd={a;b};x", "pwd=[redacted];x"},
		{"db_password=zz", "db_password=[redacted]"},
		{"passwd=zz at end", "passwd=[redacted] at end"},
		{"sqlserver://sa:Secr3t@ns01:1433?database=cmdb", "sqlserver://sa:[redacted]@ns01:1433?database=cmdb"},
		{"https://ns01/Altiris", "https://ns01/Altiris"},
		{"bad utf8 \xff\xfe", "bad utf8 \uFFFD"},
		{"password=[redacted]", "password=[redacted]"},
	}
	for _, tt := range tests {
		if got := s.str(tt.in); got != tt.want {
			t.Errorf("str(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A sentinel secret put anywhere in a record never reaches the file, in
// any encoding.
func TestSecretsNeverWritten(t *testing.T) {
	const sentinel = `S3ntinel"P@ss;w0rd<x>`
	quoted, _ := json.Marshal(sentinel)
	escaped := string(quoted[1 : len(quoted)-1])
	forms := []string{sentinel, escaped, url.QueryEscape(sentinel), url.PathEscape(sentinel), "S3ntinel"}
	leak := "connect sqlserver://sa:" + url.QueryEscape(sentinel) + "@ns01: login failed for " + sentinel
	tests := []struct {
		name string
		r    Record
	}{
		{"error", Record{Type: TypeOutcome, Action: "a", Kind: "k", Outcome: Failed, Error: leak}},
		{"error key=value", Record{Type: TypeNote, Error: "open: Password=" + sentinel}},
		{"server and account", Record{Type: TypeNote, Server: sentinel, Account: sentinel, Rule: sentinel}},
		{"reason facts", Record{Type: TypeIntent, Action: "a", Kind: "k", Reasons: []Reason{{
			Cause: sentinel, Message: leak, Facts: []Fact{{Name: sentinel, Value: sentinel}}}}}},
		{"detail string", Record{Type: TypeNote, Detail: JSON(leak)}},
		{"detail object", Record{Type: TypePolicyReload, Detail: JSON(map[string]any{
			"dsn": leak, sentinel: []any{sentinel, map[string]string{"k": sentinel}}})}},
		{"actor", Record{Type: TypeApproval, Actor: Actor{Host: sentinel, User: sentinel}}},
	}
	path, j, _ := testJournal(t, Options{Secrets: func() []string { return []string{sentinel} }})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reasons := append([]Reason(nil), tt.r.Reasons...)
			w, err := j.Append(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if len(reasons) > 0 && tt.r.Reasons[0].Cause != reasons[0].Cause {
				t.Fatalf("Append modified the caller's reasons")
			}
			line, _, _ := encode(w)
			if !bytes.Contains(line, []byte(Redacted)) {
				t.Fatalf("nothing redacted in %s", line)
			}
		})
	}
	j.Close()
	b := readFile(t, path)
	for _, f := range forms {
		if bytes.Contains(b, []byte(f)) {
			t.Fatalf("secret form %q written:\n%s", f, b)
		}
	}
	mustVerify(t, path)
}

func TestSecretsRotate(t *testing.T) {
	current := "first-secret"
	path, j, _ := testJournal(t, Options{Secrets: func() []string { return []string{current} }})
	for _, s := range []string{"first-secret", "second-secret"} {
		current = s
		if _, err := j.Append(Record{Type: TypeNote, Error: "using " + s}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	if b := readFile(t, path); bytes.Contains(b, []byte("secret")) {
		t.Fatalf("rotated secret written:\n%s", b)
	}
}

func TestDetailNormalized(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{ "b": 1, "a": [ 2, 3 ] }`, `{"a":[2,3],"b":1}`},
		{`12345678901234567890123`, `12345678901234567890123`},
		{`"x<y"`, `"x\u003cy"`},
		{`{"pwd=abc":"password=abc"}`, `{"pwd=[redacted]":"password=[redacted]"}`},
	}
	path, j, _ := testJournal(t, Options{})
	for _, tt := range tests {
		w, err := j.Append(Record{Type: TypeNote, Detail: json.RawMessage(tt.in)})
		if err != nil {
			t.Fatal(err)
		}
		if string(w.Detail) != tt.want {
			t.Errorf("detail %s stored as %s, want %s", tt.in, w.Detail, tt.want)
		}
	}
	j.Close()
	mustVerify(t, path)
}

func TestJSONHelper(t *testing.T) {
	if got := string(JSON(map[string]int{"b": 2, "a": 1})); got != `{"a":1,"b":2}` {
		t.Fatalf("JSON(map) = %s", got)
	}
	if got := string(JSON(func() {})); !strings.HasPrefix(got, `"unencodable detail`) {
		t.Fatalf("JSON(func) = %s", got)
	}
	if got := string(JSON(errors.New("x"))); got != `{}` {
		t.Fatalf("JSON(error) = %s", got)
	}
}

func TestRedact(t *testing.T) {
	const secret = `S3cr"et&pw`
	tests := map[string]string{
		"login failed for " + secret:         "login failed for [redacted]",
		`{"error":"bad S3cr\"et&pw"}`:        `{"error":"bad [redacted]"}`,
		"dsn sqlserver://u:x%40y@h/db":       "dsn sqlserver://u:[redacted]@h/db",
		"server=sql;password=hunter2;user=a": "server=sql;password=[redacted];user=a",
		"escaped " + url.QueryEscape(secret): "escaped [redacted]",
		"nothing to hide":                    "nothing to hide",
	}
	for in, want := range tests {
		if got := Redact(in, []string{secret}); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
