package itms

import (
	"errors"
	"fmt"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"
)

func TestClassifySQL(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		class sqlClass
		num   int32
	}{
		{"not SQL Server", errors.New("dial tcp: timeout"), sqlTransient, 0},
		{"deadlock victim", mssql.Error{Number: 1205}, sqlRerun, 1205},
		{"NOLOCK data movement", mssql.Error{Number: 601}, sqlRerun, 601},
		{"wrapped deadlock", fmt.Errorf("query rows in question: %w", mssql.Error{Number: 1205}), sqlRerun, 1205},
		{"login failed", mssql.Error{Number: 18456}, sqlTerminal, 18456},
		{"cannot open database", mssql.Error{Number: 4060}, sqlTerminal, 4060},
		{"permission denied", mssql.Error{Number: 229}, sqlTerminal, 229},
		{"invalid object", mssql.Error{Number: 208}, sqlTerminal, 208},
		{"other server error", mssql.Error{Number: 2627}, sqlTransient, 2627},
		{"deadlock in a batch of errors", mssql.Error{Number: 3621, All: []mssql.Error{{Number: 1205}, {Number: 3621}}}, sqlRerun, 1205},
		{"terminal wins in a batch", mssql.Error{Number: 1205, All: []mssql.Error{{Number: 1205}, {Number: 18456}}}, sqlTerminal, 18456},
		{"server error wrapper", mssql.ServerError{}, sqlTransient, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, n := classifySQL(tc.err)
			if c != tc.class || n != tc.num {
				t.Errorf("classifySQL = %v, %d; want %v, %d", c, n, tc.class, tc.num)
			}
		})
	}
}
