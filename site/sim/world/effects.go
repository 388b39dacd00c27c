package world

import (
	"github.com/itms-tools/reconciler/vocab"
)

// SetCredential is set_credential_mode: the NS setting changes and the
// policy version grows by one.
func (w *World) SetCredential(mode vocab.Mode, account string) error {
	c := vocab.Credential{Mode: mode, Account: account}
	if !mode.NeedsAccount() {
		c.Account = ""
	}
	if err := c.Validate(); err != nil {
		return err
	}
	ns, err := w.Store.NS()
	if err != nil {
		return err
	}
	return w.Store.PutNS(NSSetting{Cred: c, Version: ns.Version + 1})
}

// Refresh is run_package_refresh: every absent NS snapshot gets the
// package version.
func (w *World) Refresh() error {
	for p, info := range w.Cat.Packages {
		f, err := w.Store.NSSnapshot(p)
		if err != nil {
			return err
		}
		if !f.Present {
			if err := w.Store.PutNSSnapshot(p, FileVer{Present: true, Version: info.Version}); err != nil {
				return err
			}
		}
	}
	return nil
}

// UpdateConfiguration is update_configuration: the PS takes the policy,
// applies the NS credential unless stuck (a stuck PS only lets go for
// anonymous), and fetches the NS snapshot of every package it lacks one
// for.
func (w *World) UpdateConfiguration(srv int) error {
	ns, err := w.Store.NS()
	if err != nil {
		return err
	}
	a, err := w.Store.Agent(srv)
	if err != nil {
		return err
	}
	a = a.Clone()
	a.Received = ns.Version
	switch {
	case !w.Meta.Stuck[srv]:
		a.Applied = ns.Cred
	case ns.Cred.Mode == vocab.Anonymous:
		a.Applied = vocab.Credential{Mode: vocab.Anonymous}
		delete(w.Meta.Stuck, srv)
	}
	if err := w.Store.PutAgent(srv, a); err != nil {
		return err
	}
	absent, err := w.Store.AbsentSnapshots(srv)
	if err != nil {
		return err
	}
	for _, p := range absent {
		f, err := w.Store.NSSnapshot(p)
		if err != nil {
			return err
		}
		if f.Present {
			if err := w.Store.PutSnapshot(srv, p, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// GrantACL is grant_acl: the account gets Full Control.
func (w *World) GrantACL(srv int, account string) error {
	if err := vocab.ValidAccount(account); err != nil {
		return err
	}
	a, err := w.Store.Agent(srv)
	if err != nil {
		return err
	}
	if HasPrincipal(a.FullControl, account) {
		return nil
	}
	a = a.Clone()
	a.FullControl = append(a.FullControl, account)
	return w.Store.PutAgent(srv, a)
}

// DeleteNSSnapshot is delete_ns_snapshot: the NS snapshot file of package
// p goes.
func (w *World) DeleteNSSnapshot(p int) error { return w.Store.PutNSSnapshot(p, FileVer{}) }

// DeleteSnapshot is delete_ps_snapshot: server srv's snapshot.xml of
// package p goes.
func (w *World) DeleteSnapshot(srv, p int) error {
	w.clear(srv, p)
	return w.Store.PutSnapshot(srv, p, FileVer{})
}

// DeleteStatusFile is delete_ps_status: server srv's PackageStatus.xml of
// package p goes.
func (w *World) DeleteStatusFile(srv, p int) error {
	return w.Store.PutStatusFile(srv, p, StatusFile{})
}
