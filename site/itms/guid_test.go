package itms

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
	mssql "github.com/microsoft/go-mssqldb"
)

func TestGUIDWireConversion(t *testing.T) {
	tests := []struct {
		text string // as written, any case, maybe braced
		wire string // hex of the bytes SQL Server sends
		want vocab.GUID
	}{
		// The example of SQL Server's documentation of uniqueidentifier.
		{"6F9619FF-8B86-D011-B42D-00C04FC964FF", "ff19966f868b11d0b42d00c04fc964ff", "6f9619ff-8b86-d011-b42d-00c04fc964ff"},
		{"6f9619ff-8b86-d011-b42d-00c04fc964ff", "ff19966f868b11d0b42d00c04fc964ff", "6f9619ff-8b86-d011-b42d-00c04fc964ff"},
		{"{00112233-4455-6677-8899-AABBCCDDEEFF}", "33221100554477668899aabbccddeeff", "00112233-4455-6677-8899-aabbccddeeff"},
		{"00000000-0000-0000-0000-000000000001", "00000000000000000000000000000001", "00000000-0000-0000-0000-000000000001"},
	}
	for _, tc := range tests {
		wire, _ := hex.DecodeString(tc.wire)
		got, err := guidFromWire(wire)
		if err != nil || got != tc.want {
			t.Errorf("guidFromWire(%s) = %q, %v; want %q", tc.wire, got, err, tc.want)
		}
		back, err := guidToWire(vocab.GUID(tc.text))
		if err != nil || !bytes.Equal(back, wire) {
			t.Errorf("guidToWire(%s) = %x, %v; want %s", tc.text, back, err, tc.wire)
		}
		// go-mssqldb's own scanner agrees (it prints upper case).
		var u mssql.UniqueIdentifier
		if err := u.Scan(wire); err != nil || guidText(u) != tc.want {
			t.Errorf("UniqueIdentifier.Scan(%s) → %s", tc.wire, u)
		}
		var s guidScanner
		if err := s.Scan(wire); err != nil || s.G != tc.want {
			t.Errorf("guidScanner bytes %s → %q, %v", tc.wire, s.G, err)
		}
		if err := s.Scan(tc.text); err != nil || s.G != tc.want {
			t.Errorf("guidScanner text %s → %q, %v", tc.text, s.G, err)
		}
	}
}

func TestGUIDWireRefusals(t *testing.T) {
	if _, err := guidFromWire([]byte{1, 2, 3}); err == nil {
		t.Error("short uniqueidentifier accepted")
	}
	if _, err := guidToWire(`..\..\Windows`); err == nil {
		t.Error("path accepted as a GUID")
	}
	var s guidScanner
	for _, v := range []any{int64(7), "not-a-guid", []byte("6F9619FF-8B86-D011-B42D-00C04FC964F")} {
		if err := s.Scan(v); err == nil {
			t.Errorf("guidScanner accepted %v", v)
		}
	}
}
