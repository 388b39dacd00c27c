WITH KnownPackage AS (
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
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version]
          ,pack.[Name], pack.[Package Version], pack.[PackageId] AS Known
    FROM SWDPackageServer ps
    LEFT JOIN SWDPackage pack ON pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
    WHERE pack.[PackageId] IS NULL
       OR CASE WHEN ps.[Status] = 'Ready'
               AND (ps.[Version] = pack.[Package Version] OR pack.[Package Version] IS NULL
                    OR (ps.[Version] IS NULL AND pack.[Package Version] = ''))
          THEN 1 ELSE 0 END = 0
       OR ((SELECT COUNT(*) FROM TwiceLatest) > 0
           AND ps.[PackageId] IN (SELECT t.[PackageId] FROM TwiceLatest t)
           AND EXISTS (SELECT 1 FROM vItem k WHERE k.[Guid] = ps.[PkgSvrId]))
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM KnownServer g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE ps.[PkgSvrId] > g.Lo AND ps.[PkgSvrId] < g.Hi
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND CASE WHEN ps.[Status] = 'Ready'
               AND (ps.[Version] = pack.[Package Version] OR pack.[Package Version] IS NULL
                    OR (ps.[Version] IS NULL AND pack.[Package Version] = ''))
          THEN 1 ELSE 0 END = 1
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM KnownServer g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE g.Prev IS NULL AND ps.[PkgSvrId] < g.Lo
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND CASE WHEN ps.[Status] = 'Ready'
               AND (ps.[Version] = pack.[Package Version] OR pack.[Package Version] IS NULL
                    OR (ps.[Version] IS NULL AND pack.[Package Version] = ''))
          THEN 1 ELSE 0 END = 1
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM KnownServer g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE g.Hi IS NULL AND ps.[PkgSvrId] > g.Lo
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND CASE WHEN ps.[Status] = 'Ready'
               AND (ps.[Version] = pack.[Package Version] OR pack.[Package Version] IS NULL
                    OR (ps.[Version] IS NULL AND pack.[Package Version] = ''))
          THEN 1 ELSE 0 END = 1
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM (SELECT COUNT(*) AS n FROM KnownServer) c
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE c.n = 0
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND CASE WHEN ps.[Status] = 'Ready'
               AND (ps.[Version] = pack.[Package Version] OR pack.[Package Version] IS NULL
                    OR (ps.[Version] IS NULL AND pack.[Package Version] = ''))
          THEN 1 ELSE 0 END = 1
    UNION ALL
    SELECT ps.[PkgSvrId], ps.[PackageId], ps.[Status], ps.[Version], pack.[Name], pack.[Package Version], pack.[PackageId]
    FROM SharedName g
    CROSS JOIN SWDPackageServer ps
    CROSS JOIN SWDPackage pack
    WHERE ps.[PkgSvrId] = g.[Guid]
      AND pack.[PackageId] = ps.[PackageId] AND pack.[_Latest] = 1
      AND pack.[PackageId] NOT IN (SELECT t.[PackageId] FROM TwiceLatest t)
      AND CASE WHEN ps.[Status] = 'Ready'
               AND (ps.[Version] = pack.[Package Version] OR pack.[Package Version] IS NULL
                    OR (ps.[Version] IS NULL AND pack.[Package Version] = ''))
          THEN 1 ELSE 0 END = 1
)
SELECT
    CAST(q.[PkgSvrId] AS NVARCHAR(36))   AS ServerId
   ,COALESCE(vi.[Name], '')              AS ServerName
   ,CAST(q.[PackageId] AS NVARCHAR(64))  AS PackageId
   ,COALESCE(q.[Name], '')               AS PackageName
   ,COALESCE(q.[Status], '')             AS Status
   ,COALESCE(q.[Version], '') AS Version
   ,COALESCE(q.[Package Version], '') AS PackageVersion
   ,CASE WHEN q.Known IS NULL THEN 0 ELSE 1 END AS PackageKnown
FROM q
LEFT JOIN vItem vi
   ON vi.[Guid] = q.[PkgSvrId]
