//go:build crashtest && unix

package crashpoint

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// Enabled reports whether this build can crash on purpose: true here.
const Enabled = true

// armed is the trigger read from the environment at start. A malformed
// value panics before main runs.
var armed = mustParse(os.Getenv(EnvVar))

func mustParse(spec string) *trigger {
	t, err := parse(spec)
	if err != nil {
		panic("crashpoint: " + err.Error())
	}
	return t
}

// Hit kills the process when this is the armed hit of point name.
func Hit(name string) {
	if armed.hit(name) {
		die()
	}
}

// TearWrite is the mid_write point. When it fires, it writes the first
// half of line to f, syncs it and kills the process; otherwise it does
// nothing and the caller writes line itself.
func TearWrite(f Syncer, line []byte) {
	if !armed.hit(MidWrite) {
		return
	}
	if err := tear(f, line); err != nil {
		fmt.Fprintf(os.Stderr, "crashpoint: %v\n", err)
	}
	die()
}

// die says where it is on stderr (unbuffered: nothing else is flushed) and
// sends itself SIGKILL: no deferred call, no exit hook runs.
func die() {
	fmt.Fprintf(os.Stderr, "crashpoint: SIGKILL at %s\n", armed)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	for {
		time.Sleep(time.Second) // the signal is on its way; never return
	}
}
