# set_credential_mode: change the Package Service security setting through the admin's
# credential command (no documented single call exists; see docs/itms.md).
[void](Invoke-CredentialCommand 'set' ([string]$P.mode) ([string]$P.account))
Write-ReconcilerResult @{ ok = $true }
