package disk

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/itms-tools/reconciler/site/sim/layout"
)

// The disk store's file operations. Each takes a path relative to the
// site folder, with forward slashes, passes it through the store's guard
// (Guard.Check: layout.Check, counted by the driver) and then touches the
// file through an os.Root of the site folder, so that no symbolic link
// leads an operation out of it: an operation that would leave is refused
// and counted too (confine, Guard.Escape).

// maxFile bounds what the sim reads of one of its own files.
const maxFile = 16 << 20

// local checks rel for op and returns it in the OS's form, relative to
// the site's root.
func (st *Store) local(op layout.Op, rel string) (string, error) {
	if err := st.check(op, rel); err != nil {
		return "", err
	}
	p := filepath.FromSlash(rel)
	if !filepath.IsLocal(p) {
		return "", fmt.Errorf("%w: %q is not local", layout.ErrUnsafePath, rel)
	}
	return p, nil
}

// confine turns the error of an operation on rel that a symbolic link led
// out of the site folder into a refusal, counted as an unsafe path; other
// errors are returned as they are, wrapped with what.
func (st *Store) confine(op layout.Op, rel, what string, err error) error {
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) && st.escapes(rel) {
		return st.escape(op, rel)
	}
	return fmt.Errorf("%s %s: %w", what, rel, err)
}

// escapes reports whether a folder or file on the way to rel is a
// symbolic link that resolves outside the site folder (or cannot be
// resolved at all).
func (st *Store) escapes(rel string) bool {
	p := st.dir
	for _, seg := range strings.Split(rel, "/") {
		p = filepath.Join(p, seg)
		fi, err := os.Lstat(p)
		if err != nil {
			return false
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return true
		}
		r, err := filepath.Rel(st.realDir, real)
		if err != nil || !filepath.IsLocal(r) {
			return true
		}
	}
	return false
}

// read returns a file's content; absent files are (nil, false, nil).
func (st *Store) read(rel string) ([]byte, bool, error) {
	p, err := st.local(layout.Read, rel)
	if err != nil {
		return nil, false, err
	}
	f, err := st.root.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, st.confine(layout.Read, rel, "read", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", rel, err)
	}
	if len(data) > maxFile {
		return nil, false, fmt.Errorf("read %s: larger than %d bytes", rel, maxFile)
	}
	return data, true, nil
}

// exists reports whether a file is there.
func (st *Store) exists(rel string) (bool, error) {
	p, err := st.local(layout.Read, rel)
	if err != nil {
		return false, err
	}
	_, err = st.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, st.confine(layout.Read, rel, "stat", err)
	}
	return true, nil
}

// write replaces a file atomically: a temporary file in the same folder,
// then a rename, so a reader never sees half a file.
func (st *Store) write(rel string, data []byte) error {
	p, err := st.local(layout.Write, rel)
	if err != nil {
		return err
	}
	if err := st.root.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return st.confine(layout.Write, rel, "write", err)
	}
	if st.creating {
		// Nobody reads a site before its site.json exists.
		return st.confine(layout.Write, rel, "write", st.root.WriteFile(p, data, 0o644))
	}
	tmp, f, err := st.createTemp(filepath.Dir(p))
	if err != nil {
		return st.confine(layout.Write, rel, "write", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		st.root.Remove(tmp)
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := st.root.Rename(tmp, p); err != nil {
		st.root.Remove(tmp)
		return st.confine(layout.Write, rel, "write", err)
	}
	return nil
}

// createTemp creates a new file in dir (relative to the root) for write.
func (st *Store) createTemp(dir string) (string, *os.File, error) {
	for {
		st.tmpSeq++
		name := filepath.Join(dir, fmt.Sprintf(".tmp-%d-%d", os.Getpid(), st.tmpSeq))
		f, err := st.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) && st.tmpSeq%1000 != 0 {
			continue
		}
		return name, f, err
	}
}

// remove deletes a file; an absent file is not an error.
func (st *Store) remove(rel string) error {
	p, err := st.local(layout.Delete, rel)
	if err != nil {
		return err
	}
	if err := st.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st.confine(layout.Delete, rel, "delete", err)
	}
	return nil
}

// appendLines appends to a file, creating it.
func (st *Store) appendLines(rel string, data []byte) (int64, error) {
	p, err := st.local(layout.Write, rel)
	if err != nil {
		return 0, err
	}
	if err := st.root.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return 0, st.confine(layout.Write, rel, "append", err)
	}
	f, err := st.root.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return 0, st.confine(layout.Write, rel, "append", err)
	}
	_, werr := f.Write(data)
	info, serr := f.Stat()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return 0, fmt.Errorf("append %s: %w", rel, err)
	}
	return info.Size(), nil
}

// tail returns the last n lines of a file (fewer if it has fewer), reading
// backwards from its end, never more than maxFile bytes.
func (st *Store) tail(rel string, n int) ([]string, error) {
	p, err := st.local(layout.Read, rel)
	if err != nil {
		return nil, err
	}
	f, err := st.root.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, st.confine(layout.Read, rel, "read", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	lines, err := tailLines(f, info.Size(), n)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return lines, nil
}
