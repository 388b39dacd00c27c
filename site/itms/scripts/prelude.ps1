# prelude.ps1 - shared by every script the reconciler runs (site/itms).
# The caller has set $ReconcilerParameters to base64-encoded JSON; it is
# decoded into $P as data and never evaluated. Every script writes exactly
# one JSON object to stdout: {"ok":true,...} or {"ok":false,"code":...}.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
Set-StrictMode -Version 2

function Write-ReconcilerResult([hashtable]$Result) {
    $json = ConvertTo-Json -InputObject $Result -Compress -Depth 8
    # Escape everything outside printable ASCII: the reply then survives any console code page.
    $json = [regex]::Replace($json, '[^\x20-\x7E]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    [Console]::Out.Write($json)
}

function Stop-Refused([string]$Code, [string]$Message) {
    $e = New-Object System.InvalidOperationException $Message
    $e.Data['reconciler_code'] = $Code
    throw $e
}

function Write-ReconcilerFailure($ErrorRecord) {
    $ex = $ErrorRecord.Exception
    while ($ex -is [System.Management.Automation.MethodInvocationException] -and $null -ne $ex.InnerException) {
        $ex = $ex.InnerException
    }
    $code = 'exception'
    if ($ex.Data.Contains('reconciler_code')) { $code = [string]$ex.Data['reconciler_code'] }
    elseif ($ex -is [System.Runtime.InteropServices.COMException]) { $code = 'com_error' }
    elseif ($ex -is [System.UnauthorizedAccessException]) { $code = 'access_denied' }
    Write-ReconcilerResult @{ ok = $false; code = $code; error = [string]$ex.Message; hresult = ('0x{0:X8}' -f $ex.HResult) }
}

# Assert-UnderRoot refuses a path that is not already normalised or not below the configured folder.
function Assert-UnderRoot([string]$Path, [string]$Root) {
    if ([System.IO.Path]::GetFullPath($Path) -cne $Path -or
        -not $Path.StartsWith($Root + '\', [System.StringComparison]::OrdinalIgnoreCase)) {
        Stop-Refused 'outside_root' ('not a normalised path below the configured folder: ' + $Path)
    }
}

# Assert-NoReparse refuses a path when it, or any folder between it and the configured folder
# (included), is a reparse point: a junction or symbolic link could send a delete elsewhere.
function Assert-NoReparse([string]$Path, [string]$Root) {
    $p = $Path
    while ($true) {
        if (Test-Path -LiteralPath $p) {
            $item = Get-Item -LiteralPath $p -Force
            if ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint) {
                Stop-Refused 'reparse_point' ('reparse point refused: ' + $p)
            }
        }
        if ($p.Length -le $Root.Length) { break }
        $p = [System.IO.Path]::GetDirectoryName($p)
    }
}

# Read-Bytes returns up to $Max bytes of a file (its head, or its tail), base64-encoded.
function Read-Bytes([string]$Path, [int]$Max, [bool]$Tail) {
    $fs = [System.IO.File]::Open($Path, 'Open', 'Read', 'ReadWrite, Delete')
    try {
        $n = [int][Math]::Min([long]$Max, $fs.Length)
        if ($Tail) { [void]$fs.Seek(-$n, 'End') }
        $buf = New-Object byte[] $n
        $read = 0
        while ($read -lt $n) {
            $k = $fs.Read($buf, $read, $n - $read)
            if ($k -le 0) { break }
            $read += $k
        }
        return [Convert]::ToBase64String($buf, 0, $read)
    } finally {
        $fs.Dispose()
    }
}

# Get-LinkTarget returns the absolute, normalised target of a junction or symbolic link.
function Get-LinkTarget($Item) {
    $t = [string](@($Item.Target) | Select-Object -First 1)
    if ($t.StartsWith('\??\')) { $t = $t.Substring(4) }
    if ($t -eq '' -or -not [System.IO.Path]::IsPathRooted($t) -or $t.StartsWith('\\')) {
        Stop-Refused 'reparse_point' ('reparse point without a local absolute target: ' + $Item.FullName)
    }
    return [System.IO.Path]::GetFullPath($t).TrimEnd('\')
}

# Resolve-Real returns where a path below $Root really is. Nothing between it and $Root may be a
# reparse point, except one junction or symbolic link below $Root whose target lies in one of
# $Roots (the folders the reconciler discovered: the agent leaves junctions while it relocates
# packages); the path is then rewritten below that target, where no further reparse point may be.
# A link that leads anywhere else is refused: nothing is read or deleted outside the folders.
function Resolve-Real([string]$Path, [string]$Root, [string[]]$Roots) {
    $p = $Path
    $rest = ''
    while ($true) {
        if (Test-Path -LiteralPath $p) {
            $item = Get-Item -LiteralPath $p -Force
            if ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint) {
                if ($p.Length -le $Root.Length) { Stop-Refused 'reparse_point' ('reparse point refused: ' + $p) }
                $target = Get-LinkTarget $item
                $inside = ''
                foreach ($r in $Roots) {
                    if ($target -ieq $r -or $target.StartsWith($r + '\', [System.StringComparison]::OrdinalIgnoreCase)) { $inside = $r }
                }
                if ($inside -eq '') { Stop-Refused 'reparse_point' ('reparse point leads outside the discovered folders: ' + $p) }
                $real = $target + $rest
                Assert-NoReparse $real $inside
                return $real
            }
        }
        if ($p.Length -le $Root.Length) { break }
        $rest = '\' + [System.IO.Path]::GetFileName($p) + $rest
        $p = [System.IO.Path]::GetDirectoryName($p)
    }
    return $Path
}

# Read-File reads a file below a configured folder: @{ data = base64 or $null when absent;
# refused = '' or the reason it was not read }. $Roots are the folders a junction may lead into.
function Read-File([string]$Root, [string]$Path, [int]$Max, [bool]$Tail, [string[]]$Roots = @()) {
    try {
        Assert-UnderRoot $Path $Root
        $real = Resolve-Real $Path $Root (@($Root) + $Roots)
        if (-not (Test-Path -LiteralPath $real)) { return @{ data = $null; refused = '' } }
        if ((Get-Item -LiteralPath $real -Force).PSIsContainer) { Stop-Refused 'not_a_file' ('a folder, not a file: ' + $Path) }
        return @{ data = (Read-Bytes $real $Max $Tail); refused = '' }
    } catch {
        if (-not $_.Exception.Data.Contains('reconciler_code')) { throw }
        return @{ data = $null; refused = [string]$_.Exception.Data['reconciler_code'] }
    }
}

# Remove-File deletes one file below a configured folder; an absent file is already deleted.
function Remove-File([string]$Root, [string]$Path, [string[]]$Roots = @()) {
    Assert-UnderRoot $Path $Root
    $real = Resolve-Real $Path $Root (@($Root) + $Roots)
    if (-not (Test-Path -LiteralPath $real)) { return @{ ok = $true; deleted = $false } }
    if ((Get-Item -LiteralPath $real -Force).PSIsContainer) { Stop-Refused 'not_a_file' ('a folder, not a file: ' + $Path) }
    Remove-Item -LiteralPath $real -Force
    return @{ ok = $true; deleted = $true }
}

# Remove-Files deletes each target of a delete script's parameters.
function Remove-Files($Params) {
    $deleted = $false
    foreach ($t in @($Params.targets)) {
        $r = Remove-File ([string]$t.root) ([string]$t.path) ([string[]]@($Params.roots))
        if ($r.deleted) { $deleted = $true }
    }
    return @{ ok = $true; deleted = $deleted }
}

# Read-XmlFile loads an XML file with DTDs prohibited and no resolver: nothing is fetched or expanded.
function Read-XmlFile([string]$Path) {
    $settings = New-Object System.Xml.XmlReaderSettings
    $settings.DtdProcessing = [System.Xml.DtdProcessing]::Prohibit
    $settings.XmlResolver = $null
    $reader = [System.Xml.XmlReader]::Create($Path, $settings)
    try {
        $doc = New-Object System.Xml.XmlDocument
        $doc.XmlResolver = $null
        $doc.Load($reader)
        return ,$doc
    } finally {
        $reader.Close()
    }
}

# Get-AccessRules lists a folder's access rules, with SIDs translated to names where possible.
function Get-AccessRules([string]$Folder) {
    $dir = Get-Item -LiteralPath $Folder -Force
    $rules = New-Object System.Collections.ArrayList
    foreach ($r in $dir.GetAccessControl('Access').GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) {
        $name = $r.IdentityReference.Value
        try { $name = $r.IdentityReference.Translate([System.Security.Principal.NTAccount]).Value } catch { }
        [void]$rules.Add(@{ identity = $name; rights = [int]$r.FileSystemRights; type = [string]$r.AccessControlType;
                inheritance = [int]$r.InheritanceFlags; propagation = [int]$r.PropagationFlags })
    }
    return ,$rules
}

# Read-FolderSids reports a package folder below a configured folder: whether it exists, and the
# SIDs its Allow rules grant anything to (KB 179719: only Administrators and SYSTEM when the
# credential was not applied).
function Read-FolderSids([string]$Root, [string]$Path, [string[]]$Roots) {
    try {
        Assert-UnderRoot $Path $Root
        $real = Resolve-Real $Path $Root $Roots
        if (-not (Test-Path -LiteralPath $real -PathType Container)) { return @{ exists = $false; refused = ''; sids = @() } }
        $sids = New-Object System.Collections.ArrayList
        $acl = (Get-Item -LiteralPath $real -Force).GetAccessControl('Access')
        foreach ($r in $acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) {
            if ([string]$r.AccessControlType -eq 'Allow' -and -not $sids.Contains($r.IdentityReference.Value)) { [void]$sids.Add($r.IdentityReference.Value) }
        }
        return @{ exists = $true; refused = ''; sids = $sids }
    } catch {
        if (-not $_.Exception.Data.Contains('reconciler_code')) { throw }
        return @{ exists = $false; refused = [string]$_.Exception.Data['reconciler_code']; sids = @() }
    }
}

# Measure-Tree counts the entries below a folder, without following reparse points, and stops
# counting past $Max.
function Measure-Tree([string]$Root, [int]$Max) {
    $n = 0
    $queue = New-Object System.Collections.Queue
    $queue.Enqueue($Root)
    while ($queue.Count -gt 0) {
        $dir = [string]$queue.Dequeue()
        foreach ($e in [System.IO.Directory]::EnumerateFileSystemEntries($dir)) {
            $n++
            if ($n -gt $Max) { return $n }
            $a = [System.IO.File]::GetAttributes($e)
            if (($a -band [System.IO.FileAttributes]::Directory) -and -not ($a -band [System.IO.FileAttributes]::ReparsePoint)) {
                $queue.Enqueue($e)
            }
        }
    }
    return $n
}

# Test-PolicyWrittenSince reports whether a client policy file was written after $Since (UTC).
function Test-PolicyWrittenSince([string]$Folder, [datetime]$Since) {
    Assert-NoReparse $Folder $Folder
    if (-not (Test-Path -LiteralPath $Folder -PathType Container)) { return $false }
    foreach ($file in @(Get-ChildItem -LiteralPath $Folder -Filter '*.xml' -File -Force)) {
        if ($file.LastWriteTimeUtc -gt $Since) { return $true }
    }
    return $false
}

# Test-TaskName reports whether a scheduled task's name is one of $Bases, alone or followed by
# ".{GUID}". The name is compared as data; no pattern is built from it.
function Test-TaskName([string]$Name, [string[]]$Bases) {
    foreach ($b in $Bases) {
        if ($Name -ieq $b) { return $true }
        if ($Name.Length -gt $b.Length + 1 -and $Name.StartsWith($b + '.', [System.StringComparison]::OrdinalIgnoreCase)) {
            $rest = $Name.Substring($b.Length + 1)
            if ($rest -match '^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$') { return $true }
        }
    }
    return $false
}

# Wait-ReconcilerTask waits until a task started at $Start (local time) has run and is no longer
# running, or until $Deadline. A task that ended with a non-zero result is a failure.
function Wait-ReconcilerTask($Task, [datetime]$Start, [datetime]$Deadline) {
    while ($true) {
        Start-Sleep -Seconds 2
        $info = Get-ScheduledTaskInfo -InputObject $Task
        $state = [string](Get-ScheduledTask -TaskPath $Task.TaskPath -TaskName $Task.TaskName).State
        if ($info.LastRunTime -ge $Start.AddSeconds(-1) -and $state -ne 'Running') {
            if ([int64]$info.LastTaskResult -ne 0) {
                Stop-Refused 'task_failed' ($Task.TaskName + ' ended with result ' + [string]$info.LastTaskResult)
            }
            return $true
        }
        if ([DateTime]::Now -ge $Deadline) { Stop-Refused 'wait_timeout' ($Task.TaskName + ' still running at the wait limit') }
    }
}

function Get-PackageServerAgent {
    $client = New-Object -ComObject Altiris.AeXNSClient
    return $client.ClientPolicyMgr.ClientAgent('Altiris.AeXNSCPkgSvr')
}

# Invoke-CredentialCommand runs the admin's credential command (site.itms.ns.credential_command),
# passed as base64 text in the parameters, with named arguments only.
function Invoke-CredentialCommand([string]$Verb, [string]$Mode, [string]$Account) {
    $text = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([string]$P.command))
    $command = [ScriptBlock]::Create($text)
    return ,@(& $command -Verb $Verb -Mode $Mode -Account $Account)
}
