# observe_credential: read the Package Service security setting through the admin's credential
# command, verb "observe". Its last output object has mode, account and policy_version.
$out = Invoke-CredentialCommand 'observe' '' ''
if ($out.Count -eq 0) { Stop-Refused 'bad_command_output' 'the credential command wrote no object for verb observe' }
$last = $out[$out.Count - 1]
$version = $last.policy_version
if ($version -is [datetime]) { $version = $version.ToUniversalTime().ToString('o') }
Write-ReconcilerResult @{ ok = $true; mode = [string]$last.mode; account = [string]$last.account; policy_version = [string]$version }
