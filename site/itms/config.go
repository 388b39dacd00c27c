package itms

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql/driver"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/policy"
	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"
)

// defaultWinRMTimeout bounds one script run when the policy says nothing.
const defaultWinRMTimeout = 60 * time.Second

// maxCredentialCommand bounds the admin's credential command file.
const maxCredentialCommand = 256 << 10

// openWinRM checks the WinRM settings, reads the user, the password or
// keytab, the CA file and the Kerberos configuration, and returns the
// transport with its startup notes and secrets. It contacts nothing.
func openWinRM(c policy.WinRMConfig, opt Options) (*wsman, []string, []string, error) {
	scheme, notes, err := winrmScheme(c)
	if err != nil {
		return nil, nil, nil, err
	}
	user := strings.TrimSpace(opt.Getenv(c.UserEnv))
	if c.UserEnv == "" || user == "" {
		return nil, nil, nil, fmt.Errorf("WinRM user: environment variable %q is not set", c.UserEnv)
	}
	creds, authNote, secrets, err := winrmAuth(c, opt, user)
	if err != nil {
		return nil, nil, nil, err
	}
	notes = append(notes, authNote)
	roots := opt.rootCAs
	if c.CAFile != "" {
		if roots, err = loadCAFile(opt.ReadFile, c.CAFile); err != nil {
			return nil, nil, nil, err
		}
		notes = append(notes, "WinRM TLS: server certificates must chain to a CA in ca_file "+c.CAFile+" (the system's CAs are not used)")
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultWinRMTimeout
	}
	ws := &wsman{
		http:   httpSettings{insecureSkipVerify: c.HTTPS && c.InsecureSkipVerify, rootCAs: roots, base: opt.transport},
		scheme: scheme, port: c.Port, timeout: timeout,
	}
	ws.setCreds(creds)
	return ws, notes, secrets, nil
}

// winrmScheme checks the transport settings: HTTPS unless plain HTTP is
// allowed twice over, and the port.
func winrmScheme(c policy.WinRMConfig) (string, []string, error) {
	var notes []string
	scheme := "https"
	if !c.HTTPS {
		if !c.AllowHTTP {
			return "", nil, errors.New("https = false needs allow_http = true: WinRM traffic would not be encrypted")
		}
		scheme = "http"
		notes = append(notes, "WinRM over plain HTTP by policy (https = false, allow_http = true): "+
			"scripts and their replies cross the network unencrypted")
	} else if c.InsecureSkipVerify {
		notes = append(notes, "WinRM TLS verification disabled by policy (insecure_skip_verify = true)")
	}
	if c.Port < 1 || c.Port > 65535 {
		return "", nil, fmt.Errorf("port %d out of range", c.Port)
	}
	return scheme, notes, nil
}

// winrmAuth prepares NTLM or Kerberos for user, reading its secret, and
// returns it with the login it makes, its startup note and secrets. It is
// run again before every pass (Site.refreshWinRM) to notice a new secret.
func winrmAuth(c policy.WinRMConfig, opt Options, user string) (winrmCreds, string, []string, error) {
	switch c.Auth {
	case "", "ntlm":
		password, err := readSecret(opt, "WinRM password", c.PasswordEnv, c.PasswordFile)
		if err != nil {
			return winrmCreds{}, "", nil, err
		}
		creds := winrmCreds{auth: ntlmAuth{user: user, password: password}, secret: password,
			login: winrmLogin(c, opt, user, password)}
		return creds, "WinRM auth: NTLM as " + user, secretForms(password), nil
	case "kerberos":
		ks := kerberosSettings{user: user, realm: c.Realm, krb5Conf: c.Krb5Conf, keytab: c.Keytab}
		if ks.krb5Conf == "" {
			ks.krb5Conf = "/etc/krb5.conf"
		}
		if c.Keytab == "" {
			password, err := readSecret(opt, "WinRM password", c.PasswordEnv, c.PasswordFile)
			if err != nil {
				return winrmCreds{}, "", nil, err
			}
			ks.password = password
		}
		a, how, err := newKerberosAuth(ks, opt.ReadFile)
		if err != nil {
			return winrmCreds{}, "", nil, fmt.Errorf("kerberos: %w", err)
		}
		a.login = winrmLogin(c, opt, user, a.secret)
		note := fmt.Sprintf("WinRM auth: Kerberos as %s (%s, krb5.conf %s), SPN HTTP/<host>", a.principal, how, ks.krb5Conf)
		return winrmCreds{auth: a, secret: a.secret, login: a.login}, note, secretForms(ks.password), nil
	}
	return winrmCreds{}, "", nil, fmt.Errorf("unknown auth %q (want ntlm or kerberos)", c.Auth)
}

// loadCAFile reads a PEM file of CA certificates into a pool. Errors name
// the file and the block that is not a certificate.
func loadCAFile(readFile func(string) ([]byte, error), path string) (*x509.CertPool, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := b; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("ca_file %s: PEM block %d is a %q, not a CERTIFICATE", path, n+1, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("ca_file %s: certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(cert)
	}
	if n == 0 {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// readSecret reads a secret from an environment variable or a file,
// trimmed of surrounding white space. Errors name the source, never the
// value.
func readSecret(opt Options, what, env, file string) (string, error) {
	var v string
	switch {
	case env != "":
		v = opt.Getenv(env)
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("%s: environment variable %s is not set", what, env)
		}
	case file != "":
		b, err := opt.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		v = string(b)
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("%s: file %s is empty", what, file)
		}
	default:
		return "", fmt.Errorf("%s: the policy names no environment variable or file", what)
	}
	return strings.TrimSpace(v), nil
}

// readCredentialCommand reads the admin's PowerShell credential command
// and returns it base64-encoded (it travels as a parameter, never as part
// of the driver's script text) with its SHA-256 for the startup notes.
func readCredentialCommand(opt Options, path string) (string, string, error) {
	b, err := opt.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("credential_command: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	switch {
	case len(b) > maxCredentialCommand:
		return "", "", fmt.Errorf("credential_command %s: larger than %d bytes", path, maxCredentialCommand)
	case !utf8.Valid(b):
		return "", "", fmt.Errorf("credential_command %s: not UTF-8 text", path)
	case len(bytes.TrimSpace(b)) == 0:
		return "", "", fmt.Errorf("credential_command %s: empty", path)
	}
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(b), hex.EncodeToString(sum[:]), nil
}

// newConnector returns go-mssqldb's connector for a checked configuration;
// dialer, when not nil, replaces the network (tests: a TDS peer).
func newConnector(cfg msdsn.Config, dialer mssql.Dialer) driver.Connector {
	c := mssql.NewConnectorConfig(cfg)
	c.Dialer = dialer
	return c
}

// connectTimeout bounds each new connection (TCP, TLS and login) by the
// policy's connect_timeout, whatever the query's own deadline.
type connectTimeout struct {
	driver.Connector
	d time.Duration
}

func (c connectTimeout) Connect(ctx context.Context) (driver.Conn, error) {
	if c.d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.d)
		defer cancel()
	}
	return c.Connector.Connect(ctx)
}
