package sim

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim/scenario"
)

// benchScenario is servers x packages with faults on share percent of the
// pairs (status_lost on whole servers).
func benchScenario(b *testing.B, servers, packages, percent int) *scenario.Scenario {
	lost := servers * percent / 100
	js := fmt.Sprintf(`{"seed": 1, "servers": %d, "packages": %d, "credential": {"mode": "acc", "account": "CORP\\svc"},
		"faults": [{"kind": "status_lost", "count": %d}]}`, servers, packages, lost)
	if lost == 0 {
		js = fmt.Sprintf(`{"seed": 1, "servers": %d, "packages": %d, "credential": {"mode": "acc", "account": "CORP\\svc"}}`, servers, packages)
	}
	return mustParse(b, js)
}

func BenchmarkNewMemory(b *testing.B) {
	for _, size := range [][2]int{{2000, 500}, {2000, 2000}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			sc := benchScenario(b, size[0], size[1], 2)
			var heap uint64
			for b.Loop() {
				var m0, m1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				s, err := NewMemory(sc, 1, Options{Clock: newClock()})
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&m1)
				heap = m1.HeapAlloc - m0.HeapAlloc
				runtime.KeepAlive(s)
			}
			b.ReportMetric(float64(heap)/(1<<20), "MiB-held")
		})
	}
}

// BenchmarkInQuestion: one pass over a 2,000 x 500 site with 2% of its
// rows in question.
func BenchmarkInQuestion(b *testing.B) {
	s, err := NewMemory(benchScenario(b, 2000, 500, 2), 1, Options{Clock: newClock()})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		n = 0
		if err := s.InQuestion(ctx, func(observed.RawRow) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	if n != 20_000 {
		b.Fatalf("%d rows in question", n)
	}
	b.ReportMetric(float64(n), "rows/pass")
}

// BenchmarkResendStatus: a report from a 2,000-package server whose rows
// were all lost, on a 4M-pair site.
func BenchmarkResendStatus(b *testing.B) {
	s, err := NewMemory(benchScenario(b, 2000, 2000, 0), 1, Options{Clock: newClock()})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := s.Apply(ctx, setMode("acc", `CORP\other`)); err != nil {
			b.Fatal(err)
		}
		if err := s.Apply(ctx, act(actions.ResendStatus, "PS0001", "")); err != nil { // refused: 2,000 rows Invalid
			b.Fatal(err)
		}
		if err := s.Apply(ctx, setMode("acc", `CORP\svc`)); err != nil {
			b.Fatal(err)
		}
		if err := s.Apply(ctx, act(actions.ResendStatus, "PS0001", "")); err != nil { // accepted: 2,000 rows Ready
			b.Fatal(err)
		}
	}
}

// BenchmarkDiskResendStatus: the same report on the demo's disk site.
func BenchmarkDiskResendStatus(b *testing.B) {
	sc, err := scenario.Builtin("demo")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(ctx, b.TempDir(), sc, sc.Seed, Options{Clock: newClock()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if err := s.Apply(ctx, act(actions.ResendStatus, "PS004", "")); err != nil {
			b.Fatal(err)
		}
	}
}
