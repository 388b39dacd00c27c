# delete_ps_snapshot: delete <package_delivery>\{guid}\snapshot.xml (KB 179719, procedure 2).
Write-ReconcilerResult (Remove-File ([string]$P.root) ([string]$P.path))
