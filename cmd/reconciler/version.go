package main

import (
	"context"
	"encoding/json"

	"github.com/itms-tools/reconciler/buildinfo"
)

func init() {
	register(command{name: "version", summary: "print the build: version, revision, Go version", run: runVersion})
}

func runVersion(_ context.Context, e *env, args []string) int {
	fs, _ := newFlags(e, "version")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return e.errorf("version: unexpected argument %q", fs.Arg(0))
	}
	return printVersion(e, *asJSON)
}

// printVersion writes the build information to stdout.
func printVersion(e *env, asJSON bool) int {
	in := buildinfo.Read()
	if !asJSON {
		if _, err := e.stdout.Write([]byte(in.String() + "\n")); err != nil {
			return e.errorf("write: %v", err)
		}
		return exitOK
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(in); err != nil {
		return e.errorf("write: %v", err)
	}
	return exitOK
}
