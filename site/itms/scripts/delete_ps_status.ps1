# delete_ps_status: delete <package_status>\{guid}\PackageStatus.xml (KB 179719, procedure 2).
Write-ReconcilerResult (Remove-File ([string]$P.root) ([string]$P.path))
