package policy

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/itms-tools/reconciler/vocab"
)

// Site kinds, the labels of the site block.
const (
	SiteSim  = "sim"
	SiteITMS = "itms"
)

// site decodes the one site block and the driver configuration it selects.
func (d *decoder) site(blocks hcl.Blocks, missing hcl.Range) Site {
	b := d.single(blocks, "site", true, missing,
		`site "sim" { dir = "demo-site" } for the simulated site, or site "itms" { ... } for a real Notification Server`)
	if b == nil {
		return Site{}
	}
	switch b.Labels[0] {
	case SiteSim:
		return Site{Kind: SiteSim, Sim: d.simSite(b)}
	case SiteITMS:
		return Site{Kind: SiteITMS, ITMS: d.itmsSite(b)}
	}
	d.fail(b.LabelRanges[0], "Unknown site kind",
		`The site label is "sim" (the simulated site) or "itms" (a real Notification Server); got %q.`, clip(b.Labels[0]))
	return Site{}
}

var simSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "dir"}, {Name: "scenario"}, {Name: "seed"}, {Name: "hide_credential_facts"},
}}

// simSite decodes the simulated site.
func (d *decoder) simSite(b *hcl.Block) *SimSite {
	at := d.content(b.Body, simSchema).Attributes
	s := &SimSite{Scenario: defaultScenario, Seed: defaultSeed}
	if d.require(at, "dir", b, `the folder holding the simulated site, relative to the policy file, e.g. "demo-site"`) {
		d.localPath(at, "dir", &s.Dir)
	}
	var sc string
	if a := attr(d, at, "scenario", &sc); a != nil {
		switch {
		case builtinName(sc):
			s.Scenario = sc
		case strings.HasSuffix(strings.ToLower(sc), ".json") && !strings.ContainsFunc(sc, isControl):
			s.Scenario = d.abs(sc)
		default:
			d.fail(a.Expr.Range(), "Invalid scenario",
				`scenario is a built-in scenario name (letters, digits and '-', e.g. "demo") or the path of a .json scenario file; got %q.`, clip(sc))
		}
	}
	attr(d, at, "seed", &s.Seed)
	attr(d, at, "hide_credential_facts", &s.HideCredentialFacts)
	return s
}

// builtinName reports whether s can name a built-in scenario: letters,
// digits and '-', so that it can never be mistaken for a path.
func builtinName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && c != '-' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

var itmsSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "cmdb"}, {Type: "ns"}, {Type: "winrm"}, {Type: "agent"},
}}

// itmsSite decodes the real site: CMDB access, the NS, WinRM and agent paths.
func (d *decoder) itmsSite(b *hcl.Block) *ITMSSite {
	c := d.content(b.Body, itmsSchema)
	return &ITMSSite{
		CMDB: d.cmdb(d.single(c.Blocks, "cmdb", true, b.DefRange,
			`cmdb { dsn_env = "RECONCILER_CMDB_DSN" } says where the Symantec_CMDB connection string comes from`)),
		NS: d.ns(d.single(c.Blocks, "ns", true, b.DefRange,
			`ns { host = "ns01.corp.example" } names the Notification Server`)),
		WinRM: d.winrm(d.single(c.Blocks, "winrm", false, b.DefRange, "")),
		Agent: d.agent(d.single(c.Blocks, "agent", false, b.DefRange, "")),
	}
}

var cmdbSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "dsn_env"}, {Name: "dsn_file"}, {Name: "allow_insecure"},
	{Name: "connect_timeout"}, {Name: "query_timeout"},
}}

// cmdb decodes where the DSN comes from; exactly one of dsn_env and dsn_file.
func (d *decoder) cmdb(b *hcl.Block) SQLConfig {
	cfg := SQLConfig{ConnectTimeout: defaultConnectTimeout, QueryTimeout: defaultQueryTimeout}
	if b == nil {
		return cfg
	}
	at := d.content(b.Body, cmdbSchema).Attributes
	d.envName(at, "dsn_env", &cfg.DSNEnv)
	d.localPath(at, "dsn_file", &cfg.DSNFile)
	switch env, file := at["dsn_env"], at["dsn_file"]; {
	case env != nil && file != nil:
		d.fail(later(env, file).NameRange, "Both dsn_env and dsn_file",
			"The DSN comes from one place: an environment variable (dsn_env) or a file (dsn_file); keep one.")
	case env == nil && file == nil:
		d.fail(b.DefRange, "Missing DSN source",
			`cmdb needs one of dsn_env (an environment variable holding the DSN, e.g. "RECONCILER_CMDB_DSN") or dsn_file (a file holding it).`)
	}
	attr(d, at, "allow_insecure", &cfg.AllowInsecure)
	d.duration(at, "connect_timeout", &cfg.ConnectTimeout, false)
	d.duration(at, "query_timeout", &cfg.QueryTimeout, false)
	return cfg
}

// later returns whichever attribute comes later in the file.
func later(a, b *hcl.Attribute) *hcl.Attribute {
	if a.Range.Start.Byte > b.Range.Start.Byte {
		return a
	}
	return b
}

var nsSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "host"}, {Name: "snapshots_dir"}, {Name: "refresh_task"}, {Name: "credential_command"},
	{Name: "distribution_point_update"}, {Name: "refresh_wait"},
}}

// ns decodes the Notification Server's host, folders and task.
func (d *decoder) ns(b *hcl.Block) NSConfig {
	cfg := NSConfig{SnapshotsDir: defaultSnapshotsDir, DistributionPointUpdate: true, RefreshWait: defaultAgentWait}
	if b == nil {
		return cfg
	}
	at := d.content(b.Body, nsSchema).Attributes
	var host string
	if d.require(at, "host", b, `the Notification Server's host name, e.g. "ns01.corp.example"`) {
		if a := attr(d, at, "host", &host); a != nil {
			h, err := vocab.ParseHost(host)
			if err != nil {
				d.fail(a.Expr.Range(), "Invalid host name",
					"host is a DNS host name: letters, digits and '-' in dot-separated labels; %s.", err)
			}
			cfg.Host = h
		}
	}
	d.windowsPath(at, "snapshots_dir", &cfg.SnapshotsDir)
	d.nonEmpty(at, "refresh_task", &cfg.RefreshTask)
	d.localPath(at, "credential_command", &cfg.CredentialCommand)
	attr(d, at, "distribution_point_update", &cfg.DistributionPointUpdate)
	d.duration(at, "refresh_wait", &cfg.RefreshWait, true)
	return cfg
}

var agentSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "package_delivery"}, {Name: "package_status"}, {Name: "logs"}, {Name: "client_policies"},
	{Name: "grant_rights"}, {Name: "grant_max_entries"}, {Name: "update_wait"},
}}

// agent decodes the agent folders on package servers; KB defaults.
func (d *decoder) agent(b *hcl.Block) AgentPaths {
	p := AgentPaths{
		Logs:            defaultAgentLogs,
		ClientPolicies:  defaultClientPolicies,
		GrantRights:     defaultGrantRights,
		GrantMaxEntries: defaultGrantMaxEntries,
		UpdateWait:      defaultAgentWait,
	}
	if b == nil {
		return p
	}
	at := d.content(b.Body, agentSchema).Attributes
	d.windowsPath(at, "package_delivery", &p.PackageDelivery)
	d.windowsPath(at, "package_status", &p.PackageStatus)
	d.windowsPath(at, "logs", &p.Logs)
	d.windowsPath(at, "client_policies", &p.ClientPolicies)
	if a := d.nonEmpty(at, "grant_rights", &p.GrantRights); a != nil && p.GrantRights != "full_control" && p.GrantRights != "read_execute" {
		d.fail(a.Expr.Range(), "Invalid grant_rights",
			`grant_rights is "full_control" (KB 179719, the default) or "read_execute" (KB 194234); got %q.`, clip(p.GrantRights))
	}
	d.intRange(at, "grant_max_entries", &p.GrantMaxEntries, 1, 10_000_000)
	d.duration(at, "update_wait", &p.UpdateWait, true)
	return p
}
