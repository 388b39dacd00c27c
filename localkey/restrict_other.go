//go:build !windows

package localkey

import "os"

// restrict makes f readable and writable by its owner only.
func restrict(f *os.File) error { return f.Chmod(0o600) }
