# update_configuration: ask the agent for a new Client Settings Policy (KB 179719:
# "request a new Client Settings Policy", "Configuration > Update").
# UpdatePolicies(ignoreBlockouts): $P.ignore_blockouts is false, so agent blockout periods are respected.
$client = New-Object -ComObject Altiris.AeXNSClient
[void]$client.UpdatePolicies([bool]$P.ignore_blockouts)
Write-ReconcilerResult @{ ok = $true }
