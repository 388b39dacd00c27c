package policy

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Load reads and decodes the policy file at path (made absolute against the
// current folder). On failure the error is a *Error holding every
// diagnostic; an unreadable file gives one diagnostic naming the path.
func Load(path string) (*Policy, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	src, err := readBounded(abs)
	if err != nil {
		detail := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			detail = pe.Err // the summary names the path already
		}
		return nil, &Error{cause: err, Diags: hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read policy file " + abs,
			Detail:   detail.Error() + ".",
		}}}
	}
	return Parse(src, abs)
}

// Parse decodes src as if read from filename, which should be absolute:
// relative paths in the policy resolve against its folder. Parse does no
// I/O beyond making a relative filename absolute. On failure the error is a
// *Error holding every diagnostic, sorted by position.
func Parse(src []byte, filename string) (*Policy, error) {
	if !filepath.IsAbs(filename) {
		if abs, err := filepath.Abs(filename); err == nil {
			filename = abs
		}
	}
	if d := checkShape(src, filename); d != nil {
		// hcl never sees a file it could not parse without overflowing
		// its stack (a fatal error, which no recover catches).
		return nil, &Error{Diags: hcl.Diagnostics{d}}
	}
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	files := map[string]*hcl.File{filename: file}
	if diags.HasErrors() {
		// A body with syntax errors is partial: decoding it would report
		// blocks "missing" that are merely unparsed.
		sortDiags(diags)
		return nil, &Error{Diags: diags, Files: files}
	}
	d := &decoder{dir: filepath.Dir(filename)}
	p := d.policy(file.Body)
	p.File = filename
	if d.diags.HasErrors() {
		sortDiags(d.diags)
		return nil, &Error{Diags: d.diags, Files: files}
	}
	return p, nil
}

// readBounded reads at most MaxFileBytes+1 bytes of the file at path, so
// that a huge file is refused by checkShape without being read whole.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
}

var rootSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "mode"}, {Name: "dry_run_kinds"}, {Name: "approve"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "site", LabelNames: []string{"kind"}},
		{Type: "credential"},
		{Type: "reconcile"},
		{Type: "limit", LabelNames: []string{"kind"}},
		{Type: "window", LabelNames: []string{"name"}},
		{Type: "scope"},
		{Type: "audit"},
		{Type: "http"},
		{Type: "notify", LabelNames: []string{"name"}},
		{Type: "notifications"},
	},
}

// policy decodes the whole file; blocks that are absent take defaults.
func (d *decoder) policy(body hcl.Body) *Policy {
	c := d.content(body, rootSchema)
	missing := body.MissingItemRange()
	p := &Policy{Mode: DryRun}
	d.mode(c.Attributes, &p.Mode)
	p.DryRunKinds = d.kinds(c.Attributes, "dry_run_kinds")
	p.Approve = d.kinds(c.Attributes, "approve")
	p.Site = d.site(c.Blocks, missing)
	p.Credential = d.credential(d.single(c.Blocks, "credential", true, missing,
		`credential { mode = "acc"  account = "CORP\\svc-itms-acc" }, the Package Service setting the NS must hold`))
	p.Reconcile = d.reconcile(d.single(c.Blocks, "reconcile", false, missing, ""))
	p.Limits = d.limits(c.Blocks.OfType("limit"))
	p.Windows = d.windows(c.Blocks.OfType("window"))
	p.Scope = d.scope(d.single(c.Blocks, "scope", false, missing, ""))
	p.Audit = d.audit(d.single(c.Blocks, "audit", false, missing, ""))
	p.HTTP = d.http(d.single(c.Blocks, "http", false, missing, ""))
	p.Notify = d.notifiers(c.Blocks.OfType("notify"))
	p.Notifications = d.notifications(d.single(c.Blocks, "notifications", false, missing, ""))
	return p
}

// mode decodes the global enforcement mode.
func (d *decoder) mode(attrs hcl.Attributes, dst *Mode) {
	var s string
	a := attr(d, attrs, "mode", &s)
	if a == nil {
		return
	}
	switch m := Mode(s); m {
	case Enforce, DryRun:
		*dst = m
	default:
		d.fail(a.Expr.Range(), "Invalid mode",
			"mode is \"enforce\" (apply actions) or \"dry-run\" (plan and audit only); got %q.", clip(s))
	}
}
