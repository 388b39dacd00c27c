# observe_ns: the head of each NS snapshot <snapshots_dir>\{guid}.xml asked for; parsed by the reconciler.
$snapshots = New-Object System.Collections.ArrayList
foreach ($pkg in @($P.packages)) {
    $f = Read-File ([string]$P.root) ([string]$pkg.path) ([int]$P.head_bytes) $false
    [void]$snapshots.Add(@{ id = [string]$pkg.id; head = $f.data; refused = $f.refused })
}
Write-ReconcilerResult @{ ok = $true; snapshots = $snapshots }
