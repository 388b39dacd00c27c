package simulate

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// ramDir is a RAM-backed folder for throwaway journals, if the system has
// one.
var ramDir = func() string {
	if runtime.GOOS != "linux" {
		return ""
	}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return ""
}()

// TempJournal makes an empty folder for a throwaway journal and returns
// the journal's path in it and a function that removes the folder. Every
// journal record is fsync'd and a large simulation writes tens of
// thousands of them, so the folder is on a RAM-backed file system when
// the system has one (/dev/shm on Linux), where a sync costs nothing;
// elsewhere it is under os.TempDir.
func TempJournal() (string, func(), error) {
	dir, err := os.MkdirTemp(ramDir, "reconciler-sim-")
	if err != nil && ramDir != "" {
		dir, err = os.MkdirTemp("", "reconciler-sim-")
	}
	if err != nil {
		return "", nil, fmt.Errorf("temporary journal: %w", err)
	}
	return filepath.Join(dir, "audit.jsonl"), func() { os.RemoveAll(dir) }, nil
}
