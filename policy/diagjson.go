package policy

import (
	"errors"

	"github.com/hashicorp/hcl/v2"
)

// CheckResult is `reconciler policy check -json`: the shape of Terraform's
// `validate -json`, so that editors and CI tools that read one read the
// other. Diagnostics keep the order of the load.
type CheckResult struct {
	Valid        bool         `json:"valid"`
	ErrorCount   int          `json:"error_count"`
	WarningCount int          `json:"warning_count"`
	Diagnostics  []Diagnostic `json:"diagnostics"`
}

// Diagnostic is one problem. Range is nil for a problem without a place in
// the file (a file that cannot be read).
type Diagnostic struct {
	Severity string `json:"severity"` // "error" or "warning"
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	Range    *Range `json:"range,omitempty"`
}

// Range is a span of a file: line and column count from 1, byte from 0.
type Range struct {
	Filename string `json:"filename"`
	Start    Pos    `json:"start"`
	End      Pos    `json:"end"`
}

// Pos is a position in a file.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// Check turns the error of Load into a CheckResult: nil is valid, an
// *Error gives its diagnostics, and any other error one diagnostic
// without a range.
func Check(err error) CheckResult {
	r := CheckResult{Valid: err == nil, Diagnostics: []Diagnostic{}}
	if err == nil {
		return r
	}
	var pe *Error
	if !errors.As(err, &pe) {
		r.Diagnostics = append(r.Diagnostics, Diagnostic{Severity: "error", Summary: err.Error()})
		r.ErrorCount = 1
		return r
	}
	for _, d := range pe.Diags {
		jd := Diagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail, Range: jsonRange(d.Subject)}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			r.WarningCount++
		} else {
			r.ErrorCount++
		}
		r.Diagnostics = append(r.Diagnostics, jd)
	}
	r.Valid = r.ErrorCount == 0
	return r
}

func jsonRange(rg *hcl.Range) *Range {
	if rg == nil {
		return nil
	}
	pos := func(p hcl.Pos) Pos { return Pos{Line: p.Line, Column: p.Column, Byte: p.Byte} }
	return &Range{Filename: rg.Filename, Start: pos(rg.Start), End: pos(rg.End)}
}
