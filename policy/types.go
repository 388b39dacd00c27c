package policy

import (
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
	"github.com/robfig/cron/v3"
)

// Mode is the global enforcement mode.
type Mode string

// Enforcement modes.
const (
	Enforce Mode = "enforce"
	DryRun  Mode = "dry-run"
)

// Policy is a decoded, validated policy file. Paths in it are absolute
// (relative paths in the file are resolved against the file's folder).
type Policy struct {
	File string // absolute path of the policy file
	Mode Mode
	// DryRunKinds are kinds planned and audited but never applied, even in
	// enforce mode.
	DryRunKinds []actions.Kind
	Site        Site
	Credential  vocab.Credential
	Reconcile   Reconcile
	Limits      []Limit  // sorted by kind
	Windows     []Window // in file order
	Approve     []actions.Kind
	Scope       Scope
	Audit       Audit
	HTTP        HTTP
}

// Site selects and configures the driver. Exactly one of Sim and ITMS is set.
type Site struct {
	Kind string // "sim" or "itms"
	Sim  *SimSite
	ITMS *ITMSSite
}

// SimSite configures the embedded simulated site.
type SimSite struct {
	Dir      string // absolute; created on first use
	Scenario string // a built-in scenario name ("demo", "healthy") or an absolute path to a JSON file
	Seed     int64
}

// ITMSSite configures the real ITMS driver (see site/itms).
type ITMSSite struct {
	CMDB  SQLConfig
	NS    NSConfig
	WinRM WinRMConfig
	Agent AgentPaths
}

// SQLConfig says where the CMDB's DSN comes from; the DSN itself is a
// secret and is never stored here.
type SQLConfig struct {
	DSNEnv         string // name of an environment variable holding the DSN
	DSNFile        string // absolute path of a file holding the DSN
	AllowInsecure  bool   // explicit switch for encrypt=disable / trust server certificate
	ConnectTimeout time.Duration
	QueryTimeout   time.Duration
}

// NSConfig locates the Notification Server's files and jobs.
type NSConfig struct {
	Host              vocab.Host
	SnapshotsDir      string // Windows path on the NS
	RefreshTask       string // scheduled task name, default "NS.Package.Refresh"
	CredentialCommand string // optional PowerShell file (absolute local path) that sets the credential mode
}

// WinRMConfig configures the WinRM transport to the NS and package servers.
type WinRMConfig struct {
	Port               int    // default 5986
	HTTPS              bool   // default true
	InsecureSkipVerify bool   // explicit switch
	AllowHTTP          bool   // explicit switch for plain HTTP
	Auth               string // "ntlm" or "kerberos"
	UserEnv            string
	PasswordEnv        string
	PasswordFile       string
	Timeout            time.Duration
}

// AgentPaths are the agent's folders on a package server (Windows paths).
type AgentPaths struct {
	PackageDelivery string
	PackageStatus   string
	Logs            string
	ClientPolicies  string
}

// Reconcile tunes the loop.
type Reconcile struct {
	Schedule          string        // cron spec as written
	Cron              cron.Schedule // parsed in Location
	Location          *time.Location
	PendingGrace      time.Duration
	Concurrency       int
	PassTimeout       time.Duration
	CallTimeout       time.Duration
	MaxServersPerPass int // 0: no cap
	VerifyAfter       time.Duration
	BackoffBase       time.Duration
	BackoffCap        time.Duration
	BreakerHealthyFor time.Duration // 0: only a manual reset closes the breaker
	ApprovalTTL       time.Duration
	// SweepEvery is how often a pass observes every package server in
	// scope, not only those with rows in question (and after every
	// credential change, every pass does until each has taken it).
	SweepEvery time.Duration
}

// Limit caps one kind: at most Max actions in any rolling window of Per.
type Limit struct {
	Kind actions.Kind
	Max  int
	Per  time.Duration
}

// Window is a maintenance window: active from each Schedule start for
// Duration, in Location. Exactly one of Allow and Deny is non-empty.
type Window struct {
	Name     string
	Schedule string
	Cron     cron.Schedule
	Duration time.Duration
	Location *time.Location
	Allow    []actions.Kind
	Deny     []actions.Kind
}

// Scope selects package servers by host-name glob (path.Match syntax,
// case-insensitive). Empty Include means every server.
type Scope struct {
	Include []string
	Exclude []string
}

// Audit locates the journal.
type Audit struct {
	Path string // absolute
}

// HTTP configures the metrics and health endpoint.
type HTTP struct {
	Listen string // host:port; empty disables
}
