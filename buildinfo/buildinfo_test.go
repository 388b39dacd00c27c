package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"stamped", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"},
				{Key: "vcs.time", Value: "2026-03-01T02:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"reconciler v1.2.0 (revision 0123456789ab, 2026-03-01T02:00:00Z, modified; go1.26.0)"},
		{"work tree without VCS stamp", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"reconciler (devel) (revision unknown; go1.26.0)"},
		{"clean", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.9.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}},
			"reconciler v0.9.0 (revision abc; go1.26.0)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fromBuildInfo(&tc.bi).String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestReadNamesTheGoVersion(t *testing.T) {
	in := Read()
	if in.GoVersion == "" || in.Version == "" || in.Revision == "" {
		t.Errorf("Read() = %+v: every field but Time is set", in)
	}
}
