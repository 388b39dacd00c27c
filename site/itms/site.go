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
	"sync/atomic"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
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
	lastNS      atomic.Pointer[vocab.Credential]

	secretsMu sync.Mutex
	secrets   []string
}

var (
	_ observed.CMDB        = (*Site)(nil)
	_ observed.NSSource    = (*Site)(nil)
	_ observed.AgentSource = (*Site)(nil)
	_ actions.Driver       = (*Site)(nil)
)

// Open validates the configuration, reads the secrets it names (the CMDB
// DSN, the WinRM user and password) and the credential command, and
// prepares the CMDB and WinRM clients. It connects to nothing.
func Open(ctx context.Context, cfg policy.ITMSSite, opt Options) (*Site, error) {
	opt = opt.withDefaults()
	if err := checkConfig(cfg); err != nil {
		return nil, fmt.Errorf("site itms: %w", err)
	}
	s := &Site{cfg: cfg, opt: opt, log: opt.Logger.With("component", "site/itms")}
	ws, wsNotes, wsSecrets, err := openWinRM(cfg.WinRM, opt)
	if err != nil {
		return nil, fmt.Errorf("site itms: winrm: %w", err)
	}
	s.ws, s.notes, s.secrets = ws, wsNotes, wsSecrets
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
	return o
}

// checkConfig validates what the driver puts into requests: the NS host,
// every configured folder and the refresh task's name.
func checkConfig(cfg policy.ITMSSite) error {
	if err := checkHost(cfg.NS.Host); err != nil {
		return fmt.Errorf("ns host: %w", err)
	}
	if err := checkTaskName(cfg.NS.RefreshTask); err != nil {
		return fmt.Errorf("ns refresh_task: %w", err)
	}
	folders := []struct{ name, path string }{
		{"ns snapshots_dir", cfg.NS.SnapshotsDir},
		{"agent package_delivery", cfg.Agent.PackageDelivery},
		{"agent package_status", cfg.Agent.PackageStatus},
		{"agent logs", cfg.Agent.Logs},
		{"agent client_policies", cfg.Agent.ClientPolicies},
	}
	for _, f := range folders {
		if err := checkRoot(f.path); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
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
		s.read = sql.OpenDB(connectTimeout{newConnector(setup.read), c.ConnectTimeout})
		s.read.SetMaxOpenConns(4)
	}
	if s.lockd == nil {
		s.lockd = sql.OpenDB(connectTimeout{newConnector(setup.lock), c.ConnectTimeout})
	}
	s.lockd.SetMaxIdleConns(0) // closing the lock's connection must end its session
	s.cmdb = &cmdbSource{reader: &cmdb.Reader{DB: s.read}, timeout: c.QueryTimeout, log: s.log, login: s.cmdbLogin}
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
