package memory

import (
	"slices"

	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// pairDelta is how a pair deviates from a healthy one. A field counts
// only when its flag is set; a delta with no flag is deleted, so that
// equal states have equal maps.
type pairDelta struct {
	flags      uint8
	fileStatus uint8 // status code of PackageStatus.xml
	rowStatus  uint8 // status code of the row
	snapVer    uint32
	fileVer    uint32
	rowVer     uint32
}

const (
	fSnap       uint8 = 1 << iota // snapshot.xml deviates
	fSnapAbsent                   // ... by being absent
	fFile                         // PackageStatus.xml deviates
	fFileAbsent                   // ... by being absent
	fRow                          // the row deviates
	fRowErr                       // the row holds the 1789 error
)

// Status codes of the memory store.
var statusCodes = [...]vocab.Status{vocab.Ready, vocab.Pending, vocab.Invalid, vocab.DownloadPending, vocab.RetryingDownload}

const numStatus = len(statusCodes)

func statusCode(s vocab.Status) uint8 {
	for i, c := range statusCodes {
		if c == s {
			return uint8(i)
		}
	}
	panic("sim: status the memory store cannot hold: " + string(s))
}

func (st *Store) delta(s, p int) pairDelta { return st.srv[s].pairs[int32(p)] }

// setDelta stores a delta, deleting it when it no longer deviates.
func (st *Store) setDelta(s, p int, d pairDelta) {
	sv := &st.srv[s]
	if d.flags == 0 {
		delete(sv.pairs, int32(p))
		return
	}
	if sv.pairs == nil {
		sv.pairs = map[int32]pairDelta{}
	}
	sv.pairs[int32(p)] = d
}

// Snapshot implements world.Store.
func (st *Store) Snapshot(s, p int) (world.FileVer, error) {
	d := st.delta(s, p)
	switch {
	case d.flags&fSnapAbsent != 0:
		return world.FileVer{}, nil
	case d.flags&fSnap != 0:
		return world.FileVer{Present: true, Version: st.vers.str(d.snapVer)}, nil
	}
	return world.FileVer{Present: true, Version: st.cat.Packages[p].Version}, nil
}

// PutSnapshot implements world.Store.
func (st *Store) PutSnapshot(s, p int, f world.FileVer) error {
	path := layout.Snapshot(string(st.cat.Servers[s].Name), string(st.cat.Packages[p].ID))
	if err := st.check(writeOrDelete(f.Present), path); err != nil {
		return err
	}
	d := st.delta(s, p)
	d.flags &^= fSnap | fSnapAbsent
	d.snapVer = 0
	switch {
	case !f.Present:
		d.flags |= fSnap | fSnapAbsent
	case f.Version != st.cat.Packages[p].Version:
		d.flags |= fSnap
		d.snapVer = st.vers.id(f.Version)
	}
	st.setDelta(s, p, d)
	return nil
}

// StatusFile implements world.Store.
func (st *Store) StatusFile(s, p int) (world.StatusFile, error) {
	d := st.delta(s, p)
	switch {
	case d.flags&fFileAbsent != 0:
		return world.StatusFile{}, nil
	case d.flags&fFile != 0:
		return world.StatusFile{Present: true, Status: statusCodes[d.fileStatus], Version: st.vers.str(d.fileVer)}, nil
	}
	return world.StatusFile{Present: true, Status: vocab.Ready, Version: st.cat.Packages[p].Version}, nil
}

// PutStatusFile implements world.Store.
func (st *Store) PutStatusFile(s, p int, f world.StatusFile) error {
	path := layout.Status(string(st.cat.Servers[s].Name), string(st.cat.Packages[p].ID))
	if err := st.check(writeOrDelete(f.Present), path); err != nil {
		return err
	}
	d := st.delta(s, p)
	d.flags &^= fFile | fFileAbsent
	d.fileStatus, d.fileVer = 0, 0
	switch {
	case !f.Present:
		d.flags |= fFile | fFileAbsent
	case f != world.StatusFile{Present: true, Status: vocab.Ready, Version: st.cat.Packages[p].Version}:
		d.flags |= fFile
		d.fileStatus, d.fileVer = statusCode(f.Status), st.vers.id(f.Version)
	}
	st.setDelta(s, p, d)
	return nil
}

// Candidates implements world.Store.
func (st *Store) Candidates(s int) ([]int, error) {
	out := make([]int, 0, len(st.srv[s].pairs))
	for p := range st.srv[s].pairs {
		out = append(out, int(p))
	}
	slices.Sort(out)
	return out, nil
}

// AbsentSnapshots implements world.Store.
func (st *Store) AbsentSnapshots(s int) ([]int, error) {
	var out []int
	for p, d := range st.srv[s].pairs {
		if d.flags&fSnapAbsent != 0 {
			out = append(out, int(p))
		}
	}
	slices.Sort(out)
	return out, nil
}
