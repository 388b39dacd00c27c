package audit

import (
	"fmt"
	"path/filepath"
	"testing"
)

func benchRecord(i int) Record {
	r := intent("pass-0001", fmt.Sprintf("resend_status:PS%04d", i), "resend_status", fmt.Sprintf("PS%04d", i))
	r.Reasons[0].Facts = append(r.Reasons[0].Facts,
		Fact{Name: "applied_credential", Value: `acc CORP\svc-itms-acc`}, Fact{Name: "policy_version", Value: "42"})
	return r
}

// BenchmarkAppend measures one Append, fsync included: the real cost per
// record on this disk.
func BenchmarkAppend(b *testing.B) {
	_, j, _ := testJournal(b, Options{Secrets: func() []string { return []string{"hunter2"} }})
	defer j.Close()
	r := benchRecord(1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendParallel measures Append from many goroutines; they queue
// on the journal's mutex, so this is throughput, not speed-up.
func BenchmarkAppendParallel(b *testing.B) {
	_, j, _ := testJournal(b, Options{})
	defer j.Close()
	r := benchRecord(1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := j.Append(r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkEncode is the CPU part of Append: scrub, encode, hash.
func BenchmarkEncode(b *testing.B) {
	s := newScrubber([]string{"hunter2"})
	r := benchRecord(1)
	r.Seq, r.Time, r.Actor = 1, t0, fixedActor
	b.ReportAllocs()
	for b.Loop() {
		sr, err := s.record(r)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := encode(sr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify reads and verifies a journal of 10,000 records.
func BenchmarkVerify(b *testing.B) {
	const n = 10000
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	s := newScrubber(nil)
	var buf []byte
	prev := ""
	for i := range n {
		r, _ := s.record(benchRecord(i))
		r.Seq, r.Time, r.Actor, r.Prev = int64(i+1), t0, fixedActor, prev
		line, hash, err := encode(r)
		if err != nil {
			b.Fatal(err)
		}
		buf, prev = append(buf, line...), hash
	}
	writeFile(b, path, buf)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := Verify(path)
		if err != nil || v.Records != n {
			b.Fatalf("Verify = %+v, %v", v, err)
		}
	}
}
