package itms

import (
	"context"
	"errors"
	"fmt"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/vocab"
)

// ignoreBlockouts is UpdatePolicies' argument: false respects the agent's
// blockout periods, as the admin configured them in ITMS. The reconciler's
// own windows (policy window blocks) decide when it acts.
const ignoreBlockouts = false

// fileParams name one file to delete below a configured folder.
type fileParams struct {
	Root string `json:"root"`
	Path string `json:"path"`
}

type deleteReply struct {
	OK      bool `json:"ok"`
	Deleted bool `json:"deleted"`
}

type grantParams struct {
	Root    string `json:"root"`
	Account string `json:"account"`
}

type grantReply struct {
	OK  bool   `json:"ok"`
	SID string `json:"sid"`
}

type updateParams struct {
	IgnoreBlockouts bool `json:"ignore_blockouts"`
}

type taskParams struct {
	Task string `json:"task"`
}

type taskReply struct {
	OK       bool   `json:"ok"`
	TaskPath string `json:"task_path"`
}

// request is one validated operation, ready to run.
type request struct {
	host   vocab.Host
	op     op
	params any
	reply  any
}

// Apply implements actions.Driver. Every value of the action is checked
// before anything is sent; a refused action never reaches a server, and
// the refusal is terminal (a malformed action will not improve).
func (s *Site) Apply(ctx context.Context, a actions.Action) error {
	req, err := s.requestFor(a)
	if err != nil {
		return failure.MarkTerminal(fmt.Errorf("%s %s refused: %w", a.Kind, vocab.Clip(a.Target.String()), err))
	}
	s.log.Info("apply", "kind", a.Kind, "server", req.host, "target", a.Target.String())
	if err := s.call(ctx, req.host, req.op, req.params, req.reply); err != nil {
		return s.scrub(fmt.Errorf("%s %s: %w", a.Kind, a.Target, err))
	}
	if d, ok := req.reply.(*deleteReply); ok && !d.Deleted {
		s.log.Info("file already absent", "kind", a.Kind, "target", a.Target.String())
	}
	return nil
}

// requestFor validates an action and builds its request.
func (s *Site) requestFor(a actions.Action) (request, error) {
	t := a.Target
	switch a.Kind {
	case actions.UpdateConfiguration, actions.ResendStatus, actions.GrantACL:
		if err := psTarget(t, false); err != nil {
			return request{}, err
		}
		return s.serverRequest(a)
	case actions.DeletePSSnapshot, actions.DeletePSStatus:
		if err := psTarget(t, true); err != nil {
			return request{}, err
		}
		return s.serverRequest(a)
	case actions.DeleteNSSnapshot:
		if !t.IsNS() || checkPackage(t.Package) != nil {
			return request{}, errors.New("delete_ns_snapshot targets the NS and one package (a canonical GUID)")
		}
		root := s.cfg.NS.SnapshotsDir
		return s.nsRequest(opDeleteNSSnapshot, fileParams{Root: root, Path: nsSnapshotPath(root, t.Package)}, &deleteReply{})
	case actions.RunPackageRefresh:
		if !t.IsNS() || t.Package != "" {
			return request{}, errors.New("run_package_refresh targets the NS only")
		}
		return s.nsRequest(opRunPackageRefresh, taskParams{Task: s.cfg.NS.RefreshTask}, &taskReply{})
	case actions.SetCredentialMode:
		return s.credentialRequest(a)
	}
	return request{}, fmt.Errorf("unknown action kind %q", vocab.Clip(string(a.Kind)))
}

// psTarget checks a package server target; withPackage says whether the
// kind acts on one package.
func psTarget(t actions.Target, withPackage bool) error {
	if t.IsNS() {
		return errors.New("this kind targets a package server, not the NS")
	}
	if err := checkHost(t.Server); err != nil {
		return err
	}
	if !withPackage {
		if t.Package != "" {
			return errors.New("this kind targets a whole package server, not a package")
		}
		return nil
	}
	return checkPackage(t.Package)
}

func (s *Site) serverRequest(a actions.Action) (request, error) {
	ag, host := s.cfg.Agent, a.Target.Server
	switch a.Kind {
	case actions.UpdateConfiguration:
		return request{host, opUpdateConfiguration, updateParams{IgnoreBlockouts: ignoreBlockouts}, &okReply{}}, nil
	case actions.ResendStatus:
		return request{host, opResendStatus, struct{}{}, &okReply{}}, nil
	case actions.GrantACL:
		if err := checkAccount(a.Account); err != nil {
			return request{}, err
		}
		return request{host, opGrantACL, grantParams{Root: ag.PackageDelivery, Account: a.Account}, &grantReply{}}, nil
	case actions.DeletePSSnapshot:
		p := fileParams{Root: ag.PackageDelivery, Path: psSnapshotPath(ag.PackageDelivery, a.Target.Package)}
		return request{host, opDeletePSSnapshot, p, &deleteReply{}}, nil
	}
	p := fileParams{Root: ag.PackageStatus, Path: psStatusPath(ag.PackageStatus, a.Target.Package)}
	return request{host, opDeletePSStatus, p, &deleteReply{}}, nil
}

func (s *Site) nsRequest(o op, params, reply any) (request, error) {
	if err := checkHost(s.cfg.NS.Host); err != nil {
		return request{}, err
	}
	return request{s.cfg.NS.Host, o, params, reply}, nil
}

// credentialRequest builds set_credential_mode: only through the admin's
// credential command.
func (s *Site) credentialRequest(a actions.Action) (request, error) {
	if !a.Target.IsNS() || a.Target.Package != "" {
		return request{}, errors.New("set_credential_mode targets the NS only")
	}
	mode, err := vocab.ParseMode(string(a.Mode))
	if err != nil {
		return request{}, err
	}
	c := vocab.Credential{Mode: mode, Account: a.Account}
	if err := c.Validate(); err != nil {
		return request{}, err
	}
	if c.Mode.NeedsAccount() {
		if err := checkAccount(c.Account); err != nil {
			return request{}, err
		}
	} else {
		c.Account = ""
	}
	if s.credCommand == "" {
		return request{}, errors.New("set_credential_mode needs site.itms.ns.credential_command (see README)")
	}
	p := credentialParams{Command: s.credCommand, Mode: string(c.Mode), Account: c.Account}
	return s.nsRequest(opSetCredentialMode, p, &okReply{})
}
