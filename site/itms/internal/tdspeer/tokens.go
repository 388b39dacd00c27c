package tdspeer

import (
	"encoding/binary"
	"fmt"
)

// Token types (MS-TDS 2.2.7).
const (
	tokColMetadata = 0x81
	tokError       = 0xAA
	tokLoginAck    = 0xAD
	tokRow         = 0xD1
	tokNBCRow      = 0xD2
	tokEnvChange   = 0xE3
	tokDone        = 0xFD
)

// DONE status bits (MS-TDS 2.2.7.6).
const (
	doneMore  = 0x0001
	doneError = 0x0002
	doneCount = 0x0010
	doneAttn  = 0x0020
)

// curCmdSelect is DONE's CurCmd for a SELECT.
const curCmdSelect = 0xC1

// Column is one column of a result.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
	Table    string // ntext only: the table the column belongs to
}

// Result is one result set.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Error is an ERROR token: a SQL Server error message.
type Error struct {
	Number  int32
	State   uint8
	Class   uint8 // severity: 11-16 user errors, 14 for 18456, 13 for 1205
	Message string
	Server  string
	Proc    string
	Line    int32
}

// Response is the answer to one batch: its results, then Err if set (a
// read cut short: the rows already sent stay sent).
type Response struct {
	Results []Result
	Err     *Error
}

// encodeResponse renders r as a token stream.
func encodeResponse(r Response) ([]byte, error) {
	var b []byte
	for i, res := range r.Results {
		var err error
		if b, err = encodeResult(b, res); err != nil {
			return nil, err
		}
		if r.Err != nil && i == len(r.Results)-1 {
			break
		}
		status := uint16(doneCount)
		if i < len(r.Results)-1 || r.Err != nil {
			status |= doneMore
		}
		b = done(b, status, uint64(len(res.Rows)))
	}
	if r.Err != nil {
		b = errorToken(b, *r.Err)
		b = done(b, doneError, 0)
	}
	if len(r.Results) == 0 && r.Err == nil {
		b = done(b, 0, 0)
	}
	return b, nil
}

// encodeResult appends COLMETADATA and one ROW or NBCROW per row (NBCROW
// when the row holds a NULL, as SQL Server does when it saves bytes).
func encodeResult(b []byte, r Result) ([]byte, error) {
	b = append(b, tokColMetadata)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Columns)))
	for _, c := range r.Columns {
		b = binary.LittleEndian.AppendUint32(b, 0) // UserType
		flags := uint16(0)
		if c.Nullable {
			flags |= 0x0001
		}
		b = binary.LittleEndian.AppendUint16(b, flags)
		b = c.Type.typeInfo(b, c.Table)
		b = bVarChar(b, c.Name)
	}
	for n, row := range r.Rows {
		if len(row) != len(r.Columns) {
			return nil, fmt.Errorf("row %d has %d values for %d columns", n, len(row), len(r.Columns))
		}
		var err error
		if b, err = encodeRow(b, r.Columns, row); err != nil {
			return nil, fmt.Errorf("row %d: %w", n, err)
		}
	}
	return b, nil
}

func encodeRow(b []byte, cols []Column, row []any) ([]byte, error) {
	nulls := make([]byte, (len(cols)+7)/8)
	anyNull := false
	for i, v := range row {
		if v == nil {
			if !cols[i].Nullable {
				return nil, fmt.Errorf("NULL in column %s, which is not nullable", cols[i].Name)
			}
			nulls[i/8] |= 1 << (i % 8)
			anyNull = true
		}
	}
	if anyNull {
		b = append(append(b, tokNBCRow), nulls...)
	} else {
		b = append(b, tokRow)
	}
	for i, v := range row {
		if v == nil && anyNull {
			continue
		}
		var err error
		if b, err = cols[i].Type.value(b, v); err != nil {
			return nil, fmt.Errorf("column %s: %w", cols[i].Name, err)
		}
	}
	return b, nil
}

func done(b []byte, status uint16, rows uint64) []byte {
	b = append(b, tokDone)
	b = binary.LittleEndian.AppendUint16(b, status)
	b = binary.LittleEndian.AppendUint16(b, curCmdSelect)
	return binary.LittleEndian.AppendUint64(b, rows)
}

func errorToken(b []byte, e Error) []byte {
	var body []byte
	body = binary.LittleEndian.AppendUint32(body, uint32(e.Number))
	body = append(body, e.State, e.Class)
	body = usVarChar(body, e.Message)
	body = bVarChar(body, e.Server)
	body = bVarChar(body, e.Proc)
	body = binary.LittleEndian.AppendUint32(body, uint32(e.Line))
	b = append(b, tokError)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// loginAck is LOGINACK for TDS 7.4 from "Microsoft SQL Server" 16.0.1000
// (SQL Server 2022).
func loginAck(b []byte) []byte {
	var body []byte
	body = append(body, 1)                                     // SQL_TSQL
	body = binary.BigEndian.AppendUint32(body, 0x74000004)     // TDS 7.4
	body = bVarChar(body, "Microsoft SQL Server")              // ProgName
	body = append(body, 16, 0, byte(1000>>8), byte(1000&0xff)) // ProgVersion
	b = append(b, tokLoginAck)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// envDatabase is ENVCHANGE type 1: the database is now db.
func envDatabase(b []byte, db string) []byte {
	body := bVarChar([]byte{1}, db)
	body = bVarChar(body, "master")
	b = append(b, tokEnvChange)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// envRouting is ENVCHANGE type 20: reconnect to host:port (read-only
// routing of an availability group listener).
func envRouting(b []byte, host string, port uint16) []byte {
	var value []byte
	value = append(value, 0) // TCP
	value = binary.LittleEndian.AppendUint16(value, port)
	value = usVarChar(value, host)
	body := []byte{20}
	body = binary.LittleEndian.AppendUint16(body, uint16(len(value)))
	body = append(body, value...)
	body = binary.LittleEndian.AppendUint16(body, 0) // no old value
	b = append(b, tokEnvChange)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}
