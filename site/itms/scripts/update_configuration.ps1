# update_configuration: ask the agent for a new Client Settings Policy (KB 179719:
# "request a new Client Settings Policy", "Configuration > Update").
# UpdatePolicies(ignoreBlockouts): $P.ignore_blockouts is false, so agent blockout periods are respected.
# The call returns before the policy arrives; the agent rewrites its client policy files when it does
# (itm4n 2025), so the script waits, at most wait_seconds, for one written after the call.
$start = [DateTime]::UtcNow
$client = New-Object -ComObject Altiris.AeXNSClient
[void]$client.UpdatePolicies([bool]$P.ignore_blockouts)
$waited = $false
if ([int]$P.wait_seconds -gt 0) {
    $folder = [string]$P.client_policies
    $deadline = $start.AddSeconds([int]$P.wait_seconds)
    while (-not (Test-PolicyWrittenSince $folder $start)) {
        if ([DateTime]::UtcNow -ge $deadline) {
            Stop-Refused 'wait_timeout' ('no client policy file was written within ' + [string]$P.wait_seconds + 's of UpdatePolicies')
        }
        Start-Sleep -Seconds 2
    }
    $waited = $true
}
Write-ReconcilerResult @{ ok = $true; waited = $waited }
