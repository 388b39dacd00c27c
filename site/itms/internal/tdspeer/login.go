package tdspeer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"
)

// PRELOGIN options and ENCRYPTION values (MS-TDS 2.2.6.5).
const (
	optVersion    = 0x00
	optEncryption = 0x01
	optInstOpt    = 0x02
	optMARS       = 0x04
	optTerminator = 0xFF

	encryptOff    = 0x00 // available, login only
	encryptOn     = 0x01
	encryptNotSup = 0x02
	encryptReq    = 0x03
)

// prelogin returns the client's ENCRYPTION option.
func prelogin(payload []byte) (byte, error) {
	for i := 0; ; i += 5 {
		if i >= len(payload) {
			return 0, errors.New("PRELOGIN without terminator")
		}
		if payload[i] == optTerminator {
			return 0, errors.New("PRELOGIN without ENCRYPTION")
		}
		if i+5 > len(payload) {
			return 0, errors.New("PRELOGIN option truncated")
		}
		off, n := int(binary.BigEndian.Uint16(payload[i+1:])), int(binary.BigEndian.Uint16(payload[i+3:]))
		if payload[i] == optEncryption {
			if n != 1 || off >= len(payload) {
				return 0, errors.New("PRELOGIN ENCRYPTION malformed")
			}
			return payload[off], nil
		}
	}
}

// preloginReply is the server's PRELOGIN answer with the chosen ENCRYPTION.
func preloginReply(encrypt byte) []byte {
	opts := []struct {
		token byte
		data  []byte
	}{
		{optVersion, []byte{16, 0, byte(1000 >> 8), byte(1000 & 0xff), 0, 0}},
		{optEncryption, []byte{encrypt}},
		{optInstOpt, []byte{0}},
		{optMARS, []byte{0}},
	}
	var head, data []byte
	off := 5*len(opts) + 1
	for _, o := range opts {
		head = append(head, o.token)
		head = binary.BigEndian.AppendUint16(head, uint16(off+len(data)))
		head = binary.BigEndian.AppendUint16(head, uint16(len(o.data)))
		data = append(data, o.data...)
	}
	return append(append(head, optTerminator), data...)
}

// Login is what a client sent in LOGIN7 (MS-TDS 2.2.6.4), as the peer
// saw it, and how it was transported.
type Login struct {
	User, Password   string
	Database         string
	AppName          string
	ServerName       string
	HostName         string
	ReadOnlyIntent   bool
	TDSVersion       uint32
	PacketSize       int
	Encrypted        bool // LOGIN7 arrived inside TLS
	SessionEncrypted bool // and so does everything after it
	Strict           bool // TDS 8.0: TLS before PRELOGIN
}

// parseLogin7 decodes a LOGIN7 payload.
func parseLogin7(p []byte) (Login, error) {
	const fixed = 94 // the fixed part up to cbSSPILong
	if len(p) < fixed {
		return Login{}, fmt.Errorf("LOGIN7 of %d bytes", len(p))
	}
	l := Login{
		TDSVersion:     binary.LittleEndian.Uint32(p[4:]),
		PacketSize:     int(binary.LittleEndian.Uint32(p[8:])),
		ReadOnlyIntent: p[26]&0x20 != 0, // TypeFlags: fReadOnlyIntent
	}
	field := func(at int, password bool) (string, error) {
		off, n := int(binary.LittleEndian.Uint16(p[at:])), 2*int(binary.LittleEndian.Uint16(p[at+2:]))
		if off+n > len(p) {
			return "", fmt.Errorf("LOGIN7 field at %d runs past the end", at)
		}
		b := bytes.Clone(p[off : off+n])
		if password {
			for i, c := range b {
				c ^= 0xA5
				b[i] = c<<4 | c>>4
			}
		}
		return fromUCS2(b), nil
	}
	var err error
	for _, f := range []struct {
		at       int
		dst      *string
		password bool
	}{
		{36, &l.HostName, false}, {40, &l.User, false}, {44, &l.Password, true},
		{48, &l.AppName, false}, {52, &l.ServerName, false}, {68, &l.Database, false},
	} {
		if *f.dst, err = field(f.at, f.password); err != nil {
			return Login{}, err
		}
	}
	return l, nil
}

// handshakeConn carries a TLS handshake inside PRELOGIN messages, as TDS
// 7.x does (MS-TDS 3.2.5.2): what the TLS server writes is sent as one
// PRELOGIN message when it next reads, and it reads the payloads of the
// client's PRELOGIN messages.
type handshakeConn struct {
	raw     net.Conn
	size    int
	pending bytes.Buffer
	in      []byte
}

func (h *handshakeConn) Read(b []byte) (int, error) {
	if err := h.flush(); err != nil {
		return 0, err
	}
	if len(h.in) == 0 {
		m, err := readMessage(h.raw)
		if err != nil {
			return 0, err
		}
		if m.typ != pktPrelogin {
			return 0, fmt.Errorf("packet type %#x during the TLS handshake, want PRELOGIN", m.typ)
		}
		h.in = m.payload
	}
	n := copy(b, h.in)
	h.in = h.in[n:]
	return n, nil
}

func (h *handshakeConn) Write(b []byte) (int, error) { return h.pending.Write(b) }

func (h *handshakeConn) flush() error {
	if h.pending.Len() == 0 {
		return nil
	}
	defer h.pending.Reset()
	return writeMessage(h.raw, pktPrelogin, h.pending.Bytes(), h.size, 0)
}

func (h *handshakeConn) Close() error                       { return h.raw.Close() }
func (h *handshakeConn) LocalAddr() net.Addr                { return h.raw.LocalAddr() }
func (h *handshakeConn) RemoteAddr() net.Addr               { return h.raw.RemoteAddr() }
func (h *handshakeConn) SetDeadline(t time.Time) error      { return h.raw.SetDeadline(t) }
func (h *handshakeConn) SetReadDeadline(t time.Time) error  { return h.raw.SetReadDeadline(t) }
func (h *handshakeConn) SetWriteDeadline(t time.Time) error { return h.raw.SetWriteDeadline(t) }

// switchConn is the TLS server's transport: the handshake wrapper, then,
// once the handshake is done, the raw connection.
type switchConn struct{ net.Conn }
