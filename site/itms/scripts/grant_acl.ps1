# grant_acl: give the account the rights asked (FullControl as KB 179719 asks, or ReadAndExecute as
# KB 194234 describes) on each Package Delivery folder found, inherited by its subfolders and files.
# Only the folder's own access rules are written; Windows propagates the inherited rule through the
# tree within this call, so a tree larger than max_entries is refused before anything is changed.
$roots = [string[]]@($P.roots)
try {
    $sid = (New-Object System.Security.Principal.NTAccount ([string]$P.account)).Translate([System.Security.Principal.SecurityIdentifier])
} catch {
    Stop-Refused 'account_unknown' ('account not found: ' + [string]$P.account)
}
$counts = New-Object System.Collections.ArrayList
foreach ($root in $roots) {
    Assert-NoReparse $root $root
    $dir = Get-Item -LiteralPath $root -Force
    if (-not $dir.PSIsContainer) { Stop-Refused 'not_a_folder' ('not a folder: ' + $root) }
    $n = Measure-Tree $root ([int]$P.max_entries)
    if ($n -gt [int]$P.max_entries) {
        Stop-Refused 'tree_too_large' ('more than ' + [string]$P.max_entries + ' entries below ' + $root +
            ': grant the account by hand in a maintenance window, or raise agent grant_max_entries')
    }
    [void]$counts.Add($n)
}
$rights = [System.Security.AccessControl.FileSystemRights]([string]$P.rights)
foreach ($root in $roots) {
    $dir = Get-Item -LiteralPath $root -Force
    $acl = $dir.GetAccessControl('Access')
    $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($sid, $rights, 'ContainerInherit, ObjectInherit', 'None', 'Allow')
    $acl.AddAccessRule($rule)
    $dir.SetAccessControl($acl)
}
Write-ReconcilerResult @{ ok = $true; sid = $sid.Value; entries = $counts }
