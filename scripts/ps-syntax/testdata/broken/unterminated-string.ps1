$ok = 1
$s = 'abc
Write-Output $s
