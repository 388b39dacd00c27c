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

// inQuestionQuery is the KB query widened to what the desired state needs:
// rows not Ready, rows whose reported version differs from the NS package
// version, and rows that name an unknown package or server (reported as
// malformed, never acted on). Left joins keep the last kind visible; GUIDs
// are converted to text in SQL so that both drivers return the same form.
const inQuestionQuery = `SELECT
    CAST(ps.[PkgSvrId] AS NVARCHAR(36))   AS ServerId
   ,COALESCE(vi.[Name], '')               AS ServerName
   ,CAST(ps.[PackageId] AS NVARCHAR(64))  AS PackageId
   ,COALESCE(pack.[Name], '')             AS PackageName
   ,COALESCE(ps.[Status], '')             AS Status
   ,COALESCE(ps.[Version], '')            AS Version
   ,COALESCE(pack.[Package Version], '')  AS PackageVersion
   ,CASE WHEN pack.[PackageId] IS NULL THEN 0 ELSE 1 END AS PackageKnown
FROM SWDPackageServer ps
LEFT JOIN vItem vi
   ON vi.[Guid] = ps.[PkgSvrId]
LEFT JOIN SWDPackage pack
   ON pack.[PackageId] = ps.[PackageId]
   AND pack.[_Latest] = 1
WHERE COALESCE(ps.[Status], '') <> 'Ready'
   OR pack.[PackageId] IS NULL
   OR vi.[Guid] IS NULL
   OR COALESCE(ps.[Version], '') <> pack.[Package Version]`

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
