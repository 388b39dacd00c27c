package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Segments: when the live file rotates, its records move into a sealed
// segment beside it, named after the journal and the seq of the
// segment's first record, zero-padded so that names sort in chain order:
//
//	audit.jsonl                            the live journal (audit.path)
//	audit.jsonl.seg-000000000001.jsonl     records 1 … 812
//	audit.jsonl.seg-000000000813.jsonl     records 813 … 1790
//
// The chain runs on across files: a segment's first record holds the hash
// of the previous segment's last record, and seq never restarts.
const (
	segInfix  = ".seg-"
	segSuffix = ".jsonl"
	segDigits = 12
)

// SegmentPath is the name of the segment of the journal at path whose
// first record has seq first.
func SegmentPath(path string, first int64) string {
	return fmt.Sprintf("%s%s%0*d%s", path, segInfix, segDigits, first, segSuffix)
}

// segment is one sealed file of the chain.
type segment struct {
	path  string
	first int64 // seq of its first record, from its name
}

// listSegments returns the segments of the journal at path in chain
// order. Files whose names only look like segments are ignored.
func listSegments(path string) ([]segment, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	prefix := base + segInfix
	var out []segment
	for _, e := range ents {
		name := e.Name()
		num, ok := strings.CutPrefix(name, prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		num, ok = strings.CutSuffix(num, segSuffix)
		if !ok || len(num) != segDigits {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 1 {
			continue
		}
		out = append(out, segment{path: filepath.Join(dir, name), first: n})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].first < out[b].first })
	return out, nil
}

// tailInfo is what a sealed file's last record says.
type tailInfo struct {
	seq  int64
	hash string
	time time.Time
	size int64
}

// readTail reads the last record of a sealed file (a segment), without
// reading the whole file. A sealed file ends with a complete record and a
// newline; anything else is damage.
func readTail(path string) (tailInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return tailInfo{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return tailInfo{}, err
	}
	size := fi.Size()
	n := min(size, int64(MaxRecordSize)+1)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return tailInfo{}, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if len(buf) == 0 || buf[len(buf)-1] != '\n' {
		return tailInfo{}, fmt.Errorf("segment %s does not end with a complete record", filepath.Base(path))
	}
	line := buf[:len(buf)-1]
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	} else if n < size {
		return tailInfo{}, fmt.Errorf("segment %s: last line longer than %d bytes", filepath.Base(path), MaxRecordSize)
	}
	r, err := parse(line)
	if err != nil {
		return tailInfo{}, fmt.Errorf("segment %s: last line: %w", filepath.Base(path), err)
	}
	return tailInfo{seq: r.Seq, hash: r.Hash, time: r.Time, size: size}, nil
}

// readFirst reads the first record of a file; ok is false when the file is
// empty or its first line is not a complete record.
func readFirst(path string) (Record, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return Record{}, false, err
	}
	defer f.Close()
	ln, err := newLineReader(f).next()
	if errors.Is(err, io.EOF) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	r, perr := parseLine(ln)
	return r, perr == nil && ln.term, nil
}

// chainFiles returns the files of the journal at path in chain order: its
// segments, then the live file (which may be missing). A segment that
// starts where the live file starts is a copy left by a rotation that did
// not finish: it is left out (Open removes it).
func chainFiles(path string) ([]segment, error) {
	segs, err := listSegments(path)
	if err != nil {
		return nil, err
	}
	if n := len(segs); n > 0 {
		first, ok, err := readFirst(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		if ok && segs[n-1].first >= first.Seq {
			segs = segs[:n-1]
		}
	}
	return append(segs, segment{path: path}), nil
}

// chainFile is one open file of the chain.
type chainFile struct {
	path   string
	f      *os.File
	sealed bool // a segment; false for the live file
}

// openChain opens every file of the journal at path in chain order and
// holds them open, so that a rotation or a retention sweep running
// meanwhile cannot change what is read. When a rotation ran between
// listing the segments and opening the live file (the live file starts
// past the newest segment listed), it lists again. A segment removed
// before it could be opened is skipped: retention removed it. A missing
// live file is a nil f.
func openChain(path string) ([]chainFile, error) {
	for attempt := 0; ; attempt++ {
		files, gap, err := openChainOnce(path)
		if err != nil || !gap || attempt == 2 {
			return files, err
		}
		closeChain(files)
	}
}

func openChainOnce(path string) ([]chainFile, bool, error) {
	segs, err := chainFiles(path)
	if err != nil {
		return nil, false, err
	}
	var files []chainFile
	for _, s := range segs {
		f, err := os.Open(s.path)
		sealed := s.path != path
		switch {
		case errors.Is(err, fs.ErrNotExist) && sealed:
			continue
		case errors.Is(err, fs.ErrNotExist):
			f = nil
		case err != nil:
			closeChain(files)
			return nil, false, fmt.Errorf("read journal: %w", err)
		}
		files = append(files, chainFile{path: s.path, f: f, sealed: sealed})
	}
	return files, rotatedMeanwhile(files), nil
}

// rotatedMeanwhile reports whether the live file starts after the newest
// segment opened ends, with records between them in a segment not listed.
func rotatedMeanwhile(files []chainFile) bool {
	n := len(files)
	live := files[n-1]
	if live.f == nil {
		return false
	}
	ln, err := newLineReader(io.NewSectionReader(live.f, 0, 1<<62)).next()
	if err != nil {
		return false
	}
	first, err := parseLine(ln)
	if err != nil {
		return false
	}
	if n == 1 {
		return first.Seq > 1
	}
	t, err := readTail(files[n-2].path)
	return err == nil && first.Seq > t.seq+1
}

func closeChain(files []chainFile) {
	for _, c := range files {
		if c.f != nil {
			c.f.Close()
		}
	}
}
