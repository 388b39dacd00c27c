package httpserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server is a running endpoint.
type Server struct {
	srv *http.Server
	ln  *limitListener
}

// Start listens on addr and serves h within lim until Stop. When another
// process listens there already the error wraps ErrInUse.
func Start(addr string, h http.Handler, lim Limits, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if addrInUse(err) {
		return nil, fmt.Errorf("%w: %w", ErrInUse, err)
	}
	if err != nil {
		return nil, err
	}
	s := &Server{ln: newLimitListener(ln, max(1, lim.MaxConns)), srv: &http.Server{Handler: h,
		ReadHeaderTimeout: lim.ReadHeader, ReadTimeout: lim.Read, WriteTimeout: lim.Write,
		IdleTimeout: lim.Idle, MaxHeaderBytes: lim.MaxHeader,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http", "error", err)
		}
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Open is the number of connections open now.
func (s *Server) Open() int64 { return s.ln.open.Load() }

// Peak is the most connections that were open at once.
func (s *Server) Peak() int64 { return s.ln.peak.Load() }

// Stop closes the listener and idle connections, and waits up to grace
// for the requests in flight.
func (s *Server) Stop(grace time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
}
