package itms

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/policy"
	"github.com/microsoft/go-mssqldb/msdsn"
)

// appName is what SQL Server's sessions list shows for the reconciler.
const appName = "reconciler"

// sqlSetup is the parsed, checked CMDB connection: one configuration for
// reads and one for the leader lock. Both go to the primary: the DSN may
// not ask for read-only intent (an availability group would route the
// reads to a secondary whose rows may lag), and the reader checks at each
// read that it did reach a writable database (cmdb.CheckPrimary).
type sqlSetup struct {
	read, lock msdsn.Config
	notes      []string
	secrets    []string
}

// parseDSN parses the CMDB DSN (URL, ADO or ODBC form, as go-mssqldb
// reads them) and enforces encryption with certificate checks:
//
//   - encrypt absent: forced to encrypt=true with TrustServerCertificate
//     false (go-mssqldb's own default encrypts the login only and trusts
//     any certificate);
//   - encrypt=strict or encrypt=true: kept;
//   - encrypt=disable|false (or optional, no, 0, f) and
//     TrustServerCertificate=true: refused unless allow_insecure, and then
//     listed in the startup notes.
//
// The certificate check in force is listed in the startup notes. It also
// refuses "guid conversion=true" (go-mssqldb would then reorder the bytes
// of every uniqueidentifier it reads, so that a GUID read as that type
// would come out as another GUID; the queries cast GUIDs to text in SQL)
// and
// "ApplicationIntent=ReadOnly" (see sqlSetup).
//
// Errors never hold the password: go-mssqldb's messages are scrubbed of
// anything that looks like one.
func parseDSN(dsn string, c policy.SQLConfig) (sqlSetup, error) {
	cfg, err := msdsn.Parse(dsn)
	if err != nil {
		msg := redact(err.Error(), dsnSecretCandidates(dsn))
		return sqlSetup{}, fmt.Errorf("parse CMDB DSN: %s", msg)
	}
	s := sqlSetup{secrets: secretForms(cfg.Password, cfg.ChangePassword)}
	if cfg.Database == "" {
		return sqlSetup{}, errors.New("CMDB DSN names no database: add database=Symantec_CMDB")
	}
	if cfg.Encoding.GuidConversion {
		return sqlSetup{}, errors.New(`CMDB DSN has "guid conversion=true": go-mssqldb would then reorder the bytes of ` +
			`every uniqueidentifier, which the driver converts itself; remove the setting`)
	}
	if cfg.ReadOnlyIntent {
		return sqlSetup{}, errors.New("CMDB DSN has ApplicationIntent=ReadOnly: an availability group would route the reads " +
			"to a secondary replica, whose rows may lag the primary's, and the reconciler verifies its remedies by reading " +
			"them again; remove it (the reconciler reads only the primary, see docs/itms.md)")
	}
	if s.notes, err = secureTransport(&cfg, c.AllowInsecure); err != nil {
		return sqlSetup{}, errors.New(redact(err.Error(), s.secrets))
	}
	cfg.AppName = appName
	cfg.LogFlags = 0
	if c.ConnectTimeout > 0 {
		cfg.DialTimeout = c.ConnectTimeout
	}
	s.notes = append(s.notes, tlsNote(cfg))
	s.read, s.lock = cfg, cfg
	return s, nil
}

// tlsNote says how the SQL Server's certificate is checked, and what is
// recommended: encrypt=true (or strict on SQL Server 2022 and later) with
// the certificate pinned or chained to a named CA.
func tlsNote(cfg msdsn.Config) string {
	p := cfg.Parameters
	mode := "encrypt=true (TDS 7.4: TLS inside the TDS login)"
	if cfg.Encryption == msdsn.EncryptionStrict {
		mode = "encrypt=strict (TDS 8.0: TLS first; needs SQL Server 2022 or later)"
	}
	tc := cfg.TLSConfig
	switch {
	case cfg.Encryption != msdsn.EncryptionRequired && cfg.Encryption != msdsn.EncryptionStrict:
		return "CMDB TLS: none (see the note above)"
	case tc != nil && tc.InsecureSkipVerify && tc.VerifyPeerCertificate == nil:
		return "CMDB TLS: " + mode + ", server certificate not checked (see the note above)"
	case p[msdsn.ServerCertificate] != "":
		return fmt.Sprintf("CMDB TLS: %s, server certificate pinned to the one in %s", mode, p[msdsn.ServerCertificate])
	case p[msdsn.Certificate] != "":
		return fmt.Sprintf("CMDB TLS: %s, server certificate checked against the CA in %s for host %q", mode, p[msdsn.Certificate], hostInCertificate(&cfg))
	}
	return fmt.Sprintf("CMDB TLS: %s, server certificate checked against the system's trusted CAs for host %q; "+
		"pinning it (serverCertificate=FILE) or naming its CA (certificate=FILE) is recommended (docs/itms.md)", mode, hostInCertificate(&cfg))
}

// secureTransport applies the encryption rules of parseDSN to cfg.
func secureTransport(cfg *msdsn.Config, allowInsecure bool) ([]string, error) {
	p := cfg.Parameters
	enc, encSet := p[msdsn.Encrypt]
	if !encSet {
		trust := false
		if _, ok := p[msdsn.TrustServerCertificate]; ok {
			trust = cfg.TrustServerCertificate // as the DSN says; absent means false here
		}
		tlsCfg, err := msdsn.SetupTLS(p[msdsn.Certificate], p[msdsn.ServerCertificate], trust,
			hostInCertificate(cfg), p[msdsn.TLSMin])
		if err != nil {
			return nil, fmt.Errorf("CMDB DSN: TLS setup: %w", err)
		}
		cfg.Encryption, cfg.TLSConfig, cfg.TrustServerCertificate = msdsn.EncryptionRequired, tlsCfg, trust
	}
	var notes []string
	if cfg.Encryption != msdsn.EncryptionRequired && cfg.Encryption != msdsn.EncryptionStrict {
		if !allowInsecure {
			return nil, fmt.Errorf("CMDB DSN has encrypt=%s: queries and results would cross the network unencrypted; "+
				"use encrypt=strict or encrypt=true, or set allow_insecure = true in the cmdb block to accept it", enc)
		}
		notes = append(notes, fmt.Sprintf("CMDB connection not encrypted (encrypt=%s), accepted by policy (cmdb allow_insecure = true)", enc))
	} else if tc := cfg.TLSConfig; tc == nil || tc.InsecureSkipVerify && tc.VerifyPeerCertificate == nil {
		if !allowInsecure {
			return nil, errors.New("CMDB DSN has TrustServerCertificate=true: the SQL Server certificate would not be checked; " +
				"remove it (or pin the certificate with certificate= or serverCertificate=), or set allow_insecure = true in the cmdb block to accept it")
		}
		notes = append(notes, "CMDB server certificate not verified (TrustServerCertificate=true), accepted by policy (cmdb allow_insecure = true)")
	}
	return notes, nil
}

func hostInCertificate(cfg *msdsn.Config) string {
	if h, ok := cfg.Parameters[msdsn.HostNameInCertificate]; ok {
		return h
	}
	return cfg.Host
}

// secretForms returns the non-empty secrets with their URL-escaped forms,
// so that a scrubber also catches a password as a URL DSN spells it.
func secretForms(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s == "" {
			continue
		}
		out = appendNew(out, s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("u", s).String()[2:])
	}
	return out
}

func appendNew(out []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// dsnSecretCandidates guesses, without a full parser, what in a DSN that
// failed to parse could be a password: the whole DSN, a URL's user info
// and password, and the values of password/pwd keys.
func dsnSecretCandidates(dsn string) []string {
	out := []string{dsn}
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			rest = rest[:i]
		}
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			info := rest[:at]
			out = appendNew(out, info)
			if _, pw, ok := strings.Cut(info, ":"); ok {
				out = appendNew(out, pw)
				if u, err := url.PathUnescape(pw); err == nil {
					out = appendNew(out, u)
				}
			}
		}
	}
	for _, part := range strings.Split(dsn, ";") {
		k, v, ok := strings.Cut(part, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "password", "pwd", "change password":
			if ok {
				v = strings.TrimSpace(v)
				out = appendNew(out, v, strings.Trim(v, `{}"'`))
			}
		}
	}
	return out
}

// redact replaces every occurrence of each secret in s, longest first so
// that no part of a longer secret survives a shorter one's replacement.
func redact(s string, secrets []string) string {
	sorted := slices.Clone(secrets)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, x := range sorted {
		if x != "" {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}
