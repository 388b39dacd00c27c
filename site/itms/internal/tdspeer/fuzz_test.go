package tdspeer

import (
	"bytes"
	"testing"
)

// FuzzClientMessages feeds arbitrary bytes to the peer's parsers of what
// a client sends (packets, PRELOGIN, LOGIN7): errors, never a panic.
func FuzzClientMessages(f *testing.F) {
	f.Add([]byte{0x12, 0x01, 0x00, 0x0d, 0, 0, 1, 0, 0x01, 0x00, 0x06, 0x00, 0x01})
	f.Add(append([]byte{0x10, 0x01, 0x00, 0x66, 0, 0, 1, 0}, make([]byte, 94)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readMessage(bytes.NewReader(b))
		if err != nil {
			return
		}
		prelogin(m.payload)
		parseLogin7(m.payload)
	})
}
