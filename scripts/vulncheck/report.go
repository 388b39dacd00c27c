package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io"
	"slices"
	"strings"
)

// The parts of govulncheck's JSON stream (-format json, protocol v1.0.0)
// that the report reads. Everything else is ignored.
type message struct {
	Config  *config  `json:"config"`
	SBOM    *sbom    `json:"SBOM"`
	OSV     *osv     `json:"osv"`
	Finding *finding `json:"finding"`
}

type config struct {
	ProtocolVersion string `json:"protocol_version"`
	ScannerVersion  string `json:"scanner_version"`
	DB              string `json:"db"`
	GoVersion       string `json:"go_version"`
	ScanLevel       string `json:"scan_level"`
}

type sbom struct {
	Modules []struct {
		Path    string `json:"path"`
		Version string `json:"version"`
	} `json:"modules"`
}

type osv struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

// frame is one step of a trace; Trace[0] is the vulnerable code, the last
// frame the outermost caller.
type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
	} `json:"position"`
}

// Level is how close the code comes to a vulnerability.
type Level int

// Levels, from govulncheck's scan: the module is required, a vulnerable
// package is imported, a vulnerable symbol is reachable from our code.
const (
	ModuleLevel Level = iota
	PackageLevel
	SymbolLevel
)

// Vuln is one vulnerability in one module, at the closest level found.
type Vuln struct {
	ID, Summary string
	Module      string // "stdlib" for the standard library
	Package     string // the vulnerable package, when known
	Found       string // the version in use
	Fixed       string // "" when no fix is released
	Level       Level
	Paths       []string // distinct call paths, for symbol findings
}

// Report is a scan's findings, classified.
type Report struct {
	Scanner, DB, GoVersion, MainModule string
	Vulns                              []Vuln
}

// Parse reads govulncheck's JSON stream.
func Parse(r io.Reader) (*Report, error) {
	dec := json.NewDecoder(r)
	rep := &Report{}
	summaries := map[string]string{}
	byKey := map[[2]string]*Vuln{}
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("govulncheck output: %w", err)
		}
		switch {
		case m.Config != nil:
			if !strings.HasPrefix(m.Config.ProtocolVersion, "v1.") {
				return nil, fmt.Errorf("govulncheck output: protocol %q, this report reads v1", m.Config.ProtocolVersion)
			}
			rep.Scanner, rep.DB, rep.GoVersion = m.Config.ScannerVersion, m.Config.DB, m.Config.GoVersion
		case m.SBOM != nil && len(m.SBOM.Modules) > 0:
			rep.MainModule = m.SBOM.Modules[0].Path
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil:
			if err := rep.add(byKey, m.Finding); err != nil {
				return nil, err
			}
		}
	}
	if rep.GoVersion == "" {
		return nil, errors.New("govulncheck output: no config message (not a -format json stream?)")
	}
	for _, v := range byKey {
		v.Summary = summaries[v.ID]
		slices.Sort(v.Paths)
		rep.Vulns = append(rep.Vulns, *v)
	}
	slices.SortFunc(rep.Vulns, func(a, b Vuln) int {
		return cmp.Or(cmp.Compare(b.Level, a.Level), strings.Compare(a.Module, b.Module), strings.Compare(a.ID, b.ID))
	})
	return rep, nil
}

// add merges one finding into its vulnerability.
func (rep *Report) add(byKey map[[2]string]*Vuln, f *finding) error {
	if f.OSV == "" || len(f.Trace) == 0 || f.Trace[0].Module == "" {
		return fmt.Errorf("govulncheck output: finding without id or module: %+v", f)
	}
	top := f.Trace[0]
	key := [2]string{f.OSV, top.Module}
	v := byKey[key]
	if v == nil {
		v = &Vuln{ID: f.OSV, Module: top.Module, Found: top.Version, Fixed: f.FixedVersion}
		byKey[key] = v
	}
	lvl := ModuleLevel
	switch {
	case top.Function != "":
		lvl = SymbolLevel
	case top.Package != "":
		lvl = PackageLevel
	}
	v.Level = max(v.Level, lvl)
	if v.Package == "" {
		v.Package = top.Package
	}
	if lvl == SymbolLevel {
		if p := rep.path(f.Trace); !slices.Contains(v.Paths, p) {
			v.Paths = append(v.Paths, p)
		}
	}
	return nil
}

// path renders a trace as govulncheck's summary does: the innermost frame
// of our module, where it is, and the vulnerable symbol it reaches.
func (rep *Report) path(trace []frame) string {
	vuln := symbol(trace[0])
	for i := 1; i < len(trace); i++ {
		fr := trace[i]
		if fr.Module != rep.MainModule && !(rep.MainModule == "" && fr.Version == "" && fr.Module != "stdlib") {
			continue
		}
		where := ""
		if fr.Position != nil {
			where = fmt.Sprintf("%s:%d: ", fr.Position.Filename, fr.Position.Line)
		}
		via := " → "
		if i > 1 {
			via = " → … → "
		}
		return where + symbol(fr) + via + vuln
	}
	return vuln
}

// symbol names a frame's function as pkg.Recv.Func, with the package's last
// path element.
func symbol(fr frame) string {
	pkg := fr.Package[strings.LastIndex(fr.Package, "/")+1:]
	name := fr.Function
	if r := strings.TrimPrefix(fr.Receiver, "*"); r != "" {
		name = r + "." + name
	}
	return pkg + "." + name
}

// StdlibNeedsNewerGo reports whether a standard-library vulnerability is
// fixed only in a Go release newer than the one scanned with (or not
// fixed at all): nothing in go.mod can fix it, only a new toolchain.
func (rep *Report) StdlibNeedsNewerGo(v Vuln) bool {
	if v.Fixed == "" {
		return true
	}
	fixed := "go" + strings.TrimPrefix(v.Fixed, "v")
	return version.Compare(fixed, rep.GoVersion) > 0
}

// Failing returns the vulnerabilities that fail the check: code of ours
// calls a vulnerable symbol of a module dependency (fix: upgrade it), or of
// the standard library although the Go in use has the fix.
func (rep *Report) Failing() []Vuln {
	var out []Vuln
	for _, v := range rep.Vulns {
		if v.Level == SymbolLevel && (v.Module != "stdlib" || !rep.StdlibNeedsNewerGo(v)) {
			out = append(out, v)
		}
	}
	return out
}
