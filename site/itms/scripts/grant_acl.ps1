# grant_acl: give the account Full Control on Package Delivery, inherited by its subfolders and
# files (KB 179719, procedure 1 step 6). Only the folder's access rules are written.
$root = [string]$P.root
Assert-NoReparse $root $root
$dir = Get-Item -LiteralPath $root -Force
if (-not $dir.PSIsContainer) { Stop-Refused 'not_a_folder' ('not a folder: ' + $root) }
try {
    $sid = (New-Object System.Security.Principal.NTAccount ([string]$P.account)).Translate([System.Security.Principal.SecurityIdentifier])
} catch {
    Stop-Refused 'account_unknown' ('account not found: ' + [string]$P.account)
}
$acl = $dir.GetAccessControl('Access')
$rule = New-Object System.Security.AccessControl.FileSystemAccessRule($sid, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow')
$acl.AddAccessRule($rule)
$dir.SetAccessControl($acl)
Write-ReconcilerResult @{ ok = $true; sid = $sid.Value }
