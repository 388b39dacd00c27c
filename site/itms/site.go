package itms

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
	mssql "github.com/microsoft/go-mssqldb"
)

// Options are the driver's links to its process.
type Options struct {
	Getenv   func(string) string          // os.Getenv in production (nil: os.Getenv)
	ReadFile func(string) ([]byte, error) // os.ReadFile (nil: os.ReadFile)
	Logger   *slog.Logger                 // nil: discard
	// Fingerprint returns a keyed fingerprint of a secret under a label
	// (localkey.Key.Fingerprint), so that the controller recognises a
	// refused password again without keeping it; nil: no fingerprints
	// (a refused login is then matched by its user alone).
	Fingerprint func(label, secret string) string

	// Test hooks at the protocol boundary (unexported: tests only).
	rootCAs   *x509.CertPool    // trust these for WinRM TLS instead of the system pool
	transport http.RoundTripper // replaces the network under the NTLM layer
	sqlRead   *sql.DB           // replace the SQL Server connections
	sqlLock   *sql.DB
	now       func() time.Time // the clock of the locations cache (nil: time.Now)
	sqlDialer mssql.Dialer     // replaces the network under go-mssqldb (a TDS peer)
}

// Site is the driver for a real ITMS 8.x estate.
type Site struct {
	cfg         policy.ITMSSite
	opt         Options
	log         *slog.Logger
	read, lockd *sql.DB
	cmdb        *cmdbSource
	lock        *appLock
	ws          *wsman
	credCommand string // base64 of the admin's credential command; "" when not configured
	notes       []string
	cmdbLogin   failure.Login
	loc         locator

	secretsMu sync.Mutex
	secrets   []string
}

var (
	_ observed.CMDB        = (*Site)(nil)
	_ observed.NSSource    = (*Site)(nil)
	_ observed.AgentSource = (*Site)(nil)
)

// Open validates the configuration, reads the secrets it names (the CMDB
// DSN, the WinRM user and password) and the credential command, and
// prepares the CMDB and WinRM clients. It connects to nothing.
func Open(ctx context.Context, cfg policy.ITMSSite, opt Options) (*Site, error) {
	opt = opt.withDefaults()
	if err := checkConfig(cfg); err != nil {
		return nil, fmt.Errorf("site itms: %w", err)
	}
	waitNotes, err := checkWaits(&cfg)
	if err != nil {
		return nil, fmt.Errorf("site itms: %w", err)
	}
	s := &Site{cfg: cfg, opt: opt, log: opt.Logger.With("component", "site/itms"), loc: locator{now: opt.now}}
	ws, wsNotes, wsSecrets, err := openWinRM(cfg.WinRM, opt)
	if err != nil {
		return nil, fmt.Errorf("site itms: winrm: %w", err)
	}
	s.ws, s.notes, s.secrets = ws, append(append(wsNotes, waitNotes...), guessNotes(cfg)...), wsSecrets
	if err := s.openCMDB(cfg.CMDB, opt); err != nil {
		return nil, fmt.Errorf("site itms: cmdb: %s", redact(err.Error(), s.secrets))
	}
	if err := s.loadCredentialCommand(cfg.NS.CredentialCommand, opt); err != nil {
		s.Close()
		return nil, fmt.Errorf("site itms: ns: %w", err)
	}
	for _, n := range s.notes {
		s.log.Warn("security note", "note", n)
	}
	return s, nil
}

func (o Options) withDefaults() Options {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	return o
}

// checkConfig validates what the driver puts into requests: the NS host,
// every configured folder and the refresh task's name.
func checkConfig(cfg policy.ITMSSite) error {
	if err := checkHost(cfg.NS.Host); err != nil {
		return fmt.Errorf("ns host: %w", err)
	}
	if cfg.NS.RefreshTask != "" {
		if err := checkTaskName(cfg.NS.RefreshTask); err != nil {
			return fmt.Errorf("ns refresh_task: %w", err)
		}
	}
	folders := []struct {
		name, path string
		optional   bool
	}{
		{"ns snapshots_dir", cfg.NS.SnapshotsDir, false},
		{"agent package_delivery", cfg.Agent.PackageDelivery, true},
		{"agent package_status", cfg.Agent.PackageStatus, true},
		{"agent logs", cfg.Agent.Logs, false},
		{"agent client_policies", cfg.Agent.ClientPolicies, false},
	}
	for _, f := range folders {
		if f.optional && f.path == "" {
			continue
		}
		if err := checkRoot(f.path); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// checkWaits checks the grant settings and clamps the scripts' waits to
// one WinRM run less 10s for the reply, with a note when it does.
func checkWaits(cfg *policy.ITMSSite) ([]string, error) {
	if _, ok := grantRightsNames[cfg.Agent.GrantRights]; !ok {
		return nil, fmt.Errorf("agent grant_rights %q: want full_control or read_execute", vocab.Clip(cfg.Agent.GrantRights))
	}
	if cfg.Agent.GrantMaxEntries < 0 {
		return nil, fmt.Errorf("agent grant_max_entries %d: negative", cfg.Agent.GrantMaxEntries)
	}
	run := cfg.WinRM.Timeout
	if run <= 0 {
		run = defaultWinRMTimeout
	}
	limit := max(run-10*time.Second, 0)
	var notes []string
	for _, w := range []struct {
		name string
		d    *time.Duration
	}{{"agent update_wait", &cfg.Agent.UpdateWait}, {"ns refresh_wait", &cfg.NS.RefreshWait}} {
		if *w.d < 0 {
			return nil, fmt.Errorf("%s %s: negative", w.name, *w.d)
		}
		if *w.d > limit {
			notes = append(notes, fmt.Sprintf("%s %s shortened to %s: it must end within one WinRM run (timeout %s) with time for the reply",
				w.name, *w.d, limit, run))
			*w.d = limit
		}
	}
	return notes, nil
}

// guessNotes are the start-up notes that say what the driver relies on
// without a source that confirms it (docs/itms.md, the facts table).
func guessNotes(cfg policy.ITMSSite) []string {
	notes := []string{
		"applied credential and policy version of package servers are not observable on agents 8.7/8.8: reported unknown; " +
			"credential remedies follow KB 179719's evidence (folder ACLs, 1789, agent.log) and never the reset cycle on their own",
		"guess: package folders, snapshot.xml Version and PackageStatus.xml Status attributes, the windowsLocation element " +
			"and ResendPackagesStatus() are unconfirmed by any vendor text (docs/itms.md)",
	}
	if cfg.Agent.PackageDelivery == "" || cfg.Agent.PackageStatus == "" {
		notes = append(notes, "package folders are discovered on each server (InstallDir, windowsLocation, KB defaults); "+
			"set agent package_delivery / package_status to override")
	}
	if cfg.Agent.UpdateWait > 0 {
		notes = append(notes, fmt.Sprintf("guess: update_configuration waits up to %s for a client policy file written after "+
			"UpdatePolicies (agent update_wait)", cfg.Agent.UpdateWait))
	}
	rights := cfg.Agent.GrantRights
	if rights == "" {
		rights = grantFullControl
	}
	notes = append(notes, fmt.Sprintf("grant_acl gives %s on each Package Delivery folder (agent grant_rights; KB 179719 asks "+
		"full_control, KB 194234 needs read), on trees of at most %d entries", rights, cfg.Agent.GrantMaxEntries))
	return notes
}

// openCMDB reads and checks the DSN and opens (without dialling) the read
// and lock connections.
func (s *Site) openCMDB(c policy.SQLConfig, opt Options) error {
	dsn, err := readSecret(opt, "CMDB DSN", c.DSNEnv, c.DSNFile)
	if err != nil {
		return err
	}
	setup, err := parseDSN(dsn, c)
	if err != nil {
		return err
	}
	s.notes = append(s.notes, setup.notes...)
	s.secrets = append(s.secrets, setup.secrets...)
	s.cmdbLogin = cmdbLogin(c, opt, setup.read.User, dsn)
	s.read, s.lockd = opt.sqlRead, opt.sqlLock
	if s.read == nil {
		s.read = sql.OpenDB(connectTimeout{newConnector(setup.read, opt.sqlDialer), c.ConnectTimeout})
		s.read.SetMaxOpenConns(4)
	}
	if s.lockd == nil {
		s.lockd = sql.OpenDB(connectTimeout{newConnector(setup.lock, opt.sqlDialer), c.ConnectTimeout})
	}
	s.lockd.SetMaxIdleConns(0) // closing the lock's connection must end its session
	s.cmdb = &cmdbSource{reader: &cmdb.Reader{DB: s.read, Dialect: cmdb.SQLServer}, timeout: c.QueryTimeout, log: s.log, login: s.cmdbLogin}
	s.lock = &appLock{db: s.lockd, timeout: c.QueryTimeout, login: s.cmdbLogin}
	return nil
}

// loadCredentialCommand reads the admin's credential command, if any.
func (s *Site) loadCredentialCommand(path string, opt Options) error {
	if path == "" {
		s.notes = append(s.notes, "ns credential_command not set: the NS credential setting is neither read nor changed")
		return nil
	}
	enc, sum, err := readCredentialCommand(opt, path)
	if err != nil {
		return err
	}
	s.credCommand = enc
	s.notes = append(s.notes, fmt.Sprintf("ns credential_command %s (sha256 %s) runs on %s with the WinRM account's rights",
		path, sum, s.cfg.NS.Host))
	return nil
}

// Close closes the CMDB connections, releasing the leader lock if held.
func (s *Site) Close() error {
	var errs []error
	if s.lock != nil {
		errs = append(errs, s.lock.Release())
	}
	for _, db := range []*sql.DB{s.read, s.lockd} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// StartupNotes lists the security-relevant settings in force, for the
// controller to log and audit at start. It never holds a secret.
func (s *Site) StartupNotes() []string { return append([]string(nil), s.notes...) }

// Secrets lists the secret values (the DSN's password, the WinRM
// password, and their URL-escaped forms) for the audit journal's scrubber.
func (s *Site) Secrets() []string { return s.secretList() }

// Lock returns the sp_getapplock leader lock.
func (s *Site) Lock() leader.Lock { return s.lock }

// InQuestion implements observed.CMDB.
func (s *Site) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	return s.scrub(s.cmdb.InQuestion(ctx, fn))
}

// Servers implements observed.CMDB.
func (s *Site) Servers(ctx context.Context) ([]observed.RawServer, error) {
	out, err := s.cmdb.Servers(ctx)
	return out, s.scrub(err)
}

// call runs one operation on host and decodes its reply into dst.
func (s *Site) call(ctx context.Context, host vocab.Host, o op, params, dst any) error {
	script, err := buildScript(o, params)
	if err != nil {
		return err
	}
	s.log.Debug("run script", "server", host, "op", o)
	res, err := s.ws.run(ctx, host, commandLine(), stdinFor(script))
	if err != nil {
		return fmt.Errorf("%s on %s: %w", o, host, err)
	}
	if len(bytes.TrimSpace(res.stdout)) == 0 {
		return fmt.Errorf("%s on %s: no reply (exit code %d): %s", o, host, res.exitCode,
			vocab.Clip(oneLine(string(res.stderr))))
	}
	return decodeReply(o, host, res.stdout, dst)
}

// scrub removes secrets from an error's text. Errors are not expected to
// hold any; should one, its chain is dropped (only the scrubbed text, its
// terminal class and the login it says was refused survive).
func (s *Site) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := redact(msg, s.secretList())
	if clean == msg {
		return err
	}
	out := errors.New(clean)
	if l, ok := failure.AuthOf(err); ok {
		return failure.MarkAuth(out, l)
	}
	if c, _ := failure.Classify(err); c == failure.Terminal {
		return failure.MarkTerminal(out)
	}
	return out
}

// CMDBSchema checks and returns the CMDB's schema (reconciler doctor).
func (s *Site) CMDBSchema(ctx context.Context) (cmdb.Schema, error) {
	sch, err := s.cmdb.Schema(ctx)
	return sch, s.scrub(err)
}
