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
    $json = ConvertTo-Json -InputObject $Result -Compress -Depth 6
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

# Read-File reads a file below a configured folder: @{ data = base64 or $null when absent;
# refused = '' or the reason it was not read }.
function Read-File([string]$Root, [string]$Path, [int]$Max, [bool]$Tail) {
    try {
        Assert-UnderRoot $Path $Root
        Assert-NoReparse $Path $Root
        if (-not (Test-Path -LiteralPath $Path)) { return @{ data = $null; refused = '' } }
        if ((Get-Item -LiteralPath $Path -Force).PSIsContainer) { Stop-Refused 'not_a_file' ('a folder, not a file: ' + $Path) }
        return @{ data = (Read-Bytes $Path $Max $Tail); refused = '' }
    } catch {
        if (-not $_.Exception.Data.Contains('reconciler_code')) { throw }
        return @{ data = $null; refused = [string]$_.Exception.Data['reconciler_code'] }
    }
}

# Remove-File deletes one file below a configured folder; an absent file is already deleted.
function Remove-File([string]$Root, [string]$Path) {
    Assert-UnderRoot $Path $Root
    Assert-NoReparse $Path $Root
    if (-not (Test-Path -LiteralPath $Path)) { return @{ ok = $true; deleted = $false } }
    if ((Get-Item -LiteralPath $Path -Force).PSIsContainer) { Stop-Refused 'not_a_file' ('a folder, not a file: ' + $Path) }
    Remove-Item -LiteralPath $Path -Force
    return @{ ok = $true; deleted = $true }
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
