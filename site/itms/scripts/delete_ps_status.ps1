# delete_ps_status: delete {guid}\PackageStatus.xml in each Package Status folder found (KB 179719, procedure 2).
Write-ReconcilerResult (Remove-Files $P)
