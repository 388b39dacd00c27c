package sim

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The disk store's file operations. Each takes a path relative to the
// site folder, with forward slashes, and passes it through the site's
// guard (checkPath, counted) before touching anything.

// maxFile bounds what the sim reads of one of its own files.
const maxFile = 16 << 20

// abs checks rel for op and returns the absolute path.
func (st *diskStore) abs(op fileOp, rel string) (string, error) {
	if err := st.check(op, rel); err != nil {
		return "", err
	}
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", fmt.Errorf("%w: %q is not local", ErrUnsafePath, rel)
	}
	return filepath.Join(st.dir, filepath.FromSlash(rel)), nil
}

// read returns a file's content; absent files are (nil, false, nil).
func (st *diskStore) read(rel string) ([]byte, bool, error) {
	p, err := st.abs(opRead, rel)
	if err != nil {
		return nil, false, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", rel, err)
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
func (st *diskStore) exists(rel string) (bool, error) {
	p, err := st.abs(opRead, rel)
	if err != nil {
		return false, err
	}
	_, err = os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", rel, err)
	}
	return true, nil
}

// write replaces a file atomically: a temporary file in the same folder,
// then a rename, so a reader never sees half a file.
func (st *diskStore) write(rel string, data []byte) error {
	p, err := st.abs(opWrite, rel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if st.creating {
		// Nobody reads a site before its site.json exists.
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}

// remove deletes a file; an absent file is not an error.
func (st *diskStore) remove(rel string) error {
	p, err := st.abs(opDelete, rel)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", rel, err)
	}
	return nil
}

// appendLines appends to a file, creating it.
func (st *diskStore) appendLines(rel string, data []byte) (int64, error) {
	p, err := st.abs(opWrite, rel)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return 0, fmt.Errorf("append %s: %w", rel, err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return 0, fmt.Errorf("append %s: %w", rel, err)
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
func (st *diskStore) tail(rel string, n int) ([]string, error) {
	p, err := st.abs(opRead, rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
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
