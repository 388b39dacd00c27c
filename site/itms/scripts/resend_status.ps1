# resend_status: the package server plug-in resends every package's status to the NS
# (KB 179719: "Resend Package Status").
$agent = Get-PackageServerAgent
[void]$agent.ResendPackagesStatus()
Write-ReconcilerResult @{ ok = $true }
