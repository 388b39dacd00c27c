package httpserve

import (
	"bufio"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// long runs the long variant (10,000 connections); see RELIABILITY.md.
var long = flag.Bool("reliability.long", false, "run the long reliability variants")

// TestConnsFor: the cap is 64 connections, or a quarter of a low file
// descriptor limit, never 0.
func TestConnsFor(t *testing.T) {
	for limit, want := range map[uint64]int{0: 64, 1 << 20: 64, 1024: 64, 256: 64, 255: 63, 100: 25, 3: 1, 1: 1} {
		if got := connsFor(limit); got != want {
			t.Errorf("connsFor(%d) = %d, want %d", limit, got, want)
		}
	}
	if d := DefaultLimits(); d.ReadHeader <= 0 || d.Read <= 0 || d.Write <= 0 || d.Idle <= 0 || d.MaxConns < 1 || d.MaxHeader <= 0 {
		t.Errorf("a default limit is off: %+v", d)
	}
}

// errClosedFirst: the server closed the connection before answering (its
// read-header timeout ran out before a slow client wrote its request).
var errClosedFirst = errors.New("closed before the answer")

// client is one connection of the tests: keep-alive requests (0: none,
// the client only waits), then it waits for the server to close. One
// request each: a second one could race the short idle timeout.
func client(t *testing.T, addr string, requests int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for range requests {
		if _, err := io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(r, nil)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return errClosedFirst
		}
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status %d", resp.StatusCode)
		}
	}
	// Held open by the client: only the server's timeouts end it.
	_, err = io.Copy(io.Discard, r)
	return err
}

// hold runs idle keep-alive clients and silent ones at once against a
// server within lim, and returns it once every client was closed by it,
// with the number of clients reset (they waited in the kernel's listen
// queue past its retries, under a flood larger than the queue, or wrote
// their request to a connection the server had already closed) and of
// keep-alive clients closed before their answer.
func hold(t *testing.T, lim Limits, keepAlive, silent int) (srv *Server, reset, early int) {
	t.Helper()
	srv, err := Start("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("reconciler_up 1\n"))
	}), lim, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(time.Second) })
	var wg sync.WaitGroup
	errs := make(chan error, keepAlive+silent)
	for i := range keepAlive + silent {
		requests := 1
		if i >= keepAlive {
			requests = 0
		}
		wg.Go(func() { errs <- client(t, srv.Addr().String(), requests) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		switch {
		case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
			reset++
		case errors.Is(err, errClosedFirst):
			early++
		case err != nil:
			t.Fatalf("client: %v", err)
		}
	}
	return srv, reset, early
}

// TestIdleAndSilentConnectionsAreClosedWithinTheCap: 300 keep-alive
// clients that never leave and 100 that never send a byte, against a cap
// of 16: every one is served (or closed) by the server's timeouts, and no
// more than 16 are ever open at once. Before the fix the daemon's server
// had no idle timeout, read timeout nor cap: these clients were held
// forever.
func TestIdleAndSilentConnectionsAreClosedWithinTheCap(t *testing.T) {
	lim := Limits{ReadHeader: 100 * time.Millisecond, Read: time.Second, Write: time.Second,
		Idle: 20 * time.Millisecond, MaxConns: 16, MaxHeader: 4 << 10}
	// A client too slow to write its request before the read-header
	// timeout finds the connection closed: EOF, or a reset when its write
	// reached the closed socket. Either way the server let it go.
	srv, reset, early := hold(t, lim, 300, 100)
	if early+reset >= 300 {
		t.Errorf("no keep-alive client was answered (%d closed first, %d reset)", early, reset)
	}
	if p := srv.Peak(); p < 1 || p > 16 {
		t.Fatalf("peak of open connections %d, want 1..16", p)
	}
}

// TestTenThousandKeepAliveConnections is the review's attack (10,000
// keep-alive connections to /metrics) against the default limits with a
// shorter idle timeout; behind -reliability.long.
func TestTenThousandKeepAliveConnections(t *testing.T) {
	if !*long {
		t.Skip("long variant: -reliability.long")
	}
	lim := DefaultLimits()
	lim.Idle, lim.ReadHeader = 200*time.Millisecond, 200*time.Millisecond
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	srv, reset, early := hold(t, lim, 10_000, 0)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("10,000 clients: %d served then closed, %d closed before their answer, %d reset in the kernel's queue; peak %d open at once (cap %d), heap %.1f → %.1f MiB, wall %s",
		10_000-reset-early, early, reset, srv.Peak(), lim.MaxConns, float64(before.HeapInuse)/(1<<20), float64(after.HeapInuse)/(1<<20), time.Since(start).Round(time.Millisecond))
	if srv.Peak() > int64(lim.MaxConns) {
		t.Fatalf("peak %d over the cap %d", srv.Peak(), lim.MaxConns)
	}
}

func TestStartSaysTheAddressIsInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Start(ln.Addr().String(), http.NotFoundHandler(), DefaultLimits(), slog.New(slog.DiscardHandler))
	if !errors.Is(err, ErrInUse) {
		t.Errorf("Start on a busy address: %v, want ErrInUse", err)
	}
}
