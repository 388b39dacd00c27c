//go:build !windows

package rights

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// posixSystem reads the owner and mode of an open file.
type posixSystem struct{ rule posixRule }

func newSystem() system {
	return posixSystem{rule: posixRule{self: uint32(os.Geteuid()), name: lookupUID}}
}

func (s posixSystem) check(_ *os.File, fi fs.FileInfo, dir bool) (string, error) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", fmt.Errorf("%w: no owner information", ErrUntrusted)
	}
	return s.rule.decide(posixFacts{uid: st.Uid, gid: st.Gid, mode: fi.Mode(), nlink: uint64(st.Nlink)}, dir)
}

// lookupUID names a uid from the user database, or "uid N".
func lookupUID(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil && u.Username != "" {
		return u.Username
	}
	return uidName(uid)
}

// SameAccount returns nil when a file this process creates would be
// trusted by a process running as the owner of path (the journal, owned
// by the service account): this process runs as that account or as root.
// Otherwise the error names the account to run as.
func SameAccount(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	self := uint32(os.Geteuid())
	if !ok || self == 0 || st.Uid == self {
		return nil
	}
	return fmt.Errorf("%w: the daemon takes requests only from its own account (%s) or root, not from %s",
		ErrUntrusted, lookupUID(st.Uid), lookupUID(self))
}
