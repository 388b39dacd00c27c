package notify

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const smtpPassword = "Zq7-smtp-SENTINEL-pw"

// smtpPeer is a local SMTP server (github.com/emersion/go-smtp) that
// records what it receives, whether it came over TLS, and who logged in.
type smtpPeer struct {
	mu    sync.Mutex
	mails []string
	tls   []bool
	users []string
}

func (p *smtpPeer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{p: p, c: c}, nil
}

type smtpSession struct {
	p    *smtpPeer
	c    *smtp.Conn
	user string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "alerts" || pass != smtpPassword {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *smtpSession) Reset()                               {}
func (s *smtpSession) Logout() error                        { return nil }

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.c.TLSConnectionState()
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.mails = append(s.p.mails, string(b))
	s.p.tls = append(s.p.tls, isTLS)
	s.p.users = append(s.p.users, s.user)
	return nil
}

// startSMTP serves on a loopback port, offering STARTTLS with a test
// certificate when starttls is set. AUTH is offered only after TLS.
func startSMTP(t *testing.T, starttls bool) (*smtpPeer, int, string) {
	t.Helper()
	peer := &smtpPeer{}
	srv := smtp.NewServer(peer)
	srv.Domain = "localhost"
	cert, caFile := testCert(t)
	if starttls {
		srv.TLSConfig = tlsServerConfig(cert)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return peer, ln.Addr().(*net.TCPAddr).Port, caFile
}

func emailConfig(port int, caFile string, mod func(*EmailConfig)) Config {
	c := Defaults("mail", TypeEmail)
	c.CAFile, c.SecretEnv = caFile, "SMTP_PASSWORD"
	c.Email = &EmailConfig{Host: "127.0.0.1", Port: port, From: "reconciler@corp.example",
		To: []string{"itms-admins@corp.example"}, Username: "alerts", TLS: TLSStartTLS}
	if mod != nil {
		mod(c.Email)
	}
	return c
}

// TestEmail sends through a local SMTP peer: STARTTLS and a login by
// default; a peer without STARTTLS is refused unless the policy allows
// plaintext; a bad password and an untrusted certificate are permanent.
func TestEmail(t *testing.T) {
	tests := []struct {
		name      string
		starttls  bool
		trustCA   bool
		password  string
		mod       func(*EmailConfig)
		wantErr   string
		permanent bool
		wantTLS   bool
		wantUser  string
	}{
		{name: "starttls and login", starttls: true, trustCA: true, password: smtpPassword, wantTLS: true, wantUser: "alerts"},
		{name: "no starttls refused", starttls: false, trustCA: true, password: smtpPassword,
			wantErr: "STARTTLS", permanent: true},
		{name: "no starttls allowed by policy", starttls: false, trustCA: true,
			mod:     func(e *EmailConfig) { e.TLS, e.AllowPlaintext, e.Username = TLSOpportunistic, true, "" },
			wantTLS: false},
		{name: "opportunistic takes tls when offered", starttls: true, trustCA: true,
			mod:     func(e *EmailConfig) { e.TLS, e.AllowPlaintext, e.Username = TLSOpportunistic, true, "" },
			wantTLS: true},
		{name: "wrong password", starttls: true, trustCA: true, password: "guess", wantErr: "535", permanent: true},
		{name: "untrusted certificate", starttls: true, trustCA: false, password: smtpPassword,
			wantErr: "certificate", permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer, port, caFile := startSMTP(t, tt.starttls)
			if !tt.trustCA {
				caFile = ""
			}
			c := emailConfig(port, caFile, tt.mod)
			if c.Email.Username == "" {
				c.SecretEnv = ""
			}
			r, err := BuildOne(c, BuildOptions{Getenv: env("SMTP_PASSWORD", tt.password)})
			if err != nil {
				t.Fatal(err)
			}
			err = r.Sender.Send(context.Background(), sampleFiring())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || IsPermanent(err) != tt.permanent {
					t.Fatalf("err = %v (permanent %v): want %q, permanent %v", err, IsPermanent(err), tt.wantErr, tt.permanent)
				}
				if strings.Contains(err.Error(), "SENTINEL") {
					t.Errorf("error %q holds the password", err)
				}
				if len(peer.mails) != 0 {
					t.Errorf("the peer received %d mails", len(peer.mails))
				}
				return
			}
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			peer.mu.Lock()
			defer peer.mu.Unlock()
			if len(peer.mails) != 1 {
				t.Fatalf("peer got %d mails, want 1", len(peer.mails))
			}
			m := peer.mails[0]
			for _, want := range []string{"Subject: [reconciler] CRITICAL: Circuit breaker tripped", "breaker_tripped", "To: <itms-admins@corp.example>"} {
				if !strings.Contains(m, want) {
					t.Errorf("mail lacks %q:\n%s", want, m)
				}
			}
			if peer.tls[0] != tt.wantTLS || peer.users[0] != tt.wantUser {
				t.Errorf("tls %v user %q, want tls %v user %q", peer.tls[0], peer.users[0], tt.wantTLS, tt.wantUser)
			}
		})
	}
}

// TestEmailUnreachable: a refused connection is worth a retry.
func TestEmailUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := emailConfig(port, "", func(e *EmailConfig) { e.Username = "" })
	c.SecretEnv = ""
	r, err := BuildOne(c, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Sender.Send(context.Background(), sampleFiring())
	var op *net.OpError
	if err == nil || IsPermanent(err) || !errors.As(err, &op) {
		t.Errorf("err = %v: want a transient dial error on port %s", err, strconv.Itoa(port))
	}
}
