# observe_agent: raw facts from one package server's agent; the reconciler parses and judges them.
# Reads only: client policy files (the credential's user name, never its password), the access
# rules of Package Delivery, the tail of agent.log, the agent's package list, and the head of each
# asked package's snapshot.xml and PackageStatus.xml.

# Client policy files: name, last write time and the credential user name of each.
$policies = New-Object System.Collections.ArrayList
$policyRoot = [string]$P.client_policies
Assert-NoReparse $policyRoot $policyRoot
if (Test-Path -LiteralPath $policyRoot -PathType Container) {
    foreach ($file in @(Get-ChildItem -LiteralPath $policyRoot -Filter '*.xml' -File -Force)) {
        $entry = @{ name = $file.Name; written = $file.LastWriteTimeUtc.ToString('o'); has_credentials = $false; user = ''; refused = '' }
        if ($file.Attributes -band [System.IO.FileAttributes]::ReparsePoint) {
            $entry.refused = 'reparse_point'
        } else {
            $settings = New-Object System.Xml.XmlReaderSettings
            $settings.DtdProcessing = [System.Xml.DtdProcessing]::Prohibit
            $settings.XmlResolver = $null
            $reader = [System.Xml.XmlReader]::Create($file.FullName, $settings)
            try {
                $doc = New-Object System.Xml.XmlDocument
                $doc.XmlResolver = $null
                $doc.Load($reader)
            } finally {
                $reader.Close()
            }
            $node = $doc.SelectSingleNode([string]$P.cred_xpath)
            if ($null -ne $node) {
                $entry.has_credentials = $true
                $entry.user = [string]$node.GetAttribute([string]$P.user_attr)
                if ($entry.user -eq '') {
                    $child = $node.SelectSingleNode([string]$P.user_child_xpath)
                    if ($null -ne $child) { $entry.user = [string]$child.InnerText }
                }
            }
        }
        [void]$policies.Add($entry)
    }
}

# Access rules of Package Delivery, with SIDs translated to names where possible.
$delivery = [string]$P.delivery
Assert-NoReparse $delivery $delivery
$dir = Get-Item -LiteralPath $delivery -Force
if (-not $dir.PSIsContainer) { Stop-Refused 'not_a_folder' ('not a folder: ' + $delivery) }
$rules = New-Object System.Collections.ArrayList
foreach ($r in $dir.GetAccessControl('Access').GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) {
    $name = $r.IdentityReference.Value
    try { $name = $r.IdentityReference.Translate([System.Security.Principal.NTAccount]).Value } catch { }
    [void]$rules.Add(@{ identity = $name; rights = [int]$r.FileSystemRights; type = [string]$r.AccessControlType;
            inheritance = [int]$r.InheritanceFlags; propagation = [int]$r.PropagationFlags })
}

# The tail of agent.log.
$log = Read-File ([string]$P.logs) ([string]$P.log_file) ([int]$P.log_tail_bytes) $true

# The agent's own view of the packages asked for (status codes 0-5).
$wanted = @{}
foreach ($pkg in @($P.packages)) { $wanted[[string]$pkg.id] = $true }
$local = New-Object System.Collections.ArrayList
foreach ($item in (Get-PackageServerAgent).Packages) {
    $id = ''
    try { $id = ([guid][string]$item.Id).ToString() } catch { continue }
    if ($wanted.ContainsKey($id)) { [void]$local.Add(@{ id = $id; status = [int]$item.Status }) }
}

# The head of each asked package's snapshot.xml and PackageStatus.xml.
$files = New-Object System.Collections.ArrayList
foreach ($pkg in @($P.packages)) {
    $snapshot = Read-File $delivery ([string]$pkg.snapshot) ([int]$P.head_bytes) $false
    $status = Read-File ([string]$P.status_root) ([string]$pkg.status) ([int]$P.head_bytes) $false
    [void]$files.Add(@{ id = [string]$pkg.id; snapshot = $snapshot; status = $status })
}

Write-ReconcilerResult @{ ok = $true; policy_files = $policies; acl = $rules; log = $log; local = $local; packages = $files }
