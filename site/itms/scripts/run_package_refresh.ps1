# run_package_refresh: run the NS's package refresh scheduled tasks (KB 179719, procedure 2), in order:
# NS.Package Refresh (spelled NS.Package.Refresh in KB 179719) and, where the policy keeps it, NS.Package
# Distribution Point Update Schedule, which builds the package snapshots (KBs 180568, 181052). Each task is
# found by listing every scheduled task and matching its name as data: one of the group's names, alone or
# followed by ".{GUID}". Start-ScheduledTask returns at once, so the script waits for each task to end,
# all within wait_seconds.
$all = @(Get-ScheduledTask)
$deadline = [DateTime]::Now.AddSeconds([int]$P.wait_seconds)
$ran = New-Object System.Collections.ArrayList
foreach ($group in @($P.groups)) {
    $bases = [string[]]@($group.bases)
    $found = @($all | Where-Object { Test-TaskName ([string]$_.TaskName) $bases })
    if ($found.Count -eq 0) { Stop-Refused 'task_not_found' ('no scheduled task named ' + ($bases -join ' or ')) }
    if ($found.Count -gt 1) { Stop-Refused 'task_ambiguous' ('several scheduled tasks named ' + ($bases -join ' or ')) }
    $task = $found[0]
    $start = [DateTime]::Now
    Start-ScheduledTask -InputObject $task
    $completed = $false
    if ([int]$P.wait_seconds -gt 0) { $completed = Wait-ReconcilerTask $task $start $deadline }
    [void]$ran.Add(@{ group = [string]$group.name; task_name = [string]$task.TaskName; task_path = [string]$task.TaskPath; completed = $completed })
}
Write-ReconcilerResult @{ ok = $true; ran = $ran }
