//go:build !crashtest || !unix

package crashpoint

// Enabled reports whether this build can crash on purpose: false here.
const Enabled = false

// Hit does nothing in this build.
func Hit(string) {}

// TearWrite does nothing in this build: the caller writes the line itself,
// with one write call.
func TearWrite(Syncer, []byte) {}
