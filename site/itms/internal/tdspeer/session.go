package tdspeer

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
)

// defaultPacket is the packet size before the login says otherwise.
const defaultPacket = 4096

// session is one client connection.
type session struct {
	srv   *Server
	raw   net.Conn
	conn  net.Conn // the transport after the login: raw or TLS
	size  int
	login Login
}

// run serves the connection: PRELOGIN, TLS, LOGIN7, then batches.
func (s *session) run() error {
	s.size = defaultPacket
	conn, strict, err := s.maybeStrict()
	if err != nil {
		return err
	}
	m, err := readMessage(conn)
	if err != nil {
		return err
	}
	if m.typ != pktPrelogin {
		return protocolErrorf("first message of type %#x, want PRELOGIN", m.typ)
	}
	clientEnc, err := prelogin(m.payload)
	if err != nil {
		return protocolError{err}
	}
	enc := s.choose(clientEnc, strict)
	if err := writeMessage(conn, pktReply, preloginReply(enc), s.size, 0); err != nil {
		return err
	}
	loginConn := conn
	if !strict && (enc == encryptOn || enc == encryptOff) {
		if loginConn, err = s.handshake(conn); err != nil {
			return err
		}
	}
	if err := s.readLogin(loginConn); err != nil {
		return err
	}
	s.login.Strict = strict
	s.login.Encrypted = strict || loginConn != conn
	s.conn = conn
	if enc == encryptOn && !strict {
		s.conn = loginConn
	}
	s.login.SessionEncrypted = strict || s.conn != conn
	if ok, err := s.answerLogin(); !ok || err != nil {
		return err
	}
	return s.serveBatches()
}

// maybeStrict reads the first byte: a TLS handshake record (0x16) means
// TDS 8.0, TLS before anything else.
func (s *session) maybeStrict() (net.Conn, bool, error) {
	var first [1]byte
	if _, err := io.ReadFull(s.raw, first[:]); err != nil {
		return nil, false, err
	}
	conn := &prefixConn{Conn: s.raw, prefix: first[:]}
	if first[0] != 0x16 {
		return conn, false, nil
	}
	if s.srv.TLS == nil {
		return nil, false, errors.New("TLS first (encrypt=strict) to a server without a certificate")
	}
	cfg := s.srv.TLS.Clone()
	cfg.NextProtos = []string{"tds/8.0"}
	tc := tls.Server(conn, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, false, fmt.Errorf("TLS handshake (strict): %w", err)
	}
	return tc, true, nil
}

// choose answers the client's ENCRYPTION: without a certificate nothing
// is encrypted; with one, the client's choice (login only for OFF).
func (s *session) choose(client byte, strict bool) byte {
	switch {
	case strict:
		return encryptOn
	case s.srv.TLS == nil || client == encryptNotSup:
		return encryptNotSup
	case client == encryptOff:
		return encryptOff
	}
	return encryptOn
}

// handshake runs the TDS 7 TLS handshake inside PRELOGIN messages and
// returns the TLS connection, now over the raw transport.
func (s *session) handshake(conn net.Conn) (net.Conn, error) {
	cfg := s.srv.TLS.Clone()
	cfg.MaxVersion = tls.VersionTLS12
	hc := &handshakeConn{raw: conn, size: s.size}
	sc := &switchConn{Conn: hc}
	tc := tls.Server(sc, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	if err := hc.flush(); err != nil {
		return nil, err
	}
	if len(hc.in) != 0 {
		return nil, protocolErrorf("%d bytes after the client's last handshake message", len(hc.in))
	}
	sc.Conn = conn
	return tc, nil
}

func (s *session) readLogin(conn net.Conn) error {
	m, err := readMessage(conn)
	if err != nil {
		return err
	}
	if m.typ != pktLogin7 {
		return protocolErrorf("message of type %#x after PRELOGIN, want LOGIN7", m.typ)
	}
	if s.login, err = parseLogin7(m.payload); err != nil {
		return protocolError{err}
	}
	if p := s.login.PacketSize; p >= 512 && p <= maxPacket {
		s.size = p
	}
	return nil
}

// answerLogin routes, refuses or acknowledges the login; ok is false when
// the session ends with it.
func (s *session) answerLogin() (bool, error) {
	srv := s.srv
	srv.mu.Lock()
	srv.log = append(srv.log, s.login)
	srv.mu.Unlock()
	var b []byte
	if srv.Route != nil {
		if host, port, ok := srv.Route(s.login); ok {
			b = envRouting(b, host, port)
			b = done(loginAck(b), 0, 0)
			return false, writeMessage(s.conn, pktReply, b, s.size, 0)
		}
	}
	if srv.Login != nil {
		if e := srv.Login(s.login); e != nil {
			if e.Server == "" {
				e.Server = srv.Name
			}
			b = done(errorToken(b, *e), doneError, 0)
			return false, writeMessage(s.conn, pktReply, b, s.size, 0)
		}
	}
	b = envDatabase(b, s.login.Database)
	b = done(loginAck(b), 0, 0)
	return true, writeMessage(s.conn, pktReply, b, s.size, 0)
}

// serveBatches answers batches and attentions until the client hangs up.
func (s *session) serveBatches() error {
	msgs, stop := s.reader()
	defer stop()
	for m := range msgs {
		switch m.typ {
		case pktAttention: // nothing running: confirm at once
			if err := s.reply(done(nil, doneAttn, 0)); err != nil {
				return err
			}
		case pktSQLBatch:
			if err := s.batch(m, msgs); err != nil {
				return err
			}
		case pktRPC:
			e := Error{Number: 50000, Class: 16, Message: "tdspeer: RPC requests are not supported", Server: s.srv.Name}
			if err := s.reply(done(errorToken(nil, e), doneError, 0)); err != nil {
				return err
			}
		default:
			return protocolErrorf("message of type %#x in a session", m.typ)
		}
	}
	return nil
}

// reader reads messages in the background, so that an attention is seen
// while a handler runs. stop ends it.
func (s *session) reader() (<-chan message, func()) {
	out := make(chan message)
	quit := make(chan struct{})
	go func() {
		defer close(out)
		for {
			m, err := readMessage(s.conn)
			if err != nil {
				return
			}
			select {
			case out <- m:
			case <-quit:
				return
			}
		}
	}()
	return out, func() { close(quit) }
}

// batch runs one batch, and cancels it on an attention.
func (s *session) batch(m message, msgs <-chan message) error {
	if len(m.payload) < 4 {
		return protocolErrorf("SQL batch of %d bytes", len(m.payload))
	}
	hdr := int(binary.LittleEndian.Uint32(m.payload))
	if hdr < 4 || hdr > len(m.payload) {
		return protocolErrorf("SQL batch headers of %d bytes in %d", hdr, len(m.payload))
	}
	b := Batch{SQL: fromUCS2(m.payload[hdr:]), Login: s.login}
	s.srv.mu.Lock()
	s.srv.seen = append(s.srv.seen, b.SQL)
	s.srv.mu.Unlock()
	if s.srv.Handle == nil {
		return protocolErrorf("no handler for %q", b.SQL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := make(chan Response, 1)
	go func() { res <- s.srv.Handle(ctx, b) }()
	select {
	case r := <-res:
		body, err := encodeResponse(r)
		if err != nil {
			return protocolError{fmt.Errorf("answer to %q: %w", b.SQL, err)}
		}
		return s.reply(body)
	case next, ok := <-msgs:
		if !ok {
			return nil
		}
		if next.typ != pktAttention {
			return protocolErrorf("message of type %#x while a batch runs", next.typ)
		}
		cancel()
		<-res
		return s.reply(done(nil, doneAttn, 0))
	}
}

func (s *session) reply(tokens []byte) error {
	return writeMessage(s.conn, pktReply, tokens, s.size, 0)
}

// prefixConn gives back bytes already read before the connection's own.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}
