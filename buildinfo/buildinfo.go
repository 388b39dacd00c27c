// Package buildinfo says which build of reconciler is running: the module
// version, the VCS revision and time the Go toolchain stamped into the
// binary (runtime/debug.ReadBuildInfo), and the Go version. `reconciler
// version` prints it and the metric reconciler_build_info carries it.
//
// It reads only the binary's own build information; it does no I/O.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Unknown stands for a field the build did not record (a build with
// -buildvcs=false, or a test binary).
const Unknown = "unknown"

// Info describes one build.
type Info struct {
	// Version is the main module's version: a tag (v1.2.0), a pseudo
	// version, or "(devel)" for a build from a work tree.
	Version string `json:"version"`
	// Revision is the VCS commit, Time its commit time, Unknown when not
	// stamped; Modified is set when the work tree had uncommitted changes.
	Revision  string `json:"revision"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
}

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: Unknown, Revision: Unknown, GoVersion: runtime.Version()}
	}
	return fromBuildInfo(bi)
}

func fromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Version: bi.Main.Version, Revision: Unknown, GoVersion: bi.GoVersion}
	if in.Version == "" {
		in.Version = Unknown
	}
	if in.GoVersion == "" {
		in.GoVersion = runtime.Version()
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// ShortRevision is the revision's first 12 characters.
func (in Info) ShortRevision() string {
	if len(in.Revision) > 12 {
		return in.Revision[:12]
	}
	return in.Revision
}

// String is one line for people:
// "reconciler v1.2.0 (revision 0123456789ab, 2026-03-01T02:00:00Z, modified; go1.26.0)".
func (in Info) String() string {
	var parts []string
	parts = append(parts, "revision "+in.ShortRevision())
	if in.Time != "" {
		parts = append(parts, in.Time)
	}
	if in.Modified {
		parts = append(parts, "modified")
	}
	return fmt.Sprintf("reconciler %s (%s; %s)", in.Version, strings.Join(parts, ", "), in.GoVersion)
}
