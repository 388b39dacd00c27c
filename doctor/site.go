package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// Site is what the site checks need of the site's driver (the one the
// policy names, real or simulated).
type Site struct {
	CMDB   observed.CMDB
	NS     observed.NSSource
	Agents observed.AgentSource
	// Schema checks and returns the CMDB's schema; nil when the driver
	// does not show it.
	Schema func(ctx context.Context) (cmdb.Schema, error)
	// InScope is the policy's scope.
	InScope func(vocab.Host) bool
	// Concurrency bounds the agent calls at once; CallTimeout each call.
	Concurrency int
	CallTimeout time.Duration
	// Lock is the site's leader lock (nil: none).
	Lock leader.Lock
}

// maxPassLines is how many servers that answered are listed one by one;
// beyond, they are summed up in one result.
const maxPassLines = 10

// SiteChecks returns the checks of the site, in order: the CMDB read, its
// schema, the NS, the package servers in scope. They share what they
// learn: the server list of the CMDB, and a refused login (after which no
// check tries the same credential again).
func SiteChecks(s Site) []Check {
	st := &siteState{site: s}
	return []Check{
		Func("cmdb", st.checkCMDB),
		Func("cmdb schema", st.checkSchema),
		Func("ns", st.checkNS),
		Func("package servers", st.checkAgents),
		Func("leader lock", st.checkLeader),
	}
}

// checkLeader is LeaderCheck, skipped after the CMDB refused the login
// (on a real site the lock is a CMDB session's).
func (st *siteState) checkLeader(ctx context.Context) []Result {
	if st.cmdbRefused {
		return one(Skip, "not tried: the CMDB refused the login (one attempt per credential)", "")
	}
	return LeaderCheck(st.site.Lock).Run(ctx)
}

type siteState struct {
	site    Site
	servers []vocab.Host // in scope, from the CMDB's list
	pkg     vocab.GUID   // a package of a row in question, to read an NS snapshot
	cmdbOK  bool
	// cmdbRefused is set when the CMDB refused the login: nothing else
	// logs in to it.
	cmdbRefused bool
	// refused names the call whose login was refused: the WinRM
	// credential is not tried again.
	refused string
}

// authFailure reports whether err is a refused login (the drivers' auth
// errors say so: interface{ AuthFailure() bool }).
func authFailure(err error) bool {
	var a interface{ AuthFailure() bool }
	return errors.As(err, &a) && a.AuthFailure()
}

func (st *siteState) call(ctx context.Context) (context.Context, context.CancelFunc) {
	if st.site.CallTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, st.site.CallTimeout)
}

func (st *siteState) checkCMDB(ctx context.Context) []Result {
	cctx, cancel := st.call(ctx)
	defer cancel()
	raw, err := st.site.CMDB.Servers(cctx)
	if err != nil {
		fix := "check the CMDB DSN, that SQL Server answers from this host, and that the login reads SWDPackageServer, SWDPackage and vItem (db_datareader)"
		if authFailure(err) {
			st.cmdbRefused = true
			fix = "the login was refused (one attempt, not retried): check the user and password of the CMDB DSN, and that the account is not locked out"
		}
		return one(Fail, "server list not read: "+err.Error(), fix)
	}
	pairs, notReady := 0, 0
	for _, s := range raw {
		h, err := vocab.ParseHost(s.Name)
		for status, n := range s.Counts {
			pairs += n
			if vocab.NormalizeStatus(status) != vocab.Ready {
				notReady += n
			}
		}
		if err == nil && (st.site.InScope == nil || st.site.InScope(h)) {
			st.servers = append(st.servers, h)
		}
	}
	slices.Sort(st.servers)
	rows := 0
	cctx2, cancel2 := st.call(ctx)
	defer cancel2()
	err = st.site.CMDB.InQuestion(cctx2, func(r observed.RawRow) error {
		rows++
		if st.pkg == "" {
			if g, err := vocab.ParseGUID(r.PackageID); err == nil && r.PackageKnown {
				st.pkg = g
			}
		}
		return nil
	})
	if err != nil {
		return one(Fail, "rows in question not read: "+err.Error(),
			"the login must read SWDPackageServer joined with SWDPackage and vItem (db_datareader on Symantec_CMDB)")
	}
	st.cmdbOK = true
	res := Result{Status: Pass, Detail: fmt.Sprintf("read: %s (%d in scope), %s, %s in question", vocab.Count(len(raw), "package server"),
		len(st.servers), vocab.Count(pairs, "pair"), vocab.Count(rows, "row"))}
	if len(st.servers) == 0 {
		res.Status, res.Fix = Warn, "no package server is in scope: check the policy's scope block and the CMDB's SWDPackageServer rows"
	}
	return []Result{res}
}

func (st *siteState) checkSchema(ctx context.Context) []Result {
	switch {
	case st.site.Schema == nil:
		return one(Skip, "this site's driver does not show its schema", "")
	case !st.cmdbOK:
		return one(Skip, "the CMDB was not read", "")
	}
	s, err := st.site.Schema(ctx)
	if err != nil {
		var se *cmdb.SchemaError
		if errors.As(err, &se) {
			return one(Fail, err.Error(), "the reconciler reads only a CMDB schema it knows (docs/itms.md, The CMDB read): check the ITMS version and the database named in the DSN")
		}
		return one(Fail, "schema not checked: "+err.Error(), "see the cmdb check")
	}
	detail := fmt.Sprintf("tables and columns as expected (Version %s, [Package Version] %s)", s.Version.Type, s.PackageVersion.Type)
	if notes := s.Notes(); len(notes) > 0 {
		return one(Warn, detail+"; "+notes[0], "not needed to run; the note says what would make the read faster")
	}
	return one(Pass, detail, "")
}

func (st *siteState) checkNS(ctx context.Context) []Result {
	cctx, cancel := st.call(ctx)
	defer cancel()
	ns, err := st.site.NS.Setting(cctx)
	var out []Result
	switch {
	case errors.Is(err, observed.ErrNotManaged):
		out = append(out, Result{Target: "credential setting", Status: Warn, Detail: "not managed on this site (no ns.credential_command): credentials are left alone",
			Fix: "set ns.credential_command for the reconciler to manage the Package Service credential (docs/itms.md)"})
	case authFailure(err):
		st.refused = "the NS"
		return []Result{{Target: "credential setting", Status: Fail, Detail: "login refused: " + err.Error(),
			Fix: "check the WinRM user and password (one attempt, not retried; no package server is tried with them)"}}
	case err != nil:
		return []Result{{Target: "credential setting", Status: Fail, Detail: "not read: " + err.Error(),
			Fix: "check that WinRM (HTTPS, 5986) answers on the NS from this host and that the account may run PowerShell there"}}
	default:
		out = append(out, Result{Target: "credential setting", Status: Pass,
			Detail: fmt.Sprintf("%s, policy version %d", ns.Credential, ns.PolicyVersion)})
	}
	return append(out, st.checkSnapshots(ctx)...)
}

func (st *siteState) checkSnapshots(ctx context.Context) []Result {
	if st.pkg == "" {
		return []Result{{Target: "snapshots", Status: Skip, Detail: "no row in question names a package to read the snapshot of"}}
	}
	cctx, cancel := st.call(ctx)
	defer cancel()
	snaps, err := st.site.NS.Snapshots(cctx, []vocab.GUID{st.pkg})
	switch {
	case authFailure(err):
		st.refused = "the NS"
		return []Result{{Target: "snapshots", Status: Fail, Detail: "login refused: " + err.Error(), Fix: "check the WinRM user and password"}}
	case err != nil:
		return []Result{{Target: "snapshots", Status: Fail, Detail: "not read: " + err.Error(),
			Fix: `the account must read C:\ProgramData\Symantec\SMP\Snapshots on the NS`}}
	}
	detail := "read " + st.pkg.Braced() + ".xml"
	if len(snaps) == 1 && !snaps[0].Present {
		detail = st.pkg.Braced() + ".xml absent (readable folder)"
	}
	return []Result{{Target: "snapshots", Status: Pass, Detail: detail}}
}
