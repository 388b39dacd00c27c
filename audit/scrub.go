package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Redacted replaces a secret in a record.
const Redacted = "[redacted]"

var (
	// kvSecret matches password=VALUE and pwd=VALUE (any case), the value
	// running to the next ';', '&' or white space, or quoted, or braced as
	// in ADO connection strings.
	kvSecret = regexp.MustCompile(`(?i)(password|passwd|pwd)(\s*=\s*)("[^"]*"?|'[^']*'?|\{[^}]*\}?|[^;&\s]*)`)
	// urlSecret matches the password of a URL's user info, as in
	// sqlserver://user:PASSWORD@host.
	urlSecret = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@`)
)

// scrubber removes secrets from every string of a record before it is
// written. It is defensive: callers must not put secrets in records at all.
type scrubber struct {
	secrets []string // literal values and their URL-escaped forms, longest first
}

func newScrubber(values []string) *scrubber {
	seen := map[string]bool{}
	s := &scrubber{}
	for _, v := range values {
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if form != "" && !seen[form] {
				seen[form] = true
				s.secrets = append(s.secrets, form)
			}
		}
	}
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

// str scrubs one string and makes it valid UTF-8, so that it reads back
// exactly as written.
func (s *scrubber) str(v string) string {
	for _, sec := range s.secrets {
		if strings.Contains(v, sec) {
			v = strings.ReplaceAll(v, sec, Redacted)
		}
	}
	if strings.IndexByte(v, '=') >= 0 {
		v = kvSecret.ReplaceAllString(v, "${1}${2}"+Redacted)
	}
	if strings.Contains(v, "://") {
		v = urlSecret.ReplaceAllString(v, "${1}"+Redacted+"@")
	}
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return v
}

// record returns a scrubbed copy of r; r's slices are not modified.
func (s *scrubber) record(r Record) (Record, error) {
	for _, p := range []*string{&r.Pass, &r.Plan, &r.Action, &r.Kind, &r.Server,
		&r.Package, &r.Mode, &r.Account, &r.Rule, &r.Error, &r.Actor.Host, &r.Actor.User} {
		*p = s.str(*p)
	}
	if r.Reasons != nil {
		rs := make([]Reason, len(r.Reasons))
		for i, in := range r.Reasons {
			rs[i] = Reason{Cause: s.str(in.Cause), Message: s.str(in.Message)}
			if in.Facts != nil {
				rs[i].Facts = make([]Fact, len(in.Facts))
				for k, f := range in.Facts {
					rs[i].Facts[k] = Fact{Name: s.str(f.Name), Value: s.str(f.Value)}
				}
			}
		}
		r.Reasons = rs
	}
	if len(r.Detail) > 0 {
		d, err := s.detail(r.Detail)
		if err != nil {
			return Record{}, err
		}
		r.Detail = d
	}
	return r, nil
}

// detail scrubs every string and key of a JSON value and returns it
// compact with sorted keys. Numbers keep their text.
func (s *scrubber) detail(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("detail: %w", err)
	}
	out, err := json.Marshal(s.value(v))
	if err != nil {
		return nil, fmt.Errorf("detail: %w", err)
	}
	return out, nil
}

func (s *scrubber) value(v any) any {
	switch t := v.(type) {
	case string:
		return s.str(t)
	case []any:
		for i := range t {
			t[i] = s.value(t[i])
		}
		return t
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[s.str(k)] = s.value(e)
		}
		return m
	}
	return v
}

// Redact removes secrets from text the way the journal does for its
// records: each value and its URL-escaped and JSON-escaped forms, and any
// password=… or URL user password, become [redacted]. Logs and command
// output use it as a second line of defence: callers must not put secrets
// in messages at all.
func Redact(s string, secrets []string) string {
	values := secrets
	for _, v := range secrets {
		values = append(values, jsonForms(v)...)
	}
	return newScrubber(values).str(s)
}

// jsonForms are v as it appears inside JSON strings, with and without
// HTML escaping (encoding/json escapes <, > and & by default).
func jsonForms(v string) []string {
	var out []string
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(v) == nil {
			q := strings.TrimSuffix(b.String(), "\n")
			out = append(out, q[1:len(q)-1])
		}
	}
	return out
}
