package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/itms-tools/reconciler/estateview"
)

// maxDeltaServers bounds the servers one event carries; beyond, the event
// asks the page to reload itself (a first pass over a large estate).
const maxDeltaServers = 500

// delta is the data of one "view" event: what changed since From.
type delta struct {
	Version  uint64      `json:"version"`
	From     uint64      `json:"from"`
	At       string      `json:"at"`
	Pass     string      `json:"pass,omitempty"`
	Totals   deltaTotals `json:"totals"`
	Servers  []deltaRow  `json:"servers,omitempty"`
	Reload   bool        `json:"reload,omitempty"`
	Breaker  bool        `json:"breaker_open"`
	Pending  int         `json:"pending_approvals"`
	PlanHeld int         `json:"plan_held"`
}

type deltaTotals struct {
	Servers  int            `json:"servers"`
	Healthy  int            `json:"healthy"`
	NotReady int            `json:"not_ready"`
	NotGood  map[string]int `json:"not_good"`
}

// deltaRow is one server's overview row.
type deltaRow struct {
	Key        string               `json:"key"`
	Name       string               `json:"name"`
	InScope    bool                 `json:"in_scope"`
	Healthy    bool                 `json:"healthy"`
	Conditions map[string]deltaCond `json:"conditions"`
	NotReady   int                  `json:"not_ready"`
	Rung       string               `json:"rung"`
	Paused     string               `json:"paused,omitempty"`
	Changed    string               `json:"changed"`
}

type deltaCond struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Since  string `json:"since,omitempty"`
}

// deltaCache keeps the last event encoded: streams at the same version
// share it, so 50 streams encode once per change.
type deltaCache struct {
	from, to uint64
	data     []byte
}

// encodeDelta returns the event data for the changes from → est.Version.
func (s *Server) encodeDelta(snap estateview.Snapshot, est estateview.Estate, from uint64) []byte {
	s.deltaMu.Lock()
	defer s.deltaMu.Unlock()
	if c := s.delta; c.data != nil && c.from == from && c.to == est.Version {
		return c.data
	}
	d := delta{Version: est.Version, From: from, At: iso(est.At), Pass: est.LastPass, Breaker: est.Breaker.Open,
		Pending: len(est.Pending), PlanHeld: len(est.Plan.Holds),
		Totals: deltaTotals{Servers: est.Totals.Servers, Healthy: est.Totals.Healthy, NotReady: est.Totals.NotReady, NotGood: est.Totals.NotGood}}
	changed := snap.ChangedSince(from)
	if len(changed) > maxDeltaServers {
		d.Reload = true
	} else {
		for _, sv := range changed {
			d.Servers = append(d.Servers, rowOf(sv))
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		b = []byte(`{"reload":true}`)
	}
	s.delta = deltaCache{from: from, to: est.Version, data: b}
	return b
}

func rowOf(sv *estateview.Server) deltaRow {
	r := deltaRow{Key: sv.Key, Name: string(sv.Name), InScope: sv.InScope, Healthy: sv.Healthy(),
		NotReady: sv.NotReady, Rung: sv.Rung, Paused: sv.Paused, Changed: iso(sv.Changed), Conditions: map[string]deltaCond{}}
	for _, c := range sv.Conditions {
		r.Conditions[c.Type] = deltaCond{Status: c.Status, Reason: c.Reason, Since: iso(c.Since)}
	}
	return r
}

// events is the event stream: a "view" event per change of the view
// (changes that come faster than a client reads are sent as one), a
// comment every Heartbeat while idle. A client names the version its page
// shows (?since=N, or Last-Event-ID when the browser reconnects) and gets
// what changed after it at once.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if n := s.streams.Add(1); n > int64(s.o.MaxStreams) {
		s.streams.Add(-1)
		w.Header().Set("Retry-After", "30")
		http.Error(w, fmt.Sprintf("too many event streams (at most %d): retry later", s.o.MaxStreams), http.StatusServiceUnavailable)
		return
	}
	defer s.streams.Add(-1)
	since, err := sinceOf(r)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.base, cancel)
	defer stop()
	rc := http.NewResponseController(w)
	// The stream outlives the server's read timeout, which would otherwise
	// cancel it; writes keep a deadline each.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.stream(ctx, w, rc, since)
}

// stream writes events until ctx ends or a write fails.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, last uint64) {
	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write([]byte("retry: 5000\n\n")) {
		return
	}
	for {
		ws := memdb.NewWatchSet()
		snap := s.o.View.Snapshot()
		est := snap.WatchEstate(ws)
		if last == 0 {
			last = est.Version // a client without a version gets changes from now on
		}
		if est.Version > last {
			data := s.encodeDelta(snap, est, last)
			if !write(fmt.Appendf(nil, "id: %d\nevent: view\ndata: %s\n\n", est.Version, data)) {
				return
			}
			last = est.Version
		}
		wait, cancel := context.WithTimeout(ctx, s.o.Heartbeat)
		err := ws.WatchCtx(wait)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil: // idle for a heartbeat
			if !write([]byte(": heartbeat\n\n")) {
				return
			}
		}
	}
}

// sinceOf reads the version a client has: Last-Event-ID, else ?since.
func sinceOf(r *http.Request) (uint64, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("since")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("since %s: want the view version a page shows (a number)", clip(v))
	}
	return n, nil
}
