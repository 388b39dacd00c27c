package policy

import (
	"net"
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/vocab"
)

var credentialSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "mode"}, {Name: "account"}}}

// credential decodes the Package Service credential the NS must hold.
func (d *decoder) credential(b *hcl.Block) vocab.Credential {
	var cred vocab.Credential
	if b == nil {
		return cred
	}
	c := d.content(b.Body, credentialSchema)
	if !d.require(c.Attributes, "mode", b, `"anonymous", "appid" or "acc"`) {
		return cred
	}
	var s string
	a := attr(d, c.Attributes, "mode", &s)
	if a == nil {
		return cred
	}
	m, err := vocab.ParseMode(s)
	if err != nil {
		d.fail(a.Expr.Range(), "Invalid credential mode",
			"mode is \"anonymous\", \"appid\" (application credentials) or \"acc\" (Agent Connectivity Credential); got %q.", clip(s))
		return cred
	}
	cred.Mode = m
	if !m.NeedsAccount() {
		return cred
	}
	if !d.require(c.Attributes, "account", b, `credential mode `+s+` runs under an account, e.g. "CORP\\svc-itms-acc"`) {
		return cred
	}
	if a := attr(d, c.Attributes, "account", &cred.Account); a != nil {
		if err := cred.Validate(); err != nil {
			d.fail(a.Expr.Range(), "Invalid account",
				"account is DOMAIN\\user, user@domain or a local user name, without /[]:;|=,+*?<>\" or control characters: %s.", err)
		}
	}
	return cred
}

var limitSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "max"}, {Name: "per"}}}

// limits decodes the limit blocks, one per kind, sorted by kind.
func (d *decoder) limits(blocks hcl.Blocks) []Limit {
	var out []Limit
	seen := map[actions.Kind]*hcl.Block{}
	for _, b := range blocks {
		c := d.content(b.Body, limitSchema)
		l := Limit{}
		k, ok := d.kind(b.Labels[0], b.LabelRanges[0])
		if ok && seen[k] != nil {
			d.fail(b.LabelRanges[0], "Duplicate limit",
				"A kind has at most one limit block; %s is already limited at %s.", k, position(&seen[k].DefRange))
			ok = false
		}
		if ok {
			seen[k] = b
			l.Kind = k
		}
		good := d.require(c.Attributes, "max", b, "the most actions of this kind in any window of per, a whole number >= 1")
		good = d.require(c.Attributes, "per", b, `the length of the rolling window, e.g. "1h"`) && good
		good = d.intRange(c.Attributes, "max", &l.Max, 1, 1<<30) != nil && good
		good = d.duration(c.Attributes, "per", &l.Per, false) != nil && good
		if ok && good {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

var scopeSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "include"}, {Name: "exclude"}}}

// scope decodes the host-name globs; no block means every server.
func (d *decoder) scope(b *hcl.Block) Scope {
	if b == nil {
		return Scope{}
	}
	c := d.content(b.Body, scopeSchema)
	return Scope{Include: d.globs(c.Attributes, "include"), Exclude: d.globs(c.Attributes, "exclude")}
}

var httpSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "listen"}}}

// http decodes the metrics and health endpoint; "" disables it.
func (d *decoder) http(b *hcl.Block) HTTP {
	h := HTTP{Listen: defaultListen}
	if b == nil {
		return h
	}
	c := d.content(b.Body, httpSchema)
	var s string
	a := attr(d, c.Attributes, "listen", &s)
	if a == nil {
		return h
	}
	if s != "" && !validListen(s) {
		d.fail(a.Expr.Range(), "Invalid listen address",
			"listen takes host:port with a port from 1 to 65535, e.g. \"127.0.0.1:9464\" or \"[::1]:9464\", or \"\" to disable; got %q.", clip(s))
		return h
	}
	h.Listen = s
	return h
}

func validListen(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}
