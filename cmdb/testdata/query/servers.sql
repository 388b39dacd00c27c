SELECT
    CAST(ps.[PkgSvrId] AS NVARCHAR(36)) AS ServerId
   ,COALESCE(vi.[Name], '')             AS ServerName
   ,COALESCE(ps.[Status], '')           AS Status
   ,COUNT(*)                            AS Pairs
FROM SWDPackageServer ps
LEFT JOIN vItem vi
   ON vi.[Guid] = ps.[PkgSvrId]
GROUP BY ps.[PkgSvrId], vi.[Name], ps.[Status]
