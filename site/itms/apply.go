package itms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/vocab"
)

// ignoreBlockouts is UpdatePolicies' argument: false respects the agent's
// blockout periods, as the admin configured them in ITMS. The reconciler's
// own windows (policy window blocks) decide when it acts.
const ignoreBlockouts = false

// deleteParams name the files to delete: one per candidate folder, each
// built from its folder and a validated GUID. Roots are every folder of
// that kind the driver found: a junction the agent left while relocating
// packages (KB 150359) is followed only into one of them.
type deleteParams struct {
	Roots   []string     `json:"roots"`
	Targets []fileTarget `json:"targets"`
}

type fileTarget struct {
	Root string `json:"root"`
	Path string `json:"path"`
}

type deleteReply struct {
	OK      bool `json:"ok"`
	Deleted bool `json:"deleted"`
}

// grantParams: the account gets Rights on each Package Delivery folder,
// inherited below (no walk of ours); a folder whose tree holds more than
// MaxEntries entries is refused, since Windows propagates the rule through
// the whole tree within the call (docs/itms.md, grant_acl).
type grantParams struct {
	Roots      []string `json:"roots"`
	Account    string   `json:"account"`
	Rights     string   `json:"rights"`
	MaxEntries int      `json:"max_entries"`
}

type grantReply struct {
	OK      bool   `json:"ok"`
	SID     string `json:"sid"`
	Entries []int  `json:"entries"`
}

// updateParams: UpdatePolicies(ignoreBlockouts), then wait up to
// WaitSeconds for a client policy file written after the call.
type updateParams struct {
	IgnoreBlockouts bool   `json:"ignore_blockouts"`
	ClientPolicies  string `json:"client_policies"`
	WaitSeconds     int    `json:"wait_seconds"`
}

type updateReply struct {
	OK     bool `json:"ok"`
	Waited bool `json:"waited"`
}

// taskParams: start one scheduled task of each group, found by listing,
// in order, and wait for each to end, all within WaitSeconds.
type taskParams struct {
	Groups      []taskGroup `json:"groups"`
	WaitSeconds int         `json:"wait_seconds"`
}

// taskGroup is one task to run: its name is one of Bases, alone or
// followed by ".{GUID}" (KB 180568 shows the GUID suffix).
type taskGroup struct {
	Name  string   `json:"name"`
	Bases []string `json:"bases"`
}

type taskReply struct {
	OK  bool      `json:"ok"`
	Ran []ranTask `json:"ran"`
}

type ranTask struct {
	Group     string `json:"group"`
	TaskName  string `json:"task_name"`
	TaskPath  string `json:"task_path"`
	Completed bool   `json:"completed"`
}

// request is one validated operation, ready to run.
type request struct {
	host   vocab.Host
	op     op
	params any
	reply  any
}

// Apply implements apply.Driver. Every value of the action is checked
// before anything is sent; a refused action never reaches a server, and
// the refusal is terminal (a malformed action will not improve).
func (s *Site) Apply(ctx context.Context, a actions.Action) error {
	req, err := s.requestFor(a)
	if errors.Is(err, errNotLocated) {
		return fmt.Errorf("%s %s: %w", a.Kind, a.Target, err)
	}
	if err != nil {
		return failure.MarkTerminal(fmt.Errorf("%s %s refused: %w", a.Kind, vocab.Clip(a.Target.String()), err))
	}
	s.log.Info("apply", "kind", a.Kind, "server", req.host, "target", a.Target.String())
	if err := s.call(ctx, req.host, req.op, req.params, req.reply); err != nil {
		return s.scrub(fmt.Errorf("%s %s: %w", a.Kind, a.Target, err))
	}
	s.logReply(a, req.reply)
	return nil
}

// logReply logs what a script reports beyond success.
func (s *Site) logReply(a actions.Action, reply any) {
	switch r := reply.(type) {
	case *deleteReply:
		if !r.Deleted {
			s.log.Info("file already absent", "kind", a.Kind, "target", a.Target.String())
		}
	case *grantReply:
		s.log.Info("access rule added", "target", a.Target.String(), "sid", vocab.Clip(r.SID), "entries", r.Entries)
	case *updateReply:
		if !r.Waited {
			s.log.Info("update_configuration did not wait for the new policy (agent update_wait = 0)", "target", a.Target.String())
		}
	case *taskReply:
		for _, t := range r.Ran {
			s.log.Info("scheduled task ran", "group", vocab.Clip(t.Group), "task", vocab.Clip(t.TaskPath+t.TaskName), "completed", t.Completed)
		}
	}
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
		p := deleteParams{Roots: []string{root}, Targets: []fileTarget{{Root: root, Path: nsSnapshotPath(root, t.Package)}}}
		return s.nsRequest(opDeleteNSSnapshot, p, &deleteReply{})
	case actions.RunPackageRefresh:
		if !t.IsNS() || t.Package != "" {
			return request{}, errors.New("run_package_refresh targets the NS only")
		}
		return s.nsRequest(opRunPackageRefresh, s.refreshParams(), &taskReply{})
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
		p := updateParams{IgnoreBlockouts: ignoreBlockouts, ClientPolicies: ag.ClientPolicies, WaitSeconds: seconds(ag.UpdateWait)}
		return request{host, opUpdateConfiguration, p, &updateReply{}}, nil
	case actions.ResendStatus:
		return request{host, opResendStatus, struct{}{}, &okReply{}}, nil
	}
	if a.Kind == actions.GrantACL {
		if err := checkAccount(a.Account); err != nil {
			return request{}, err
		}
	}
	found, err := s.existing(host)
	if err != nil {
		return request{}, err
	}
	switch a.Kind {
	case actions.GrantACL:
		p := grantParams{Roots: found.delivery, Account: a.Account, Rights: grantRightsNames[ag.GrantRights], MaxEntries: ag.GrantMaxEntries}
		return request{host, opGrantACL, p, &grantReply{}}, nil
	case actions.DeletePSSnapshot:
		p := deleteParams{Roots: found.delivery}
		for _, root := range found.delivery {
			p.Targets = append(p.Targets, fileTarget{Root: root, Path: psSnapshotPath(root, a.Target.Package)})
		}
		return request{host, opDeletePSSnapshot, p, &deleteReply{}}, nil
	}
	if len(found.status) == 0 {
		return request{}, errors.New("no Package Status folder was found on the server")
	}
	p := deleteParams{Roots: found.status}
	for _, root := range found.status {
		p.Targets = append(p.Targets, fileTarget{Root: root, Path: psStatusPath(root, a.Target.Package)})
	}
	return request{host, opDeletePSStatus, p, &deleteReply{}}, nil
}

// The values of agent grant_rights, and the FileSystemRights names the
// grant_acl script gives.
const (
	grantFullControl = "full_control"
	grantReadExecute = "read_execute"
)

var grantRightsNames = map[string]string{grantFullControl: "FullControl", grantReadExecute: "ReadAndExecute", "": "FullControl"}

// The refresh tasks: KB 179719 writes NS.Package.Refresh, KBs 176985,
// 422201 and 181052 "NS.Package Refresh"; KBs 180568 and 181052 pair it
// with NS.Package Distribution Point Update Schedule, which builds the
// snapshots (KB 180568).
var (
	refreshTaskNames          = []string{"NS.Package.Refresh", "NS.Package Refresh"}
	distributionPointTaskName = "NS.Package Distribution Point Update Schedule"
)

// refreshParams lists the tasks run_package_refresh runs, in order.
func (s *Site) refreshParams() taskParams {
	ns := s.cfg.NS
	bases := refreshTaskNames
	if ns.RefreshTask != "" {
		bases = []string{ns.RefreshTask}
	}
	p := taskParams{Groups: []taskGroup{{Name: "refresh", Bases: bases}}, WaitSeconds: seconds(ns.RefreshWait)}
	if ns.DistributionPointUpdate {
		p.Groups = append(p.Groups, taskGroup{Name: "distribution_point_update", Bases: []string{distributionPointTaskName}})
	}
	return p
}

// seconds rounds a wait down to whole seconds.
func seconds(d time.Duration) int { return int(d / time.Second) }

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
