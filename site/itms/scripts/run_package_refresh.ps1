# run_package_refresh: start the NS's package refresh scheduled task (KB 179719, procedure 2).
# The name has no wildcard characters (checked before sending), so the match is exact.
$name = [string]$P.task
$tasks = @(Get-ScheduledTask -TaskName $name -ErrorAction SilentlyContinue | Where-Object { $_.TaskName -eq $name })
if ($tasks.Count -eq 0) { Stop-Refused 'task_not_found' ('no scheduled task named ' + $name) }
if ($tasks.Count -gt 1) { Stop-Refused 'task_ambiguous' ('several scheduled tasks named ' + $name) }
Start-ScheduledTask -InputObject $tasks[0]
Write-ReconcilerResult @{ ok = $true; task_path = [string]$tasks[0].TaskPath }
