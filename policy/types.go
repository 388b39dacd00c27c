package policy

import (
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/notify"
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
	// Notify are the receivers of notifications, in file order.
	Notify        []notify.Config
	Notifications Notifications
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
	// HideCredentialFacts observes agents as the real driver can: the
	// applied credential and the policy version are unknown (docs/sim.md).
	HideCredentialFacts bool
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
	RefreshTask       string // scheduled task name; "" finds "NS.Package.Refresh" or "NS.Package Refresh"
	CredentialCommand string // optional PowerShell file (absolute local path) that sets the credential mode
	// DistributionPointUpdate also runs "NS.Package Distribution Point
	// Update Schedule" in run_package_refresh (KBs 180568, 181052); default true.
	DistributionPointUpdate bool
	// RefreshWait bounds the wait for the tasks to end (0: do not wait).
	RefreshWait time.Duration
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
	CAFile             string // absolute path of a PEM file: the CAs that WinRM certificates must chain to ("": the system's)
	Realm              string // Kerberos realm ("": the user's @REALM, else krb5.conf's default_realm)
	Krb5Conf           string // absolute path of krb5.conf (Kerberos only; default /etc/krb5.conf)
	Keytab             string // absolute path of a keytab for the user (Kerberos only; "": the password)
}

// AgentPaths are the agent's folders on a package server (Windows paths).
type AgentPaths struct {
	// PackageDelivery and PackageStatus override the folders the driver
	// discovers on each server; "" discovers them (docs/itms.md).
	PackageDelivery string
	PackageStatus   string
	Logs            string
	ClientPolicies  string
	// GrantRights is what grant_acl gives: "full_control" (KB 179719) or
	// "read_execute" (KB 194234); GrantMaxEntries bounds the tree it
	// propagates through.
	GrantRights     string
	GrantMaxEntries int
	// UpdateWait bounds update_configuration's wait for the new policy
	// (0: do not wait).
	UpdateWait time.Duration
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
	// MaxAttempts bounds the remedy chains applied to one package server
	// without new evidence (the escalation ladder's rungs; 1–10, default 3).
	MaxAttempts int
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

// Audit locates the journal and says how it rotates, how long old
// segments are kept and where its records are forwarded.
type Audit struct {
	Path       string        // absolute
	RotateSize int64         // bytes; 0: never by size
	RotateAge  time.Duration // 0: never by age
	RetainDays int           // 0: keep segments forever (by age)
	RetainSize int64         // bytes of all segments together; 0: no cap
	Syslog     *Syslog       // nil: no forwarding
}

// Syslog forwards every journal record to a collector as RFC 5424.
type Syslog struct {
	Network  string // "udp", "tcp" or "unix" (a datagram socket)
	Address  string // host:port, or an absolute socket path for unix
	Facility int    // 0–23; default 16 (local0)
	Queue    int    // records waiting to be sent; more are dropped and counted
}

// HTTP configures the metrics and health endpoint.
type HTTP struct {
	Listen string // host:port; empty disables
}
