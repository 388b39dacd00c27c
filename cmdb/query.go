package cmdb

// KBQuery is the verification query of KB 179719, as the vendor gives it.
// Benchmarks time it as the bare cost of reading the data; the controller
// does not run it.
const KBQuery = `SELECT
    vi.[Name]          AS 'Package Server'
   ,pack.[Name]        AS 'Package Name'
   ,ps.[Status]        AS 'Status'
   ,pack.[Package Version] AS [Package Version on NS]
   ,ps.Version         AS [Version Last Reported by PS]
   ,ps.[PackageId]     AS 'Package GUID'
FROM SWDPackageServer ps
JOIN vItem vi
   ON vi.[Guid] = ps.[PkgSvrId]
JOIN SWDPackage pack
   ON pack.[PackageId] = ps.[PackageId]
   AND pack.[_Latest] = 1
WHERE ps.[Status] != 'Ready'
ORDER BY vi.[Name], ps.[Status]`

// Queries are the statements of one read, built for a checked schema.
type Queries struct {
	InQuestion string // the rows in question (see inQuestionQuery)
	Servers    string // package servers with pair counts by status
}

// Build returns the queries for s. The text is the same for every dialect
// and type but for how a version column becomes text (versionText).
func Build(s Schema) Queries {
	return Queries{InQuestion: inQuestionQuery(s), Servers: serversQuery}
}

// versionText returns the SQL that turns version column col into text:
// the column itself when it is text, an explicit conversion otherwise.
// Without it a later COALESCE with the empty string would convert that
// string to the column's type: SQL Server's COALESCE takes the type of
// highest precedence among its arguments, so over an int column it is an
// int that yields 0 for NULL, and over a datetime one 1900-01-01.
// Datetimes are written in ISO 8601 (style 126), which keeps every digit
// of their precision.
func versionText(t ColumnType, col string) string {
	switch t.Class {
	case Integer:
		return "CAST(" + col + " AS NVARCHAR(20))"
	case DateTime:
		return "CONVERT(NVARCHAR(33), " + col + ", 126)"
	}
	return col
}

// inQuestionQuery is the KB query widened to what the desired state needs:
// rows not Ready, rows whose reported version differs from the NS package
// version, and rows that name an unknown package or server (reported as
// malformed, never acted on). GUIDs are converted to text in SQL so that
// both drivers return the same form.
//
// It also yields every row of what the CMDB states two ways, so that the
// reader sees both statements (package observed reports them as conflicts
// and acts on neither): every row of a package with two _Latest rows in
// SWDPackage, joined with each (a row at one version is in question under
// the other, but a row at the first version would not show the second),
// and every row of a server whose name another server with rows also
// bears (case-insensitively).
//
// The query is chosen by the indexes the schema check found. With an
// index like IX_SWDPackageServer_Status (Status, PackageId) holding
// Version (Schema.Indexes.StatusRange) it reads only those rows, never the
// Ready ones, so that a pass costs less than the KB query (which scans
// every row): each branch of q is a range of an index, the primary key
// (PkgSvrId, PackageId) or the status index:
//
//   - rows not Ready: Status below 'Ready', above it, or NULL;
//   - Ready rows of a known package whose Version is below the package's,
//     above it, or NULL (where the package's is not empty);
//   - Ready rows of an unknown package: between two known package ids,
//     before the first, after the last, or any when none is known;
//   - Ready rows of a known package at its version, on an unknown server:
//     between two known servers that have rows, before the first, after the
//     last, or any when none is known (rows of unknown servers that are in
//     question for another reason come from the branches above).
//
// Without that index, as the vendor's schema may ship, every one of those
// ranges but the servers' would scan the whole table (one scan per known
// package: hours on a large CMDB), so the rows not Ready, at another
// version, of an unknown package or of a package with two latest rows come
// from one scan instead (scanBranch), as the KB query reads them; the
// servers' ranges stay on the primary key. The plan never depends on an
// index that is not there.
//
// The branches are disjoint, so each row in question comes once per
// SWDPackage row it joins, as with one LEFT JOIN over the whole table
// (cmdb's tests check the two agree). The versions reach the caller as
// text (versionText); comparisons between them stay on the columns, so
// that the index ranges hold. Written for both dialects: CROSS
// JOIN fixes SQLite's join order (SQL Server reads it as an inner join),
// and the unknown server's Status test sits in a CASE so that SQLite ranges
// over the primary key rather than the Status index. Needs SQL Server 2012
// or later (LEAD).
func inQuestionQuery(s Schema) string {
	pv := func(col string) string { return versionText(s.PackageVersion, col) }
	v := func(col string) string { return versionText(s.Version, col) }
	ready := readyAtVersion(pv("pack.[Package Version]"))
	var q string
	if s.Indexes.StatusRange != nil {
		q = statusBranches(pv) + unknownPackageBranches() + serverBranches(ready) + twiceLatestBranch(ready)
	} else {
		q = scanBranch(pv) + serverBranches(ready)
	}
	return `WITH KnownPackage AS (
    SELECT k.[PackageId] AS Lo
          ,LEAD(k.[PackageId]) OVER (ORDER BY k.[PackageId]) AS Hi
          ,LAG(k.[PackageId]) OVER (ORDER BY k.[PackageId])  AS Prev
    FROM SWDPackage k
    WHERE k.[_Latest] = 1
), KnownServer AS (
    SELECT v.[Guid] AS Lo
          ,LEAD(v.[Guid]) OVER (ORDER BY v.[Guid]) AS Hi
          ,LAG(v.[Guid]) OVER (ORDER BY v.[Guid])  AS Prev
    FROM vItem v
    WHERE EXISTS (SELECT 1 FROM SWDPackageServer s WHERE s.[PkgSvrId] = v.[Guid])
), TwiceLatest AS (
    SELECT d.[PackageId]
    FROM SWDPackage d
    WHERE d.[_Latest] = 1
    GROUP BY d.[PackageId]
    HAVING COUNT(*) > 1
), Named AS (
    SELECT v.[Guid], LOWER(v.[Name]) AS Name
    FROM vItem v
    WHERE EXISTS (SELECT 1 FROM SWDPackageServer s WHERE s.[PkgSvrId] = v.[Guid])
), SharedName AS (
    SELECT n.[Guid]
    FROM Named n
    WHERE n.Name IN (SELECT m.Name FROM Named m GROUP BY m.Name HAVING COUNT(*) > 1)
), q AS (
` + q + sharedNameBranch(ready) + `)
SELECT
    CAST(q.[PkgSvrId] AS NVARCHAR(36))   AS ServerId
   ,COALESCE(vi.[Name], '')              AS ServerName
   ,CAST(q.[PackageId] AS NVARCHAR(64))  AS PackageId
   ,COALESCE(q.[Name], '')               AS PackageName
   ,COALESCE(q.[Status], '')             AS Status
   ,COALESCE(` + v("q.[Version]") + `, '') AS Version
   ,COALESCE(` + pv("q.[Package Version]") + `, '') AS PackageVersion
   ,CASE WHEN q.Known IS NULL THEN 0 ELSE 1 END AS PackageKnown
FROM q
LEFT JOIN vItem vi
   ON vi.[Guid] = q.[PkgSvrId]`
}

// statusBranches read, through the status index, the rows not Ready and
// the Ready rows of a known package at another version.
func statusBranches(pv func(string) string) string {
	return `    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version]
          ,pack.[Name], pack.[Package Version], pack.[PackageId] AS Known
    FROM SWDPackageServer ps
    LEFT JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
    WHERE ps.[Status] < 'Ready'
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM SWDPackageServer ps
    LEFT JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
    WHERE ps.[Status] > 'Ready'
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM SWDPackageServer ps
    LEFT JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
    WHERE ps.[Status] IS NULL
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM SWDPackage pack
    CROSS JOIN SWDPackageServer ps
    WHERE pack.[_Latest] = 1 AND ps.[Status] = 'Ready' AND ps.[PackageId] = pack.[PackageId]
      AND ps.[Version] < pack.[Package Version]
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM SWDPackage pack
    CROSS JOIN SWDPackageServer ps
    WHERE pack.[_Latest] = 1 AND ps.[Status] = 'Ready' AND ps.[PackageId] = pack.[PackageId]
      AND ps.[Version] > pack.[Package Version]
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM SWDPackage pack
    CROSS JOIN SWDPackageServer ps
    WHERE pack.[_Latest] = 1 AND ps.[Status] = 'Ready' AND ps.[PackageId] = pack.[PackageId]
      AND ps.[Version] IS NULL AND ` + pv("pack.[Package Version]") + ` <> ''
    UNION ALL
`
}

// unknownPackageBranches read, through the status index, the Ready rows
// of the packages SWDPackage does not know: the ranges between the known
// ones.
func unknownPackageBranches() string {
	return `    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], NULL, NULL, NULL
    FROM KnownPackage g
    CROSS JOIN SWDPackageServer ps
    WHERE ps.[Status] = 'Ready' AND ps.[PackageId] > g.Lo AND ps.[PackageId] < g.Hi
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], NULL, NULL, NULL
    FROM KnownPackage g
    CROSS JOIN SWDPackageServer ps
    WHERE g.Prev IS NULL AND ps.[Status] = 'Ready' AND ps.[PackageId] < g.Lo
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], NULL, NULL, NULL
    FROM KnownPackage g
    CROSS JOIN SWDPackageServer ps
    WHERE g.Hi IS NULL AND ps.[Status] = 'Ready' AND ps.[PackageId] > g.Lo
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], NULL, NULL, NULL
    FROM (SELECT COUNT(*) AS n FROM KnownPackage) c
    CROSS JOIN SWDPackageServer ps
    WHERE c.n = 0 AND ps.[Status] = 'Ready'
    UNION ALL
`
}

// serverBranches read, through the primary key, the Ready rows at their
// package's version of the servers vItem does not know: the ranges between
// the known ones.
func serverBranches(ready string) string {
	return `    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM KnownServer g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE ps.[PkgSvrId] > g.Lo AND ps.[PkgSvrId] < g.Hi
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND ` + ready + `
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM KnownServer g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE g.Prev IS NULL AND ps.[PkgSvrId] < g.Lo
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND ` + ready + `
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM KnownServer g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE g.Hi IS NULL AND ps.[PkgSvrId] > g.Lo
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND ` + ready + `
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM (SELECT COUNT(*) AS n FROM KnownServer) c
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE c.n = 0
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND ` + ready + `
    UNION ALL
`
}

// twiceLatestBranch reads, through the status index, the Ready rows at
// one version of a package with two latest rows (joined with the other,
// they come from statusBranches).
func twiceLatestBranch(ready string) string {
	return `    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM TwiceLatest d
    CROSS JOIN SWDPackage pack
    CROSS JOIN SWDPackageServer ps
    WHERE pack.[PackageId] = d.[PackageId] AND pack.[_Latest] = 1
      AND ps.[Status] = 'Ready' AND ps.[PackageId] = pack.[PackageId]
      AND EXISTS (SELECT 1 FROM vItem k WHERE k.[Guid] = ps.[PkgSvrId])
      AND ` + ready + `
    UNION ALL
`
}

// sharedNameBranch reads, through the primary key, the Ready rows of the
// servers whose name another server bears.
func sharedNameBranch(ready string) string {
	return `    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM SharedName g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE ps.[PkgSvrId] = g.[Guid]
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND pack.[PackageId] NOT IN (SELECT t.[PackageId] FROM TwiceLatest t)
      AND ` + ready + `
`
}

// scanBranch reads SWDPackageServer once, for a CMDB without the status
// index: every row joined to its latest package row (one lookup each in
// SWDPackage's key) and kept when it names an unknown package, is not
// Ready at that package's version, or is a Ready row at one version of a
// package with two latest rows on a known server. These are the rows of
// statusBranches, unknownPackageBranches and twiceLatestBranch, read with
// the cost of one scan, as the KB query reads them, rather than with one
// scan per range: without the index each range of those branches is a
// scan of the whole table. The twice-latest test costs nothing while no
// package has two latest rows (its first operand is a constant).
func scanBranch(pv func(string) string) string {
	return `    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version]
          ,pack.[Name], pack.[Package Version], pack.[PackageId] AS Known
    FROM SWDPackageServer ps
    LEFT JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
    WHERE pack.[PackageId] IS NULL
       OR ` + notReadyAtVersion(pv("pack.[Package Version]")) + `
       OR ((SELECT COUNT(*) FROM TwiceLatest) > 0
           AND ps.[PackageId] IN (SELECT t.[PackageId] FROM TwiceLatest t)
           AND EXISTS (SELECT 1 FROM vItem k WHERE k.[Guid] = ps.[PkgSvrId]))
    UNION ALL
`
}

// readyAtVersion holds for a row Ready at its package's version (as the
// KB query's complement: the Version, NULL read as empty, equal to the package
// version, or that version NULL); packageText is the package version as text.
func readyAtVersion(packageText string) string { return readyCase(packageText) + ` = 1` }

// notReadyAtVersion is readyAtVersion's negation (NULLs included).
func notReadyAtVersion(packageText string) string { return readyCase(packageText) + ` = 0` }

func readyCase(packageText string) string {
	return `CASE WHEN ps.[Status] = 'Ready'
               AND (ps.[Version] = pack.[Package Version] OR pack.[Package Version] IS NULL
                    OR (ps.[Version] IS NULL AND ` + packageText + ` = ''))
          THEN 1 ELSE 0 END`
}

// serversQuery lists package servers with pair counts by status.
const serversQuery = `SELECT
    CAST(ps.[PkgSvrId] AS NVARCHAR(36)) AS ServerId
   ,COALESCE(vi.[Name], '')             AS ServerName
   ,COALESCE(ps.[Status], '')           AS Status
   ,COUNT(*)                            AS Pairs
FROM SWDPackageServer ps
LEFT JOIN vItem vi
   ON vi.[Guid] = ps.[PkgSvrId]
GROUP BY ps.[PkgSvrId], vi.[Name], ps.[Status]`
