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

	defaultSnapshotsDir    = `C:\ProgramData\Symantec\SMP\Snapshots`
	defaultRefreshTask     = "NS.Package.Refresh"
	defaultPackageDelivery = `C:\ProgramData\Symantec\Symantec Agent\Package Delivery`
	defaultPackageStatus   = `C:\ProgramData\Symantec\Symantec Agent\Package Server Agent\PackageStatus`
	defaultAgentLogs       = `C:\ProgramData\Symantec\Symantec Agent\Logs`
	defaultClientPolicies  = `C:\Program Files\Altiris\Altiris Agent\Client Policies`

	defaultConnectTimeout = 15 * time.Second
	defaultQueryTimeout   = 60 * time.Second
	defaultWinRMTimeout   = 60 * time.Second
	defaultHTTPSPort      = 5986
	defaultHTTPPort       = 5985
	defaultAuth           = "ntlm"
	defaultUserEnv        = "RECONCILER_WINRM_USER"
	defaultPasswordEnv    = "RECONCILER_WINRM_PASSWORD"
)
