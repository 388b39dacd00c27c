// Command vulncheck reads govulncheck's JSON stream (govulncheck -format
// json) and decides what CI does with it: a vulnerable symbol of a module
// dependency that our code can reach fails (exit 1: upgrade the module); a
// standard-library one that only a newer Go release fixes is reported and
// does not fail, since no change to go.mod can fix it; vulnerabilities in
// packages imported or modules required but not called are listed as
// notes. scripts/vulncheck.sh runs govulncheck and pipes it here.
//
// Usage: vulncheck [-db-version V] [FILE]   (FILE defaults to stdin)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vulncheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbVersion := fs.String("db-version", "", "the golang.org/x/vulndb version the database was built from, for the report")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	in := stdin
	if fs.NArg() > 0 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "vulncheck:", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	rep, err := Parse(in)
	if err != nil {
		fmt.Fprintln(stderr, "vulncheck:", err)
		return 2
	}
	Write(stdout, rep, *dbVersion)
	if len(rep.Failing()) > 0 {
		return 1
	}
	return 0
}

// Write prints the report: failures, then standard-library findings, then
// notes, then a one-line summary.
func Write(w io.Writer, rep *Report, dbVersion string) {
	db := rep.DB
	if dbVersion != "" {
		db += " (golang.org/x/vulndb " + dbVersion + ")"
	}
	fmt.Fprintf(w, "govulncheck %s, %s, database %s\n", rep.Scanner, rep.GoVersion, db)
	failing := rep.Failing()
	var stdlib, notes int
	for _, v := range rep.Vulns {
		switch {
		case containsID(failing, v):
			fmt.Fprintf(w, "FAIL    %s %s@%s, fixed in %s: %s\n", v.ID, v.Module, v.Found, orNone(v.Fixed), v.Summary)
		case v.Level == SymbolLevel:
			stdlib++
			fmt.Fprintf(w, "STDLIB  %s %s@go%s, fixed in go%s (needs a newer Go than %s; not failed): %s\n",
				v.ID, v.Package, strings.TrimPrefix(v.Found, "v"), orNone(v.Fixed), rep.GoVersion, v.Summary)
		default:
			notes++
			what := "module required"
			if v.Level == PackageLevel {
				what = "package imported"
			}
			fmt.Fprintf(w, "note    %s %s@%s, fixed in %s (%s, not called): %s\n", v.ID, v.Module, v.Found, orNone(v.Fixed), what, v.Summary)
			continue
		}
		for i, p := range v.Paths {
			if i == 3 {
				fmt.Fprintf(w, "          … and %d more call paths\n", len(v.Paths)-3)
				break
			}
			fmt.Fprintf(w, "          %s\n", p)
		}
	}
	fmt.Fprintf(w, "%d called in module dependencies (fail), %d in the standard library (reported), %d imported or required but not called\n",
		len(failing), stdlib, notes)
}

func containsID(vs []Vuln, v Vuln) bool {
	for _, x := range vs {
		if x.ID == v.ID && x.Module == v.Module {
			return true
		}
	}
	return false
}

func orNone(v string) string {
	if v == "" {
		return "no release yet"
	}
	return strings.TrimPrefix(v, "v")
}
