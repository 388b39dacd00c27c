package tdspeer

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
)

// Data type ids (MS-TDS 2.2.5.4).
const (
	typeGUID      = 0x24
	typeIntN      = 0x26
	typeDateTime2 = 0x2A
	typeNText     = 0x63
	typeBitN      = 0x68
	typeDateTimeN = 0x6F
	typeNVarChar  = 0xE7
)

// Type is a column type as SQL Server describes it in COLMETADATA.
type Type struct {
	id    byte
	size  int  // bytes: the INTN width, nvarchar's maximum length
	scale byte // datetime2
	name  string
}

// The types the peer sends. Values: string (nvarchar, ntext), int64 or
// int (the integers), bool (bit), UUID (uniqueidentifier), time.Time
// (datetime, datetime2), and nil for NULL in any column.
var (
	Int              = Type{id: typeIntN, size: 4, name: "int"}
	BigInt           = Type{id: typeIntN, size: 8, name: "bigint"}
	SmallInt         = Type{id: typeIntN, size: 2, name: "smallint"}
	TinyInt          = Type{id: typeIntN, size: 1, name: "tinyint"}
	Bit              = Type{id: typeBitN, size: 1, name: "bit"}
	UniqueIdentifier = Type{id: typeGUID, size: 16, name: "uniqueidentifier"}
	DateTime         = Type{id: typeDateTimeN, size: 8, name: "datetime"}
	NText            = Type{id: typeNText, size: 0x7FFFFFFF, name: "ntext"}
)

// NVarChar is nvarchar(n), 1 <= n <= 4000.
func NVarChar(n int) Type {
	return Type{id: typeNVarChar, size: 2 * n, name: fmt.Sprintf("nvarchar(%d)", n)}
}

// DateTime2 is datetime2(scale), 0 <= scale <= 7.
func DateTime2(scale byte) Type {
	return Type{id: typeDateTime2, scale: scale, name: fmt.Sprintf("datetime2(%d)", scale)}
}

func (t Type) String() string { return t.name }

// UUID is a uniqueidentifier in the order its text is written; the peer
// sends it as SQL Server does, the first three groups little-endian.
type UUID [16]byte

// ParseUUID parses "6F9619FF-8B86-D011-B42D-00C04FC964FF", braces and case
// optional. It panics on malformed text: it is for test tables.
func ParseUUID(s string) UUID {
	h := strings.NewReplacer("-", "", "{", "", "}", "").Replace(s)
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		panic(fmt.Sprintf("tdspeer: malformed GUID %q", s))
	}
	var u UUID
	copy(u[:], b)
	return u
}

// wire is the uniqueidentifier as SQL Server sends it.
func (u UUID) wire() []byte {
	b := u
	b[0], b[1], b[2], b[3] = u[3], u[2], u[1], u[0]
	b[4], b[5] = u[5], u[4]
	b[6], b[7] = u[7], u[6]
	return b[:]
}

// collation is SQL_Latin1_General_CP1_CI_AS (LCID 0x0409, sort id 52).
var collation = []byte{0x09, 0x04, 0xD0, 0x00, 0x34}

// typeInfo appends the column's TYPE_INFO (MS-TDS 2.2.5.6).
func (t Type) typeInfo(b []byte, table string) []byte {
	b = append(b, t.id)
	switch t.id {
	case typeIntN, typeBitN, typeGUID, typeDateTimeN:
		b = append(b, byte(t.size))
	case typeDateTime2:
		b = append(b, t.scale)
	case typeNVarChar:
		b = binary.LittleEndian.AppendUint16(b, uint16(t.size))
		b = append(b, collation...)
	case typeNText:
		b = binary.LittleEndian.AppendUint32(b, uint32(t.size))
		b = append(b, collation...)
		b = append(b, 1) // the table name in one part
		b = usVarChar(b, table)
	}
	return b
}

// value appends v as a column of type t (TYPE_VARBYTE, MS-TDS 2.2.5.2.3);
// nil is NULL. NBCROW leaves NULLs out and calls it only for others.
func (t Type) value(b []byte, v any) ([]byte, error) {
	if v == nil {
		switch t.id {
		case typeNVarChar:
			return binary.LittleEndian.AppendUint16(b, 0xFFFF), nil
		default: // the byte length 0, or ntext's text pointer length 0
			return append(b, 0), nil
		}
	}
	switch t.id {
	case typeIntN:
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Errorf("%v column: %T value", t, v)
		}
		b = append(b, byte(t.size))
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], uint64(n))
		return append(b, buf[:t.size]...), nil
	case typeBitN:
		x, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("bit column: %T value", v)
		}
		return append(b, 1, map[bool]byte{false: 0, true: 1}[x]), nil
	case typeGUID:
		u, ok := v.(UUID)
		if !ok {
			return nil, fmt.Errorf("uniqueidentifier column: %T value", v)
		}
		return append(append(b, 16), u.wire()...), nil
	case typeDateTimeN:
		tm, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("datetime column: %T value", v)
		}
		return append(append(b, 8), encodeDateTime(tm)...), nil
	case typeDateTime2:
		tm, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("datetime2 column: %T value", v)
		}
		enc := encodeDateTime2(tm, t.scale)
		return append(append(b, byte(len(enc))), enc...), nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%v column: %T value", t, v)
	}
	u := ucs2(s)
	if t.id == typeNVarChar {
		if len(u) > t.size {
			return nil, fmt.Errorf("%v column: value of %d bytes", t, len(u))
		}
		return append(binary.LittleEndian.AppendUint16(b, uint16(len(u))), u...), nil
	}
	// ntext: text pointer (16 bytes), timestamp (8 bytes), then the data.
	b = append(b, 16)
	b = append(b, make([]byte, 16+8)...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(u)))
	return append(b, u...), nil
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	}
	return 0, false
}

// encodeDateTime is datetime's wire form: days since 1900-01-01 and
// 1/300 s since midnight, both little-endian (MS-TDS 2.2.5.5.1.8).
func encodeDateTime(t time.Time) []byte {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	days := int32(daysBetween(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), day))
	ticks := uint32((t.Sub(day).Nanoseconds()*3 + 5_000_000) / 10_000_000) // 1/300 s, rounded
	b := binary.LittleEndian.AppendUint32(nil, uint32(days))
	return binary.LittleEndian.AppendUint32(b, ticks)
}

// encodeDateTime2 is datetime2's wire form: the time in 10^-scale s since
// midnight (3 to 5 bytes), then days since 0001-01-01 (3 bytes).
func encodeDateTime2(t time.Time, scale byte) []byte {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	units := t.Sub(day).Nanoseconds()
	for range 9 - int(scale) {
		units /= 10
	}
	n := map[bool]int{true: 3, false: 4}[scale <= 2]
	if scale >= 5 {
		n = 5
	}
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(units))
	days := daysBetween(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), day)
	return append(buf[:n:n], byte(days), byte(days>>8), byte(days>>16))
}

// daysBetween counts whole days from a to b (both midnight UTC) without
// time.Duration, which cannot hold more than 292 years.
func daysBetween(a, b time.Time) int { return int((b.Unix() - a.Unix()) / 86400) }

// ucs2 is s in UTF-16LE.
func ucs2(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// fromUCS2 decodes UTF-16LE.
func fromUCS2(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// bVarChar appends a B_VARCHAR: a length in characters (one byte) and UCS-2.
func bVarChar(b []byte, s string) []byte {
	u := ucs2(s)
	return append(append(b, byte(len(u)/2)), u...)
}

// usVarChar appends a US_VARCHAR: a length in characters (two bytes) and UCS-2.
func usVarChar(b []byte, s string) []byte {
	u := ucs2(s)
	return append(binary.LittleEndian.AppendUint16(b, uint16(len(u)/2)), u...)
}
