package policy

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	_ "time/tzdata" // time zones must resolve on Windows hosts without a zoneinfo database
)

// duration decodes a Go duration ("90s", "1h30m") into dst. It must be
// positive, or zero or more when zeroOK.
func (d *decoder) duration(attrs hcl.Attributes, name string, dst *time.Duration, zeroOK bool) *hcl.Attribute {
	var s string
	a := attr(d, attrs, name, &s)
	if a == nil {
		return nil
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.fail(a.Expr.Range(), "Invalid duration",
			"%s takes a Go duration: a number and a unit (ms, s, m, h), e.g. \"30s\" or \"1h30m\"; got %q.", name, clip(s))
		return nil
	case v < 0 || v == 0 && !zeroOK:
		want := "greater than zero"
		if zeroOK {
			want = "zero or more"
		}
		d.fail(a.Expr.Range(), "Duration out of range", "%s must be %s; got %q.", name, want, clip(s))
		return nil
	}
	*dst = v
	return a
}

// intRange decodes a whole number in [lo, hi] into dst.
func (d *decoder) intRange(attrs hcl.Attributes, name string, dst *int, lo, hi int) *hcl.Attribute {
	var v int
	a := attr(d, attrs, name, &v)
	if a == nil {
		return nil
	}
	if v < lo || v > hi {
		d.fail(a.Expr.Range(), "Value out of range", "%s must be between %d and %d; got %d.", name, lo, hi, v)
		return nil
	}
	*dst = v
	return a
}

// nonEmpty decodes a string that must not be empty nor hold control
// characters.
func (d *decoder) nonEmpty(attrs hcl.Attributes, name string, dst *string) *hcl.Attribute {
	var s string
	a := attr(d, attrs, name, &s)
	if a == nil {
		return nil
	}
	if strings.TrimSpace(s) == "" || strings.ContainsFunc(s, isControl) {
		d.fail(a.Expr.Range(), "Invalid value", "%s must be a non-empty string without control characters.", name)
		return nil
	}
	*dst = s
	return a
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// localPath decodes a path on this machine, made absolute against the
// policy file's folder.
func (d *decoder) localPath(attrs hcl.Attributes, name string, dst *string) *hcl.Attribute {
	var s string
	a := d.nonEmpty(attrs, name, &s)
	if a == nil {
		return nil
	}
	*dst = d.abs(s)
	return a
}

// abs resolves p against the policy file's folder.
func (d *decoder) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}

// windowsPath decodes a folder on a remote Windows machine, checked as the
// real-site driver checks it (vocab.CheckWindowsFolder): an absolute drive
// path, no UNC share, no "..", no stream, no wildcard or quoting character.
func (d *decoder) windowsPath(attrs hcl.Attributes, name string, dst *string) *hcl.Attribute {
	var s string
	a := d.nonEmpty(attrs, name, &s)
	if a == nil {
		return nil
	}
	if err := vocab.CheckWindowsFolder(s); err != nil {
		d.fail(a.Expr.Range(), "Invalid Windows path",
			"%s takes an absolute folder on the server such as \"C:\\\\ProgramData\\\\...\" (backslashes doubled in HCL strings): %v.", name, err)
		return nil
	}
	*dst = s
	return a
}

// envName decodes the name of an environment variable.
func (d *decoder) envName(attrs hcl.Attributes, name string, dst *string) *hcl.Attribute {
	var s string
	a := attr(d, attrs, name, &s)
	if a == nil {
		return nil
	}
	if !validEnvName(s) {
		d.fail(a.Expr.Range(), "Invalid environment variable name",
			"%s names an environment variable (letters, digits and '_', not starting with a digit), "+
				"e.g. \"RECONCILER_CMDB_DSN\"; never put the secret itself in the policy.", name)
		return nil
	}
	*dst = s
	return a
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && c != '_' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// item is one string of a list, with the range of its expression.
type item struct {
	val string
	rng hcl.Range
}

// list decodes a list of strings. Each item carries its own range when the
// list is written as a literal, so that a bad item is pointed at precisely.
// Items are converted one by one: converting the whole tuple at once (cty's
// list unification) costs time quadratic in its length.
func (d *decoder) list(attrs hcl.Attributes, name string) ([]item, *hcl.Attribute) {
	a := attrs[name]
	if a == nil {
		return nil, nil
	}
	val, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return nil, nil
	}
	ty := val.Type()
	switch {
	case val.IsNull():
		d.fail(a.Expr.Range(), "Null value", "%s must not be null; remove the line to take the default.", name)
		return nil, nil
	case !ty.IsTupleType() && !ty.IsListType() && !ty.IsSetType():
		d.fail(a.Expr.Range(), "Incorrect attribute value type",
			"Inappropriate value for %s: list of string required.", name)
		return nil, nil
	case val.LengthInt() > MaxListItems:
		d.fail(a.Expr.Range(), "List too long",
			"%s lists %d items; at most %d. Use globs (\"PS-*\") rather than long lists of names.",
			name, val.LengthInt(), MaxListItems)
		return nil, nil
	}
	return d.items(a, name, val)
}

// items converts each element of the list val of attribute a to a string.
func (d *decoder) items(a *hcl.Attribute, name string, val cty.Value) ([]item, *hcl.Attribute) {
	n := val.LengthInt()
	tup, _ := a.Expr.(*hclsyntax.TupleConsExpr)
	items := make([]item, 0, n)
	for it := val.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		rng := a.Expr.Range()
		if tup != nil && len(tup.Exprs) == n {
			rng = tup.Exprs[len(items)].Range()
		}
		sv, err := convert.Convert(ev, cty.String)
		if err == nil && (sv.IsNull() || !sv.IsKnown()) {
			err = errors.New("a string is required")
		}
		if err != nil {
			d.fail(rng, "Incorrect attribute value type",
				"Inappropriate value for %s: element %d: %s.", name, len(items), err)
			return nil, nil
		}
		items = append(items, item{val: sv.AsString(), rng: rng})
	}
	return items, a
}

// kinds decodes a list of action kinds, reporting unknown and repeated ones.
func (d *decoder) kinds(attrs hcl.Attributes, name string) []actions.Kind {
	ks, _ := d.kindList(attrs, name)
	return ks
}

// kindList is kinds that also reports whether the attribute is a well-typed
// empty list, as opposed to absent, mistyped or holding only bad kinds.
func (d *decoder) kindList(attrs hcl.Attributes, name string) ([]actions.Kind, bool) {
	items, a := d.list(attrs, name)
	var out []actions.Kind
	for _, it := range items {
		k, ok := d.kind(it.val, it.rng)
		if !ok {
			continue
		}
		if slices.Contains(out, k) {
			d.fail(it.rng, "Duplicate action kind", "%s lists %s more than once.", name, k)
			continue
		}
		out = append(out, k)
	}
	return out, a != nil && len(items) == 0
}

// kind validates one action kind name, suggesting the closest known kind.
func (d *decoder) kind(s string, rng hcl.Range) (actions.Kind, bool) {
	k, err := actions.ParseKind(s)
	if err == nil {
		return k, true
	}
	names := make([]string, len(actions.Kinds))
	for i, k := range actions.Kinds {
		names[i] = string(k)
	}
	hint := ""
	if s := suggest(s, names); s != "" {
		hint = fmt.Sprintf(" Did you mean %q?", s)
	}
	d.fail(rng, "Unknown action kind", "%q is not an action kind.%s Known kinds: %s.",
		clip(s), hint, strings.Join(names, ", "))
	return "", false
}

// globs decodes a list of host-name patterns in path.Match syntax.
func (d *decoder) globs(attrs hcl.Attributes, name string) []string {
	items, _ := d.list(attrs, name)
	var out []string
	for _, it := range items {
		if _, err := path.Match(strings.ToLower(it.val), ""); it.val == "" || err != nil {
			d.fail(it.rng, "Invalid host pattern",
				"%s takes path.Match globs: '*' any characters, '?' one character, [a-z] a class, '\\\\' escapes; got %q.",
				name, clip(it.val))
			continue
		}
		out = append(out, it.val)
	}
	return out
}

// location decodes an IANA time zone name ("Europe/Paris"); absent means UTC.
func (d *decoder) location(attrs hcl.Attributes, name string) *time.Location {
	var s string
	a := attr(d, attrs, name, &s)
	if a == nil {
		return time.UTC
	}
	loc, err := time.LoadLocation(s)
	// "Local" would tie the policy to the host's settings; "" means UTC
	// in Go but reads as a mistake in a policy.
	if err != nil || s == "" || s == "Local" {
		d.fail(a.Expr.Range(), "Unknown time zone",
			"%s takes an IANA time zone name such as \"UTC\" or \"Europe/Paris\"; got %q.", name, clip(s))
		return time.UTC
	}
	return loc
}

// clip shortens a value echoed in a diagnostic.
func clip(s string) string { return vocab.Clip(s) }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
