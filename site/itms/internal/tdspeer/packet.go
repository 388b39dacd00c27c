package tdspeer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Packet types (MS-TDS 2.2.3.1.1).
const (
	pktSQLBatch  = 0x01
	pktRPC       = 0x03
	pktReply     = 0x04 // tabular result: every server message
	pktAttention = 0x06
	pktLogin7    = 0x10
	pktPrelogin  = 0x12
)

// headerLen is the size of a packet header (MS-TDS 2.2.3.1).
const headerLen = 8

// statusEOM marks the last packet of a message.
const statusEOM = 0x01

// maxPacket bounds a packet the peer accepts (TDS allows up to 32767).
const maxPacket = 32767

// message is one TDS message: a packet type and the payload of all its
// packets.
type message struct {
	typ     byte
	payload []byte
}

// readMessage reads packets from r until one carries the end-of-message
// status. Every packet of a message must have the same type.
func readMessage(r io.Reader) (message, error) {
	var m message
	for first := true; ; first = false {
		var h [headerLen]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			if !first && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return message{}, err
		}
		size := int(binary.BigEndian.Uint16(h[2:4]))
		if size < headerLen || size > maxPacket {
			return message{}, fmt.Errorf("packet length %d out of range", size)
		}
		if first {
			m.typ = h[0]
		} else if h[0] != m.typ {
			return message{}, fmt.Errorf("packet type %#x inside a message of type %#x", h[0], m.typ)
		}
		body := make([]byte, size-headerLen)
		if _, err := io.ReadFull(r, body); err != nil {
			return message{}, fmt.Errorf("packet body: %w", err)
		}
		m.payload = append(m.payload, body...)
		if h[1]&statusEOM != 0 {
			return m, nil
		}
	}
}

// writeMessage writes payload as packets of typ of at most size bytes,
// the last one marked end-of-message.
func writeMessage(w io.Writer, typ byte, payload []byte, size int, spid uint16) error {
	room := size - headerLen
	id := byte(1)
	for {
		n := min(len(payload), room)
		status := byte(0)
		if n == len(payload) {
			status = statusEOM
		}
		pkt := make([]byte, headerLen, headerLen+n)
		pkt[0], pkt[1] = typ, status
		binary.BigEndian.PutUint16(pkt[2:4], uint16(headerLen+n))
		binary.BigEndian.PutUint16(pkt[4:6], spid)
		pkt[6] = id
		pkt = append(pkt, payload[:n]...)
		if _, err := w.Write(pkt); err != nil {
			return err
		}
		payload = payload[n:]
		id++
		if status == statusEOM {
			return nil
		}
	}
}
