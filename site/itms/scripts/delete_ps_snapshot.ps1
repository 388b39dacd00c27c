# delete_ps_snapshot: delete {guid}\snapshot.xml in each Package Delivery folder found (KB 179719, procedure 2).
Write-ReconcilerResult (Remove-Files $P)
