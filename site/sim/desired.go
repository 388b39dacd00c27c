package sim

import (
	"context"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// DesiredSample is one point of the desired-state timeline: how many
// things besides the rows are off at At, counting the NS when its setting
// is not the wanted credential and each in-scope server that has not
// applied it or whose Package Delivery ACL lacks its account.
type DesiredSample struct {
	At  time.Time
	Off int
}

// desiredTrack follows the desired-state timeline when Options.Want is
// set. It re-judges only what an action or an event may have changed: the
// NS after set_credential_mode, one server after update_configuration or
// grant_acl, everything after a fault event.
type desiredTrack struct {
	on       bool
	want     vocab.Credential
	off      []bool // per server
	offN     int
	nsOff    bool
	dirty    []int // servers to re-judge
	all, ns  bool  // re-judge every server, the NS
	timeline []DesiredSample
}

func newDesiredTrack(want *vocab.Credential, servers int) desiredTrack {
	if want == nil {
		return desiredTrack{}
	}
	w := *want
	if !w.Mode.NeedsAccount() {
		w.Account = ""
	}
	return desiredTrack{on: true, want: w, off: make([]bool, servers), all: true, ns: true}
}

// touched marks what action a may have changed.
func (d *desiredTrack) touched(s *Site, a actions.Action) {
	if !d.on {
		return
	}
	switch a.Kind {
	case actions.SetCredentialMode:
		d.ns = true
	case actions.UpdateConfiguration, actions.GrantACL:
		if srv, ok := s.w.Cat.Server(a.Target.Server); ok {
			d.dirty = append(d.dirty, srv)
		}
	}
}

// eventDone marks everything for a new judgement (a fault may change any
// server's credential or ACL).
func (d *desiredTrack) eventDone() { d.all, d.ns = true, true }

// sample re-judges what is marked and appends a sample when the count
// changed.
func (d *desiredTrack) sample(s *Site, at time.Time) error {
	if !d.on {
		return nil
	}
	if d.ns {
		ns, err := s.w.Store.NS()
		if err != nil {
			return err
		}
		d.nsOff, d.ns = !ns.Cred.Equal(d.want), false
	}
	if d.all {
		d.dirty, d.all = d.dirty[:0], false
		for srv := range d.off {
			d.dirty = append(d.dirty, srv)
		}
	}
	for _, srv := range d.dirty {
		if err := d.judge(s, srv); err != nil {
			return err
		}
	}
	d.dirty = d.dirty[:0]
	n := d.offN
	if d.nsOff {
		n++
	}
	if k := len(d.timeline); k == 0 || d.timeline[k-1].Off != n {
		d.timeline = append(d.timeline, DesiredSample{At: at, Off: n})
	}
	return nil
}

// judge re-judges one server: in scope and not holding the wanted
// credential, or lacking its account's Full Control.
func (d *desiredTrack) judge(s *Site, srv int) error {
	off := false
	if s.inScope[srv] {
		a, err := s.w.Store.Agent(srv)
		if err != nil {
			return err
		}
		off = !a.Applied.Equal(d.want) || d.want.Mode.NeedsAccount() && !world.HasPrincipal(a.FullControl, d.want.Account)
	}
	if off != d.off[srv] {
		d.off[srv] = off
		if off {
			d.offN++
		} else {
			d.offN--
		}
	}
	return nil
}

// DesiredTimeline returns the desired-state timeline (see DesiredSample):
// a first sample when the site was created, then one whenever the count
// changed. It is empty unless Options.Want was set.
func (s *Site) DesiredTimeline() []DesiredSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.doLocked(context.Background(), func(time.Time) error { return nil })
	return slices.Clone(s.desired.timeline)
}
