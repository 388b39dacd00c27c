package console

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/estateview/estatetest"
)

// largeEstate is a view of n servers, every one of them seen with rows in
// question (statuses lost), after one pass.
func largeEstate(b *testing.B, n int) (*estatetest.Rig, *Server) {
	b.Helper()
	sc := fmt.Sprintf(`{"name": "large", "seed": 1, "servers": %d, "packages": 4,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "count": %d}]}`, n, n)
	r := estatetest.New(b, sc, "dry_run_kinds = [\"resend_status\"]\nreconcile {\n concurrency = 16\n}\n")
	r.Pass(time.Minute)
	s, err := New(Options{View: r.View, Clock: r.Clock, JournalPath: r.Policy.Audit.Path, MaxStreams: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return r, s
}

// BenchmarkOverview2000 renders the overview of 2,000 servers server-side
// (target: well under a second; figures in BENCHMARKS.md).
func BenchmarkOverview2000(b *testing.B) {
	r, s := largeEstate(b, 2000)
	if n := r.View.Snapshot().Estate().Totals.Servers; n != 2000 {
		b.Fatalf("%d servers in the view", n)
	}
	req := httptest.NewRequest(http.MethodGet, "/?sort=not_ready", nil)
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// BenchmarkPassWithStreams measures a pass (observe, plan, push to the
// view) with no event stream open and with 50, each a real HTTP client
// reading every event: the streams must cost the pass nothing measurable.
func BenchmarkPassWithStreams(b *testing.B) {
	for _, streams := range []int{0, 50} {
		b.Run(fmt.Sprintf("streams=%d", streams), func(b *testing.B) {
			r, s := largeEstate(b, 500)
			srv := httptest.NewServer(s)
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			events := make([]int, streams)
			for i := range streams {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events", nil)
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("stream %d: %v", i, err)
				}
				br := bufio.NewReader(res.Body)
				if _, err := br.ReadString('\n'); err != nil { // retry: the stream is registered
					b.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer res.Body.Close()
					for {
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						if strings.HasPrefix(line, "event: view") {
							events[i]++
						}
					}
				}()
			}
			if s.Streams() != streams {
				b.Fatalf("%d streams open, want %d", s.Streams(), streams)
			}
			for b.Loop() {
				if _, err := r.Ctl.ReconcileOnce(ctx); err != nil {
					b.Fatal(err)
				}
				r.Clock.Advance(time.Minute)
			}
			b.StopTimer()
			s.Close()
			cancel()
			wg.Wait()
			total := 0
			for _, n := range events {
				total += n
			}
			if streams > 0 {
				b.ReportMetric(float64(total)/float64(streams), "events/stream")
			}
		})
	}
}

// BenchmarkFanout50 is the daemon's whole cost of one view change with 50
// open streams: the commit, 50 streams waking, one encoding of the event
// and 50 writes, until every client has read it.
func BenchmarkFanout50(b *testing.B) {
	r, s := largeEstate(b, 500)
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const streams = 50
	got := make(chan struct{}, streams)
	var wg sync.WaitGroup
	for i := range streams {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("stream %d: %v", i, err)
		}
		br := bufio.NewReader(res.Body)
		if _, err := br.ReadString('\n'); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer res.Body.Close()
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(line, "event: view") {
					got <- struct{}{}
				}
			}
		}()
	}
	seq := r.View.Snapshot().Estate().Rebuilt.LastSeq + 1_000_000
	for b.Loop() {
		seq++
		r.View.Ingest(audit.Record{Seq: seq, Type: audit.TypePolicyReload, Time: r.Clock.Now()})
		for range streams {
			<-got
		}
	}
	b.StopTimer()
	s.Close()
	cancel()
	wg.Wait()
}
