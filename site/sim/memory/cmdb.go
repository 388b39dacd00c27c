package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// The memory store's CMDB answers the same questions as cmdb.Reader over
// SQL (cmdb/query.go is the reference), from maintained indexes: the rows
// in question per server, the rows per status, the not-Ready count.

// Row implements world.Store.
func (st *Store) Row(s, p int) (world.Row, error) {
	d := st.delta(s, p)
	if d.flags&fRow == 0 {
		return world.Row{Status: vocab.Ready, Version: st.cat.Packages[p].Version}, nil
	}
	return world.Row{Status: statusCodes[d.rowStatus], Version: st.vers.str(d.rowVer), TrustErr: d.flags&fRowErr != 0}, nil
}

// WriteRows implements world.Store.
func (st *Store) WriteRows(w world.RowWrite) error {
	sv := &st.srv[w.Server]
	if w.RestReady {
		set := make(map[int]bool, len(w.Rows))
		for _, r := range w.Rows {
			set[r.P] = true
		}
		for p, d := range sv.pairs {
			if d.flags&fRow != 0 && !set[int(p)] {
				st.setRow(w.Server, int(p), world.Row{Status: vocab.Ready, Version: st.cat.Packages[p].Version})
			}
		}
	}
	for _, r := range w.Rows {
		st.setRow(w.Server, r.P, r.Row)
	}
	if w.BadRow != "" && !slices.Contains(sv.bad, w.BadRow) {
		sv.bad = append(sv.bad, w.BadRow)
		sv.nonRd[statusCode(vocab.Invalid)]++
	}
	return nil
}

// setRow changes one row and keeps the indexes.
func (st *Store) setRow(s, p int, r world.Row) {
	old, _ := st.Row(s, p)
	if old == r {
		return
	}
	sv := &st.srv[s]
	if old.Status != vocab.Ready {
		sv.nonRd[statusCode(old.Status)]--
	}
	if r.Status != vocab.Ready {
		sv.nonRd[statusCode(r.Status)]++
	}
	version := st.cat.Packages[p].Version
	wasQ := old.Status != vocab.Ready || old.Version != version
	isQ := r.Status != vocab.Ready || r.Version != version
	if wasQ != isQ {
		if isQ {
			if sv.inQ == nil {
				sv.inQ = map[int32]struct{}{}
			}
			sv.inQ[int32(p)] = struct{}{}
		} else {
			delete(sv.inQ, int32(p))
		}
		switch {
		case !st.inScope[s]:
		case isQ:
			st.notRdy++
		default:
			st.notRdy--
		}
	}
	d := st.delta(s, p)
	d.flags &^= fRow | fRowErr
	d.rowStatus, d.rowVer = 0, 0
	if r != (world.Row{Status: vocab.Ready, Version: version}) {
		d.flags |= fRow
		d.rowStatus, d.rowVer = statusCode(r.Status), st.vers.id(r.Version)
		if r.TrustErr {
			d.flags |= fRowErr
		}
	}
	st.setDelta(s, p, d)
}

// NotReady implements world.Store.
func (st *Store) NotReady() (int, error) { return st.notRdy, nil }

// InQuestion returns the rows in question by server name, then PackageId.
// Package indices are in GUID order, so sorting them sorts the rows; the
// bad rows are merged in by their PackageId.
func (st *Store) InQuestion(context.Context) ([]observed.RawRow, error) {
	total := 0
	for s := range st.srv {
		total += len(st.srv[s].inQ) + len(st.srv[s].bad)
	}
	out := make([]observed.RawRow, 0, total)
	var ps []int
	for s := range st.srv {
		sv := &st.srv[s]
		if len(sv.inQ) == 0 && len(sv.bad) == 0 {
			continue
		}
		ps = ps[:0]
		for p := range sv.inQ {
			ps = append(ps, int(p))
		}
		slices.Sort(ps)
		bad := slices.Sorted(slices.Values(sv.bad))
		info := st.cat.Servers[s]
		for _, p := range ps {
			pk := st.cat.Packages[p]
			for len(bad) > 0 && bad[0] < pk.Upper {
				out = append(out, st.badRow(info, bad[0]))
				bad = bad[1:]
			}
			r, _ := st.Row(s, p)
			out = append(out, observed.RawRow{
				ServerID: info.Upper, ServerName: string(info.Name), PackageID: pk.Upper, PackageName: pk.Name,
				Status: string(r.Status), Version: r.Version, PackageVersion: pk.Version, PackageKnown: true,
			})
		}
		for _, id := range bad {
			out = append(out, st.badRow(info, id))
		}
	}
	return out, nil
}

func (st *Store) badRow(info world.ServerInfo, id string) observed.RawRow {
	return observed.RawRow{ServerID: info.Upper, ServerName: string(info.Name), PackageID: id, Status: string(vocab.Invalid)}
}

// Servers lists every server with its rows counted by status.
func (st *Store) Servers(context.Context) ([]observed.RawServer, error) {
	out := make([]observed.RawServer, 0, len(st.srv))
	for s := range st.srv {
		sv := &st.srv[s]
		counts := map[string]int{}
		ready := len(st.cat.Packages) + len(sv.bad)
		for c, n := range sv.nonRd {
			if n > 0 {
				counts[string(statusCodes[c])] = int(n)
				ready -= int(n)
			}
		}
		if ready > 0 {
			counts[string(vocab.Ready)] = ready
		}
		info := st.cat.Servers[s]
		out = append(out, observed.RawServer{ID: info.Upper, Name: string(info.Name), Counts: counts})
	}
	slices.SortFunc(out, func(a, b observed.RawServer) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}
