package cmdb

// SQLiteSchema creates the three tables in the simulated site's SQLite
// CMDB, shaped like ITMS's: GUIDs as text compared case-insensitively (as
// SQL Server compares uniqueidentifier), the status compared
// case-insensitively (as SQL Server's default collation does), Status and
// Version nullable (the query does not rely on them being set), every
// table clustered on its key (WITHOUT ROWID), as SQL Server clusters them,
// so that a join reads one b-tree, not an index and then the table.
//
// IX_SWDPackageServer_Status lets the rows in question be read without the
// Ready ones (see inQuestionQuery): without it a pass scans the table, as
// the KB query does. On SQL Server the same index, or one on (PackageId)
// including Status and Version, serves the same purpose.
const SQLiteSchema = `
CREATE TABLE IF NOT EXISTS vItem (
    [Guid] TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
    [Name] TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS SWDPackage (
    [PackageId]       TEXT    NOT NULL COLLATE NOCASE,
    [Name]            TEXT    NOT NULL,
    [Package Version] TEXT    NOT NULL,
    [_Latest]         INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY ([PackageId], [Package Version])
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS SWDPackageServer (
    [PkgSvrId]  TEXT NOT NULL COLLATE NOCASE,
    [PackageId] TEXT NOT NULL COLLATE NOCASE,
    [Status]    TEXT COLLATE NOCASE,
    [Version]   TEXT DEFAULT '',
    [Error]     TEXT,
    PRIMARY KEY ([PkgSvrId], [PackageId])
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS IX_SWDPackageServer_Status
    ON SWDPackageServer ([Status], [PackageId], [Version]);
`
