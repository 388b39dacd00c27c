# locate_agent: where this package server's agent keeps its files. Reads only: the agent's install
# folder from the registry, and the values of the windowsLocation elements (the custom primary
# package location the NS sends, KB 150359) in the client policy files. The reconciler checks every
# value and builds the candidate folders itself.
$install = ''
$key = [string]$P.registry_key
if (Test-Path -LiteralPath $key) {
    $props = Get-ItemProperty -LiteralPath $key
    $name = [string]$P.install_value
    if ($null -ne $props.PSObject.Properties[$name]) { $install = [string]$props.PSObject.Properties[$name].Value }
}

$values = New-Object System.Collections.ArrayList
$policyRoot = [string]$P.client_policies
Assert-NoReparse $policyRoot $policyRoot
if (Test-Path -LiteralPath $policyRoot -PathType Container) {
    foreach ($file in @(Get-ChildItem -LiteralPath $policyRoot -Filter '*.xml' -File -Force)) {
        if ($file.Attributes -band [System.IO.FileAttributes]::ReparsePoint) { continue }
        if ($file.Length -gt [long]$P.max_policy_bytes) { continue }
        $doc = Read-XmlFile $file.FullName
        foreach ($node in @($doc.SelectNodes([string]$P.location_xpath))) {
            foreach ($a in @($node.Attributes)) { [void]$values.Add([string]$a.Value) }
            if ($node.InnerText -ne '') { [void]$values.Add([string]$node.InnerText) }
        }
        if ($values.Count -ge [int]$P.max_values) { break }
    }
}
$kept = @($values | Where-Object { $_.Length -le 260 } | Select-Object -First ([int]$P.max_values))
Write-ReconcilerResult @{ ok = $true; install_dir = $install; locations = $kept }
