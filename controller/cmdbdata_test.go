package controller

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/actions/planner"
	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/vocab"
)

// Reliability review, round 2 ([2/9] items 1 and 4): data in the CMDB
// that is well-formed but wrong. Each test edits the CMDB of a disk
// simulated site (the demo's kind of site: a SQLite file read through the
// production query) as the review did by hand.

// lostOnPS004 is a healthy estate but for PS004's lost status reports:
// work elsewhere, to show that the rest of the estate is unaffected.
const lostOnPS004 = `{"name": "lost-on-ps004", "seed": 3, "servers": 4, "packages": 6,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "status_lost", "servers": ["PS004"]}]}`

// diskRig is a rig on a disk simulated site, with a handle on its CMDB.
func diskRig(t *testing.T, js string) (*rig, *sql.DB) {
	t.Helper()
	r := newRig(t, scenario(t, js), "")
	disk, err := sim.Open(context.Background(), filepath.Join(r.dir, "site"), scenario(t, js), 3, sim.Options{Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.Close() })
	r.site = disk
	r.restart()
	db, err := cmdb.Open(filepath.Join(r.dir, "site", "cmdb.sqlite") + "?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return r, db
}

func execSQL(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// firstPackage is the first package of the CMDB, with its version.
func firstPackage(t *testing.T, db *sql.DB) (id, version string) {
	t.Helper()
	if err := db.QueryRow(`SELECT [PackageId], [Package Version] FROM SWDPackage ORDER BY [PackageId] LIMIT 1`).Scan(&id, &version); err != nil {
		t.Fatal(err)
	}
	return id, version
}

func serverID(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var id string
	if err := db.QueryRow(`SELECT [Guid] FROM vItem WHERE [Name] = ?`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// touches lists the actions of a plan on a server or package.
func touches(p actions.Plan, server vocab.Host, pkg vocab.GUID) []string {
	var out []string
	for _, a := range p.Actions {
		if server != "" && strings.EqualFold(string(a.Target.Server), string(server)) ||
			pkg != "" && a.Target.Package == pkg {
			out = append(out, a.ID)
		}
	}
	return out
}

func conflictOf(obs *observed.Observation, k observed.ConflictKind) (observed.Conflict, bool) {
	for _, c := range obs.Conflicts {
		if c.Kind == k {
			return c, true
		}
	}
	return observed.Conflict{}, false
}

func hasNote(p actions.Plan, kind string) bool {
	return slices.ContainsFunc(p.Notes, func(n actions.Note) bool { return n.Kind == kind })
}

// passes runs n passes a few minutes apart, past verification delays.
func (r *rig) passes(n int) []PassResult {
	r.t.Helper()
	var out []PassResult
	for range n {
		out = append(out, r.pass())
		r.clk.Advance(10 * time.Minute)
	}
	return out
}

// A second SWDPackage row marked _Latest for a package, at another
// version: before, every pass deleted the package's NS snapshot and every
// PS snapshot, forever (the join gave each pair the older version). Now
// the package is a conflict: reported, never acted on; PS004 is repaired.
func TestTwoLatestVersionsOfAPackageAreAConflict(t *testing.T) {
	r, db := diskRig(t, lostOnPS004)
	pkg, version := firstPackage(t, db)
	execSQL(t, db, `INSERT INTO SWDPackage VALUES (?, 'x', ?, 1)`, pkg, "1"+version)
	g := vocab.MustGUID(pkg)
	for i, res := range r.passes(4) {
		if got := touches(res.Plan, "", g); len(got) > 0 {
			t.Fatalf("pass %d acted on the package with two latest versions: %v", i+1, got)
		}
		c, ok := conflictOf(res.Obs, observed.ConflictPackageVersions)
		if !ok || c.Package != g || !slices.Equal(c.Values, []string{"1" + version, version}) && !slices.Equal(c.Values, []string{version, "1" + version}) {
			t.Fatalf("pass %d: conflicts %+v", i+1, res.Obs.Conflicts)
		}
		if len(res.Obs.PairsFor(g)) != 0 {
			t.Fatalf("pass %d: the planner got pairs of the conflicting package: %+v", i+1, res.Obs.PairsFor(g))
		}
		if !hasNote(res.Plan, planner.NoteCMDBConflict) {
			t.Errorf("pass %d: no plan note for the conflict: %+v", i+1, res.Plan.Notes)
		}
		if rep := r.ctl.Report(); rep == nil || rep.Totals.Conflicts != 1 {
			t.Errorf("pass %d: status does not show the conflict", i+1)
		}
	}
	if c, _ := conflictOf(r.pass().Obs, observed.ConflictPackageVersions); c.Held != 4 {
		t.Errorf("held %d rows, want the package's 4 (one per server)", c.Held)
	}
	if n := countApplied(r, actions.ResendStatus); n == 0 {
		t.Error("PS004 was not repaired: a conflict elsewhere stopped the estate")
	}
	// Once the CMDB states one version again, the package is read as before.
	execSQL(t, db, `DELETE FROM SWDPackage WHERE [PackageId] = ? AND [Name] = 'x'`, pkg)
	res := r.pass()
	if len(res.Obs.Conflicts) != 0 || len(touches(res.Plan, "", g)) != 0 {
		t.Errorf("after the fix: conflicts %+v, plan %v", res.Obs.Conflicts, touches(res.Plan, "", g))
	}
	r.verifyJournal()
}

// A second vItem resource named PS001, with rows of its own that are not
// Ready: before, resend_status on the real PS001 every pass (its resend
// cannot fix the other id's rows). Now PS001 is a conflict.
func TestTwoServerIDsUnderOneNameAreAConflict(t *testing.T) {
	r, db := diskRig(t, lostOnPS004)
	real := serverID(t, db, "PS001")
	const other = "0DD0DD00-1111-4222-8333-444444444444"
	execSQL(t, db, `INSERT INTO vItem VALUES (?, 'PS001')`, other)
	execSQL(t, db, `INSERT INTO SWDPackageServer SELECT ?, [PackageId], 'Invalid', [Version], NULL FROM SWDPackageServer WHERE [PkgSvrId] = ?`, other, real)
	for i, res := range r.passes(4) {
		if got := touches(res.Plan, "PS001", ""); len(got) > 0 {
			t.Fatalf("pass %d acted on PS001, which names two servers: %v", i+1, got)
		}
		c, ok := conflictOf(res.Obs, observed.ConflictServerIDs)
		if !ok || c.Server != "PS001" || len(c.Values) != 2 || c.Held != 6 {
			t.Fatalf("pass %d: conflicts %+v", i+1, res.Obs.Conflicts)
		}
		if !hasNote(res.Plan, planner.NoteCMDBConflict) {
			t.Errorf("pass %d: no plan note: %+v", i+1, res.Plan.Notes)
		}
	}
	rep := r.ctl.Report()
	var ps001 *health.ServerHealth
	for i := range rep.Servers {
		if rep.Servers[i].Name == "PS001" {
			ps001 = &rep.Servers[i]
		}
	}
	if ps001 == nil {
		t.Fatal("status does not list PS001")
	}
	if c, _ := ps001.Condition(health.PackagesReady); c.Reason != health.ReasonCMDBConflict {
		t.Errorf("PS001 PackagesReady %+v, want %s", c, health.ReasonCMDBConflict)
	}
	var table strings.Builder
	if err := health.RenderTable(&table, *rep, health.TableOptions{Words: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "server name PS001 belongs to 2 server ids in vItem") {
		t.Errorf("the status table does not explain the conflict:\n%s", table.String())
	}
	if n := countApplied(r, actions.ResendStatus); n != 1 {
		t.Errorf("%d resend_status applied, want PS004's one", n)
	}
}

func countApplied(r *rig, k actions.Kind) int {
	n := 0
	for _, rec := range r.records() {
		if rec.Type == audit.TypeOutcome && rec.Kind == string(k) && rec.Outcome == audit.Applied {
			n++
		}
	}
	return n
}

// [2/9] item 4: a 2 MB [Package Version] made the intent of the first
// action on it larger than the journal's record limit, and every pass
// stopped there, for every server. Now the package's rows are rejected
// (field and why) and the rest of the estate is repaired.
func TestHugePackageVersionIsRejectedNotThePass(t *testing.T) {
	r, db := diskRig(t, lostOnPS004)
	pkg, _ := firstPackage(t, db)
	execSQL(t, db, `UPDATE SWDPackage SET [Package Version] = ? WHERE [PackageId] = ?`, strings.Repeat("9", 2<<20), pkg)
	res := r.pass()
	if res.Err != nil {
		t.Fatalf("the pass failed: %v", res.Err)
	}
	var rejected int
	for _, rj := range res.Obs.Rejects {
		if strings.EqualFold(rj.PackageID, pkg) && rj.Reason == fmt.Sprintf("package version: %d bytes, more than 64", 2<<20) {
			rejected++
		}
	}
	if rejected != 4 {
		t.Errorf("%d rows rejected for their package version, want 4: %+v", rejected, res.Obs.Rejects)
	}
	if got := touches(res.Plan, "", vocab.MustGUID(pkg)); len(got) > 0 {
		t.Errorf("acted on the package: %v", got)
	}
	if countKind(res, actions.ResendStatus, actions.Applied) != 1 {
		t.Errorf("PS004's resend_status was not applied: %+v", res.Exec.Steps)
	}
	r.verifyJournal()
}

// hugeACL answers for PS003 with 40,000 Full Control principals: a
// well-formed answer whose grant_acl reason (the ACL it lacks the account
// in) makes an intent larger than the journal's record limit.
type hugeACL struct{ observed.AgentSource }

func (h hugeACL) Agent(ctx context.Context, server vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
	f, err := h.AgentSource.Agent(ctx, server, pkgs)
	if err == nil && server == "PS003" {
		for i := range 40000 {
			f.FullControl = append(f.FullControl, fmt.Sprintf(`CORP\group-%06d-with-a-long-name`, i))
		}
	}
	return f, err
}

// An intent too large for the journal fails its action (recorded as
// failed, with a short reason) and the pass goes on: PS003's grant_acl
// fails, the other servers are repaired. Before, the pass stopped at it.
func TestIntentTooLargeFailsOnlyItsAction(t *testing.T) {
	const js = `{"name": "acl-and-lost", "seed": 3, "servers": 4, "packages": 4,
  "credential": {"mode": "acc", "account": "CORP\\svc-itms-acc"},
  "faults": [{"kind": "acl_missing", "servers": ["PS003"]}, {"kind": "status_lost", "servers": ["PS001", "PS004"]}]}`
	r := newRig(t, scenario(t, js), "")
	r.ctl.site.Agents = hugeACL{r.site}
	res, err := r.ctl.ReconcileOnce(context.Background())
	if err != nil {
		t.Fatalf("the pass stopped: %v", err)
	}
	grant := actions.FormatID(actions.GrantACL, actions.Target{Server: "PS003"}, 0, "")
	if s := res.Exec.Steps[grant]; s.Outcome != actions.Failed || !strings.Contains(s.Err.Error(), "record too large") {
		t.Fatalf("grant_acl on PS003: %+v", s)
	}
	if countKind(res, actions.ResendStatus, actions.Applied) != 2 {
		t.Errorf("the other servers' resends: %+v", res.Exec.Steps)
	}
	var failed *audit.Record
	for _, rec := range r.records() {
		if rec.Type == audit.TypeIntent && rec.Action == grant {
			t.Fatal("an intent was written for the action that failed")
		}
		if rec.Type == audit.TypeOutcome && rec.Action == grant {
			failed = &rec
		}
	}
	if failed == nil || failed.Outcome != audit.Failed || len(failed.Error) > 1024 {
		t.Fatalf("outcome of the failed action: %+v", failed)
	}
	r.verifyJournal()
}
