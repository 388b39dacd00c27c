package rights

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrUntrusted marks a folder or file that is refused; the error's text
// says why.
var ErrUntrusted = errors.New("not trusted")

// system tells, for one operating system, who owns an open file and
// whether an account that is not trusted may change it.
type system interface {
	// check returns the owner's account name, or an error wrapping
	// ErrUntrusted that says why the file (a folder when dir) is refused.
	check(f *os.File, fi fs.FileInfo, dir bool) (owner string, err error)
}

// Checker checks folders and files against the rules of the package.
type Checker struct {
	sys system
}

// New returns the checker of this operating system for the running
// process.
func New() *Checker { return &Checker{sys: newSystem()} }

// Folder returns nil when path is a trusted folder, an error wrapping
// ErrUntrusted (or the I/O error) otherwise.
func (c *Checker) Folder(path string) error {
	f, _, err := c.open(path, true)
	if f != nil {
		f.Close()
	}
	return err
}

// Open opens path for reading when it is a trusted file and returns it
// with its owner's account name; otherwise it returns an error wrapping
// ErrUntrusted (or the I/O error).
func (c *Checker) Open(path string) (*os.File, string, error) {
	return c.open(path, false)
}

func (c *Checker) open(path string, dir bool) (*os.File, string, error) {
	lfi, err := os.Lstat(path)
	if err != nil {
		return nil, "", err
	}
	if err := wantType(lfi, dir); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	fi, err := f.Stat()
	if err == nil && !os.SameFile(lfi, fi) {
		err = fmt.Errorf("%w: replaced while it was checked", ErrUntrusted)
	}
	var owner string
	if err == nil {
		owner, err = c.sys.check(f, fi, dir)
	}
	if err != nil {
		f.Close()
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return f, owner, nil
}

// wantType refuses links and anything that is not a folder (dir) or a
// regular file.
func wantType(fi fs.FileInfo, dir bool) error {
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: a symbolic link", ErrUntrusted)
	case dir && !m.IsDir():
		return fmt.Errorf("%w: not a folder", ErrUntrusted)
	case !dir && !m.IsRegular():
		return fmt.Errorf("%w: not a regular file", ErrUntrusted)
	}
	return nil
}
