// Package cmdb reads the Symantec_CMDB tables the controller needs
// (SWDPackageServer, SWDPackage, vItem) through database/sql. The query text
// lives here, once, and is shared by SQL Server (github.com/microsoft/go-mssqldb)
// and by the simulated site's SQLite (modernc.org/sqlite): both dialects
// accept it.
//
// It yields raw, untrusted rows; validating them is package observed's job.
// It never writes to the CMDB.
package cmdb
