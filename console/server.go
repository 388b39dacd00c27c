package console

import (
	"net/http"
	"slices"

	"github.com/itms-tools/reconciler/estateview"
	"github.com/itms-tools/reconciler/vocab"
)

// serverPage is the data of a package server's page.
type serverPage struct {
	page
	Server      *estateview.Server
	Transitions []estateview.Transition // newest first
	Actions     []estateview.Action     // newest first
}

func (s *Server) server(w http.ResponseWriter, r *http.Request) {
	name, err := vocab.ParseHost(r.PathValue("name"))
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	snap := s.o.View.Snapshot()
	sv, ok := snap.Server(string(name))
	if !ok {
		s.notFound(w, r, "no package server named "+string(name)+" in the view (it is known once a pass has seen it)")
		return
	}
	h := snap.History(string(name))
	tr := slices.Clone(h.Transitions)
	slices.Reverse(tr)
	as := slices.Clone(h.Actions)
	slices.Reverse(as)
	est := snap.Estate()
	s.render(w, http.StatusOK, "server", serverPage{
		page:   page{Title: string(sv.Name), Nav: "overview", Version: est.Version, Live: "server", Key: sv.Key, Now: s.o.Clock.Now(), Estate: est},
		Server: sv, Transitions: tr, Actions: as,
	})
}
