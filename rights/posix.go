package rights

import (
	"fmt"
	"io/fs"
	"strconv"
)

// posixFacts is what a POSIX stat tells about a file.
type posixFacts struct {
	uid, gid uint32
	mode     fs.FileMode
	nlink    uint64
}

// posixRule decides on POSIX facts. self is the process's effective uid;
// root (0) is trusted too. name turns a uid into a user name.
type posixRule struct {
	self uint32
	name func(uid uint32) string
}

// decide returns the owner's name when the facts are trusted.
func (r posixRule) decide(p posixFacts, dir bool) (string, error) {
	owner := r.name(p.uid)
	switch {
	case p.uid != r.self && p.uid != 0:
		return "", fmt.Errorf("%w: owned by %s, not by the service account (%s) or root", ErrUntrusted, owner, r.name(r.self))
	case p.mode.Perm()&0o002 != 0:
		return "", fmt.Errorf("%w: writable by every user (mode %04o)", ErrUntrusted, p.mode.Perm())
	case p.mode.Perm()&0o020 != 0:
		return "", fmt.Errorf("%w: writable by its group (gid %d, mode %04o)", ErrUntrusted, p.gid, p.mode.Perm())
	case !dir && p.nlink != 1:
		return "", fmt.Errorf("%w: %d hard links", ErrUntrusted, p.nlink)
	}
	return owner, nil
}

// uidName is the fallback name of a uid without a user entry.
func uidName(uid uint32) string { return "uid " + strconv.FormatUint(uint64(uid), 10) }
