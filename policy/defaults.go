package policy

import "time"

// Defaults for values the policy may omit. The Windows paths and the task
// name are those of KB 179719.
const (
	defaultSchedule  = "*/5 * * * *"
	defaultAuditFile = "audit.jsonl"
	defaultListen    = "127.0.0.1:9464"
	defaultScenario  = "demo"
	defaultSeed      = 1

	defaultSnapshotsDir = `C:\ProgramData\Symantec\SMP\Snapshots`
	// No refresh_task, package_delivery or package_status: the driver finds
	// the task by listing (both spellings the KBs use) and each server's
	// folders from its agent (docs/itms.md); set them only to override.
	defaultAgentLogs = `C:\ProgramData\Symantec\Symantec Agent\Logs`
	// grant_acl gives KB 179719's Full Control, on trees of at most this
	// many entries (the propagation must end within the WinRM timeout).
	defaultGrantRights     = "full_control"
	defaultGrantMaxEntries = 20000
	// How long update_configuration and run_package_refresh wait for the
	// agent's new policy or the tasks to end before reporting success.
	defaultAgentWait      = 40 * time.Second
	defaultClientPolicies = `C:\Program Files\Altiris\Altiris Agent\Client Policies`

	defaultConnectTimeout = 15 * time.Second
	defaultQueryTimeout   = 60 * time.Second
	defaultWinRMTimeout   = 60 * time.Second
	defaultHTTPSPort      = 5986
	defaultHTTPPort       = 5985
	defaultAuth           = "ntlm"
	defaultUserEnv        = "RECONCILER_WINRM_USER"
	defaultPasswordEnv    = "RECONCILER_WINRM_PASSWORD"
)
