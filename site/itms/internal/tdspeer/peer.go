// Package tdspeer is an in-process SQL Server for tests: it speaks TDS
// (MS-TDS: 7.4, and 8.0 with encrypt=strict) to github.com/microsoft/go-mssqldb
// through the connector's Dialer hook, so that the driver's own
// prelogin, TLS, login and token decoding runs against it. It knows no
// SQL: a handler answers each batch with result sets (nvarchar, ntext,
// int, bit, uniqueidentifier in SQL Server's mixed-endian bytes, datetime,
// datetime2, NULLs) or an error token (1205, 18456, ...).
//
// Written for the reconciler's site/itms tests from the MS-TDS
// specification; it is test support, not a server: one batch at a time
// (no MARS), no RPC, no transactions, no SSPI.
package tdspeer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
)

// Server is one SQL Server instance.
type Server struct {
	// Name is the server name in error tokens.
	Name string
	// TLS, when set, is offered: inside PRELOGIN for TDS 7 (encrypt=true,
	// or the login only for encrypt=false), first for TDS 8.0
	// (encrypt=strict, ALPN "tds/8.0"). As SQL Server, the peer offers
	// TLS 1.3 only with TDS 8.0.
	TLS *tls.Config
	// Login decides a login: a non-nil Error refuses it (18456). nil
	// accepts every login.
	Login func(Login) *Error
	// Route, when it returns ok, answers a login with a routing ENVCHANGE
	// to host:port, as an availability group listener routes read-only
	// intent.
	Route func(Login) (host string, port uint16, ok bool)
	// Handle answers one batch. ctx ends when the client sends an
	// attention (a cancelled query): the answer is then dropped.
	Handle func(ctx context.Context, b Batch) Response

	t     testing.TB
	mu    sync.Mutex
	log   []Login
	seen  []string
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// Batch is one SQL batch as the client sent it.
type Batch struct {
	SQL   string
	Login Login
}

// New returns a server whose protocol errors fail t; its sessions are
// closed when t ends.
func New(t testing.TB) *Server {
	s := &Server{Name: "SQL01", t: t, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// Logins lists the logins the server accepted, refused or routed.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.log...)
}

// Batches lists the SQL text of every batch received.
func (s *Server) Batches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// Serve runs a session on c in the background.
func (s *Server) Serve(c net.Conn) {
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer c.Close()
		err := (&session{srv: s, raw: c}).run()
		var pe protocolError
		if errors.As(err, &pe) {
			s.t.Errorf("tdspeer %s: %v", s.Name, err)
		}
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
}

// protocolError is a client or handler mistake, reported to the test;
// transport errors (a client that hangs up, a TLS handshake the client
// refuses) are not.
type protocolError struct{ err error }

func (e protocolError) Error() string { return e.err.Error() }
func (e protocolError) Unwrap() error { return e.err }

func protocolErrorf(format string, args ...any) error {
	return protocolError{fmt.Errorf(format, args...)}
}

// Network is a go-mssqldb Dialer (a HostDialer: the driver passes it the
// host name unresolved) that connects each address to its server over
// net.Pipe.
type Network struct {
	mu    sync.Mutex
	peers map[string]*Server
	dials []string
}

// Add makes addr ("host:port") reach s.
func (n *Network) Add(addr string, s *Server) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.peers == nil {
		n.peers = map[string]*Server{}
	}
	n.peers[addr] = s
}

// Dials lists the addresses dialled, in order.
func (n *Network) Dials() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.dials...)
}

// DialContext connects to the server at addr.
func (n *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	n.dials = append(n.dials, addr)
	s := n.peers[addr]
	n.mu.Unlock()
	if s == nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("no tdspeer at %s: %w", addr, os.ErrNotExist)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	client, server := net.Pipe()
	s.Serve(server)
	return client, nil
}

// HostName makes Network a go-mssqldb HostDialer.
func (n *Network) HostName() string { return "" }
