package itms

import (
	"encoding/hex"
	"fmt"

	"github.com/itms-tools/reconciler/vocab"
	mssql "github.com/microsoft/go-mssqldb"
)

// SQL Server sends a uniqueidentifier as 16 bytes whose first three groups
// are little-endian (6F9619FF-8B86-D011-... travels as FF 19 96 6F 86 8B
// 11 D0 ...). go-mssqldb's UniqueIdentifier.Scan swaps them into the order
// the text form is written in, and its String method prints upper case.
// The CMDB queries convert GUIDs to text in SQL (CAST ... AS NVARCHAR), so
// no read returns bytes today; should one ever do, it must go through
// guidFromWire, the one sanctioned conversion, and never through a
// hand-written byte swap.

// guidFromWire converts a uniqueidentifier as SQL Server sends it to a
// canonical (lower-case, unbraced) GUID.
func guidFromWire(b []byte) (vocab.GUID, error) {
	var u mssql.UniqueIdentifier
	if err := u.Scan(b); err != nil {
		return "", fmt.Errorf("uniqueidentifier: %w", err)
	}
	return guidText(u), nil
}

// guidToWire converts a canonical GUID to the bytes SQL Server sends.
func guidToWire(g vocab.GUID) ([]byte, error) {
	u, err := guidUID(g)
	if err != nil {
		return nil, err
	}
	v, err := u.Value()
	if err != nil {
		return nil, fmt.Errorf("uniqueidentifier: %w", err)
	}
	return v.([]byte), nil
}

// guidText renders a UniqueIdentifier (bytes in text order) canonically.
func guidText(u mssql.UniqueIdentifier) vocab.GUID {
	var dst [36]byte
	hex.Encode(dst[0:8], u[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], u[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], u[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], u[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:36], u[10:16])
	return vocab.GUID(dst[:])
}

// guidUID parses a GUID in any accepted spelling into a UniqueIdentifier.
func guidUID(g vocab.GUID) (mssql.UniqueIdentifier, error) {
	c, err := vocab.ParseGUID(string(g))
	if err != nil {
		return mssql.UniqueIdentifier{}, err
	}
	var u mssql.UniqueIdentifier
	if err := u.Scan(string(c)); err != nil {
		return mssql.UniqueIdentifier{}, fmt.Errorf("uniqueidentifier: %w", err)
	}
	return u, nil
}

// guidScanner is a sql.Scanner for a GUID column read either as text (a
// CAST in SQL) or as uniqueidentifier bytes.
type guidScanner struct{ G vocab.GUID }

// Scan implements sql.Scanner.
func (s *guidScanner) Scan(v any) error {
	switch t := v.(type) {
	case []byte:
		if len(t) == 16 {
			g, err := guidFromWire(t)
			s.G = g
			return err
		}
		return s.text(string(t))
	case string:
		return s.text(t)
	}
	return fmt.Errorf("GUID column: unexpected %T", v)
}

func (s *guidScanner) text(t string) error {
	g, err := vocab.ParseGUID(t)
	s.G = g
	return err
}
