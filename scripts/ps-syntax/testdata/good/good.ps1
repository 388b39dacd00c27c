# reconciler-like script
$P = @{ a = 1; b = "two" }
function Write-R([hashtable]$R) { [Console]::Out.Write(($R | ConvertTo-Json -Compress)) }
try { Write-R $P } catch { exit 1 }
