# delete_ns_snapshot: delete <snapshots_dir>\{guid}.xml on the NS (KB 179719, procedure 2).
# The signature file {guid}.sig is left alone: the KB deletes the .xml only.
Write-ReconcilerResult (Remove-Files $P)
