package itms

import (
	"errors"
	"fmt"

	"github.com/itms-tools/reconciler/failure"
	mssql "github.com/microsoft/go-mssqldb"
)

// SQL Server error numbers the CMDB reader acts on.
const (
	sqlDeadlockVictim = 1205  // chosen as deadlock victim: rerun the read
	sqlNolockMovement = 601   // could not continue scan with NOLOCK due to data movement: rerun
	sqlLoginFailed    = 18456 // login failed: the DSN's credentials are wrong
	sqlCannotOpenDB   = 4060  // cannot open the database named by the DSN
	sqlPermission     = 229   // SELECT permission denied
	sqlInvalidObject  = 208   // invalid object name: not a Symantec_CMDB
)

// sqlClass is what to do after a failed CMDB read.
type sqlClass int

const (
	sqlTransient sqlClass = iota // back off (the controller's default)
	sqlRerun                     // rerun the whole read once, discarding what was read
	sqlTerminal                  // retrying cannot help: tell the admin
)

// classifySQL looks at every SQL Server error in err's chain (a batch can
// carry several; mssql.Error.All lists them).
func classifySQL(err error) (sqlClass, int32) {
	var e mssql.Error
	if !errors.As(err, &e) {
		return sqlTransient, 0
	}
	all := e.All
	if len(all) == 0 {
		all = []mssql.Error{e}
	}
	class, num := sqlTransient, e.Number
	for _, x := range all {
		switch x.Number {
		case sqlLoginFailed, sqlCannotOpenDB, sqlPermission, sqlInvalidObject:
			return sqlTerminal, x.Number
		case sqlDeadlockVictim, sqlNolockMovement:
			class, num = sqlRerun, x.Number
		}
	}
	return class, num
}

// terminalSQL wraps a terminal SQL Server error with what the admin should
// check; a failed login (18456) is a failure.AuthError naming l, the
// DSN's login, so that the controller stops every call with the DSN. The
// driver's message never holds the DSN; SQL Server's own message names
// the login, never its password.
func terminalSQL(what string, num int32, err error, l failure.Login) error {
	hint := map[int32]string{
		sqlLoginFailed:   "check the user and password in the CMDB DSN",
		sqlCannotOpenDB:  "check the database named in the CMDB DSN and the login's access to it",
		sqlPermission:    "grant the login db_datareader on Symantec_CMDB (or SELECT on SWDPackageServer, SWDPackage and vItem)",
		sqlInvalidObject: "the DSN's database does not hold the ITMS tables; it should be Symantec_CMDB",
	}[num]
	wrapped := fmt.Errorf("%s: SQL Server error %d (%s): %w", what, num, hint, err)
	if num == sqlLoginFailed {
		return failure.MarkAuth(wrapped, l)
	}
	return failure.MarkTerminal(wrapped)
}
