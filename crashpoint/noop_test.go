//go:build !crashtest || !unix

package crashpoint

import "testing"

// TestNormalBuildNeverCrashes arms every point at its first hit: a normal
// build must ignore the variable and leave the write to its caller.
func TestNormalBuildNeverCrashes(t *testing.T) {
	if Enabled {
		t.Fatal("Enabled in a build without the crashtest tag")
	}
	for _, p := range Points {
		t.Setenv(EnvVar, p+":1")
		Hit(p)
	}
	f := &file{}
	TearWrite(f, []byte("line\n"))
	if f.Len() != 0 || f.syncs != 0 {
		t.Errorf("TearWrite wrote %q and synced %d times; want nothing", f.String(), f.syncs)
	}
}
