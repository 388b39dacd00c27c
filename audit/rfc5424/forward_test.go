package rfc5424

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/clock"
)

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 123456789, time.UTC)

// frame is RFC 5424's SYSLOG-MSG as this package writes it.
var frame = regexp.MustCompile(`^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) (?s:(.*))$`)

type parsed struct {
	pri                           int
	time                          time.Time
	host, app, procid, msgid, msg string
	rec                           audit.Record
}

// parse checks one message against RFC 5424's syntax and decodes its
// record.
func parse(t *testing.T, b []byte) parsed {
	t.Helper()
	m := frame.FindSubmatch(b)
	if m == nil {
		t.Fatalf("not an RFC 5424 message: %q", b)
	}
	var p parsed
	p.pri, _ = strconv.Atoi(string(m[1]))
	var err error
	if p.time, err = time.Parse(time.RFC3339Nano, string(m[2])); err != nil {
		t.Fatalf("TIMESTAMP %q: %v", m[2], err)
	}
	if frac := strings.SplitN(string(m[2]), ".", 2); len(frac) == 2 && len(strings.TrimSuffix(frac[1], "Z")) > 6 {
		t.Fatalf("TIMESTAMP %q: more than 6 fractional digits", m[2])
	}
	p.host, p.app, p.procid, p.msgid = string(m[3]), string(m[4]), string(m[5]), string(m[6])
	msg, ok := strings.CutPrefix(string(m[8]), bom)
	if !ok {
		t.Fatalf("MSG without BOM: %q", m[8])
	}
	p.msg = msg
	if err := json.Unmarshal([]byte(msg), &p.rec); err != nil {
		t.Fatalf("MSG is not a record: %v", err)
	}
	return p
}

func records() []audit.Record {
	return []audit.Record{
		{Seq: 1, Time: t0, Type: audit.TypeStartup, Hash: "aa"},
		{Seq: 2, Time: t0.Add(time.Second), Type: audit.TypeIntent, Action: "resend_status:PS001", Kind: "resend_status",
			Server: "PS001", Error: "dsn sqlserver://sa:Hunter2pw@cmdb failed", Prev: "aa", Hash: "bb"},
		{Seq: 3, Time: t0.Add(2 * time.Second), Type: audit.TypeOutcome, Action: "resend_status:PS001", Kind: "resend_status",
			Server: "PS001", Outcome: audit.Failed, Prev: "bb", Hash: "cc"},
	}
}

// check compares what a collector received with the records sent.
func check(t *testing.T, got [][]byte) {
	t.Helper()
	want := records()
	if len(got) != len(want) {
		t.Fatalf("received %d messages, want %d", len(got), len(want))
	}
	sev := []int{sevInfo, sevNotice, sevWarning}
	for i, b := range got {
		p := parse(t, b)
		if p.pri != 16*8+sev[i] || p.msgid != string(want[i].Type) || p.host != "adminbox" || p.app != "reconciler" ||
			!p.time.Equal(want[i].Time.Truncate(time.Microsecond)) || p.rec.Seq != want[i].Seq || p.rec.Hash != want[i].Hash {
			t.Fatalf("message %d: %+v", i, p)
		}
		if strings.Contains(p.msg, "Hunter2pw") {
			t.Fatalf("secret forwarded: %s", p.msg)
		}
	}
}

func forwarder(network, addr string, queue int) *Forwarder {
	return New(Config{Network: network, Address: addr, Facility: 16, Queue: queue, Hostname: "adminbox",
		Secrets: func() []string { return []string{"Hunter2pw"} }, Clock: clock.NewFake(t0)})
}

func sendAll(f *Forwarder) {
	for _, r := range records() {
		f.Send(r)
	}
}

func TestForwardUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP: %v", err)
	}
	defer pc.Close()
	f := forwarder("udp", pc.LocalAddr().String(), 10)
	sendAll(f)
	got := readDatagrams(t, pc, 3)
	f.Close()
	check(t, got)
	if s := f.Stats(); s.Sent != 3 || s.Dropped != 0 {
		t.Fatalf("Stats = %+v", s)
	}
}

func TestForwardUnixDatagram(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix datagram sockets on Windows")
	}
	path := filepath.Join(t.TempDir(), "log")
	pc, err := net.ListenPacket("unixgram", path)
	if err != nil {
		t.Skipf("no unixgram: %v", err)
	}
	defer pc.Close()
	f := forwarder("unixgram", path, 10)
	sendAll(f)
	got := readDatagrams(t, pc, 3)
	f.Close()
	check(t, got)
}

func readDatagrams(t *testing.T, pc net.PacketConn, n int) [][]byte {
	t.Helper()
	// A deadline only so that a broken sender fails the test instead of
	// hanging it; nothing is timed.
	pc.SetReadDeadline(time.Now().Add(30 * time.Second))
	var out [][]byte
	buf := make([]byte, 1<<16)
	for range n {
		k, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("read datagram: %v", err)
		}
		out = append(out, append([]byte(nil), buf[:k]...))
	}
	return out
}

// TCP frames use octet counting (RFC 6587 §3.4.1): "LEN SP MSG".
func TestForwardTCPOctetCounting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no TCP: %v", err)
	}
	defer ln.Close()
	got := make(chan [][]byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		r := bufio.NewReader(c)
		var msgs [][]byte
		for range 3 {
			lenText, err := r.ReadString(' ')
			if err != nil {
				break
			}
			n, err := strconv.Atoi(strings.TrimSuffix(lenText, " "))
			if err != nil {
				break
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				break
			}
			msgs = append(msgs, b)
		}
		got <- msgs
	}()
	f := forwarder("tcp", ln.Addr().String(), 10)
	sendAll(f)
	msgs := <-got
	f.Close()
	check(t, msgs)
}

// A dead collector never blocks the sender of records: Send returns at
// once whatever the collector does, and what cannot be queued is dropped
// and counted.
func TestDeadCollectorNeverBlocks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no TCP: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	const queue, sent = 4, 1000
	f := forwarder("tcp", addr, queue)
	for i := range sent {
		f.Send(audit.Record{Seq: int64(i + 1), Time: t0, Type: audit.TypeNote, Hash: "x"})
	}
	f.Close()
	s := f.Stats()
	if s.Sent != 0 || s.Dropped != sent || s.Errors < 1 {
		t.Fatalf("Stats = %+v, want all %d dropped and the failed connection counted", s, sent)
	}
}

func TestOversizedRecordIsSummarised(t *testing.T) {
	r := audit.Record{Seq: 7, Time: t0, Type: audit.TypeNote, Hash: "h", Error: strings.Repeat("x", 100<<10)}
	b := Format(r, Header{Facility: 1, Hostname: "h", AppName: "a", ProcID: "1"}, maxDatagram)
	if len(b) > maxDatagram {
		t.Fatalf("message of %d bytes exceeds %d", len(b), maxDatagram)
	}
	p := parse(t, b)
	var d map[string]any
	json.Unmarshal([]byte(p.msg), &d)
	if d["truncated"] != true || d["seq"] != float64(7) || d["hash"] != "h" {
		t.Fatalf("summary %s", p.msg)
	}
}

func TestHeaderFields(t *testing.T) {
	r := audit.Record{Seq: 1, Time: t0, Type: audit.TypeNote}
	b := Format(r, Header{Facility: 23, Hostname: "bad host\x00name", AppName: "", ProcID: strings.Repeat("9", 200)}, maxDatagram)
	p := parse(t, b)
	if p.pri != 23*8+sevInfo || p.host != "badhostname" || p.app != "-" || len(p.procid) != 128 {
		t.Fatalf("header %+v", p)
	}
}
