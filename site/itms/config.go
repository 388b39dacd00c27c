package itms

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/base64"
	"encoding/hex"
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

// openWinRM checks the WinRM settings, reads the user and password, and
// returns the transport with its startup notes and secrets.
func openWinRM(c policy.WinRMConfig, opt Options) (*wsman, []string, []string, error) {
	var notes []string
	switch c.Auth {
	case "", "ntlm":
	case "kerberos":
		return nil, nil, nil, errors.New(`auth = "kerberos" is not supported yet: masterzen/winrm's Kerberos transport needs a ` +
			`krb5.conf, a realm and an SPN that the policy has no settings for, and it has no context support; use auth = "ntlm" (see README)`)
	default:
		return nil, nil, nil, fmt.Errorf("unknown auth %q (want ntlm)", c.Auth)
	}
	scheme := "https"
	if !c.HTTPS {
		if !c.AllowHTTP {
			return nil, nil, nil, errors.New("https = false needs allow_http = true: WinRM traffic would not be encrypted")
		}
		scheme = "http"
		notes = append(notes, "WinRM over plain HTTP by policy (https = false, allow_http = true): "+
			"scripts and their replies cross the network unencrypted")
	} else if c.InsecureSkipVerify {
		notes = append(notes, "WinRM TLS verification disabled by policy (insecure_skip_verify = true)")
	}
	if c.Port < 1 || c.Port > 65535 {
		return nil, nil, nil, fmt.Errorf("port %d out of range", c.Port)
	}
	user := strings.TrimSpace(opt.Getenv(c.UserEnv))
	if c.UserEnv == "" || user == "" {
		return nil, nil, nil, fmt.Errorf("WinRM user: environment variable %q is not set", c.UserEnv)
	}
	password, err := readSecret(opt, "WinRM password", c.PasswordEnv, c.PasswordFile)
	if err != nil {
		return nil, nil, nil, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultWinRMTimeout
	}
	ws := &wsman{
		http:   httpSettings{insecureSkipVerify: c.HTTPS && c.InsecureSkipVerify, rootCAs: opt.rootCAs, base: opt.transport},
		scheme: scheme, port: c.Port, timeout: timeout,
	}
	ws.setCreds(winrmCreds{user: user, password: password, login: winrmLogin(c, opt, user, password)})
	return ws, notes, secretForms(password), nil
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

// newConnector returns go-mssqldb's connector for a checked configuration.
func newConnector(cfg msdsn.Config) driver.Connector { return mssql.NewConnectorConfig(cfg) }

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
