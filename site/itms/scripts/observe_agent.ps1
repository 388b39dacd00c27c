# observe_agent: raw facts from one package server's agent; the reconciler parses and judges them.
# Reads only: whether each candidate folder exists, the access rules of each Package Delivery folder
# and of each asked package's folder in it, the tail of agent.log, the agent's package list, and the
# head of each asked package's snapshot.xml and PackageStatus.xml. The applied credential is not
# read: the agent keeps it in its secure storage.

$deliveryRoots = [string[]]@($P.delivery_roots)
$statusRoots = [string[]]@($P.status_roots)

# Each candidate folder: exists, or why it was not looked at; the access rules of delivery folders.
$roots = New-Object System.Collections.ArrayList
foreach ($root in @($deliveryRoots) + @($statusRoots)) {
    $entry = @{ path = $root; exists = $false; refused = ''; acl = @() }
    try {
        Assert-NoReparse $root $root
        if (Test-Path -LiteralPath $root -PathType Container) {
            $entry.exists = $true
            if ($deliveryRoots -contains $root) { $entry.acl = Get-AccessRules $root }
        }
    } catch {
        if (-not $_.Exception.Data.Contains('reconciler_code')) { throw }
        $entry.refused = [string]$_.Exception.Data['reconciler_code']
    }
    [void]$roots.Add($entry)
}

# The tail of agent.log.
$log = Read-File ([string]$P.logs) ([string]$P.log_file) ([int]$P.log_tail_bytes) $true

# The agent's own view of the packages asked for (status codes 0-5).
$wanted = @{}
foreach ($pkg in @($P.packages)) { $wanted[[string]$pkg.id] = $true }
$local = New-Object System.Collections.ArrayList
if ($wanted.Count -gt 0) {
    foreach ($item in (Get-PackageServerAgent).Packages) {
        $id = ''
        try { $id = ([guid][string]$item.Id).ToString() } catch { continue }
        if ($wanted.ContainsKey($id)) { [void]$local.Add(@{ id = $id; status = [int]$item.Status }) }
    }
}

# Each asked package: its folder (and the SIDs its Allow rules grant), snapshot.xml and
# PackageStatus.xml under every candidate folder, in the order given.
$files = New-Object System.Collections.ArrayList
foreach ($pkg in @($P.packages)) {
    $folders = New-Object System.Collections.ArrayList
    $snapshots = New-Object System.Collections.ArrayList
    $statuses = New-Object System.Collections.ArrayList
    $folderPaths = [string[]]@($pkg.folders)
    $snapshotPaths = [string[]]@($pkg.snapshots)
    for ($i = 0; $i -lt $deliveryRoots.Count; $i++) {
        [void]$folders.Add((Read-FolderSids $deliveryRoots[$i] $folderPaths[$i] $deliveryRoots))
        [void]$snapshots.Add((Read-File $deliveryRoots[$i] $snapshotPaths[$i] ([int]$P.head_bytes) $false $deliveryRoots))
    }
    $statusPaths = [string[]]@($pkg.statuses)
    for ($i = 0; $i -lt $statusRoots.Count; $i++) {
        [void]$statuses.Add((Read-File $statusRoots[$i] $statusPaths[$i] ([int]$P.head_bytes) $false $statusRoots))
    }
    [void]$files.Add(@{ id = [string]$pkg.id; folders = $folders; snapshots = $snapshots; statuses = $statuses })
}

Write-ReconcilerResult @{ ok = $true; roots = $roots; log = $log; local = $local; packages = $files }
