package controller

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/site/sim"
	"github.com/itms-tools/reconciler/vocab"
)

// Reliability test 5: path and command attacks, end to end. A CMDB and
// agents that answer with hostile names and ids, beside a site with real
// faults: every hostile value is rejected before the planner, no action
// names one, the simulated site refuses nothing because nothing unsafe
// reaches it (UnsafePathsTouched 0), no file outside the site changes, and
// inside it only the KB's files and the sim's bookkeeping do. Driver-level
// tables: site/sim TestUnsafeTargetsRefused, site/itms
// TestHostileValuesNeverReachAServer.

// hostileValues are what an attacker (or a corrupted CMDB) could put where
// a package id or a server name belongs.
var hostileValues = []string{
	`..\`, `..\..\Windows\System32`, `..\..\..\..\Windows\System32\drivers\etc\hosts`, `../../etc/passwd`,
	`C:\Windows`, `C:\Windows\System32\config\SAM`, `C:`, `\\?\C:\Windows`, `\\?\UNC\fs01\share`, `\\.\PhysicalDrive0`,
	`\\fs01\share\x`, `//fs01/share`, `file:stream`, `snapshot.xml:Zone.Identifier:$DATA`,
	`NUL`, `nul`, `COM1`, `COM1.txt`, `LPT9`, `CON.xml`, `AUX`, `PRN.`,
	`PS001.`, `PS001 `, `PS001...`, ` PS001`, `PS001\`, `PS001/..`,
	`[ ]`, `[a-z]*`, `*`, `?`, `PS00?`, `"quoted"`, `'quoted'`, "`backtick`", `$(Remove-Item -Recurse C:\)`,
	`${env:ComputerName}`, `$env:USERPROFILE`, `a;Remove-Item C:\`, `a|calc`, `a&calc`, `@(1)`, "a\nb", "a\r\nb",
	"a\x00b", "\x1b[2J", "", strings.Repeat("A", 300),
	"{67dc1775-0f72-4ec3-a774-a650f5a05acd}\\..", "67dc1775-0f72-4ec3-a774-a650f5a05acd.", "67dc1775-0f72-4ec3-a774-a650f5a05acd ",
	"67dc1775-0f72-4ec3-a774-a650f5a05acg", "67dc1775-0f72-4ec3-a774-a650f5a05acd/..",
}

// hostileSite wraps a site: its CMDB adds hostile rows and servers, its
// agents and NS add hostile answers.
type hostileSite struct {
	inner   *sim.Site
	pkg     vocab.GUID // a real package
	mu      sync.Mutex
	spoofed bool // one agent answer has already claimed another server
	rows    int  // hostile rows yielded per read
}

func (h *hostileSite) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	if err := h.inner.InQuestion(ctx, func(r observed.RawRow) error {
		r.PackageName = `$(Remove-Item C:\) "name" 'q' ` + "\x1b[31m\r\n" + `..\..\x`
		return fn(r)
	}); err != nil {
		return err
	}
	n := 0
	for _, r := range hostileRows(h.pkg) {
		n++
		if err := fn(r); err != nil {
			return err
		}
	}
	h.mu.Lock()
	h.rows = n
	h.mu.Unlock()
	return nil
}

// hostileRows puts each hostile value where a package id, a server name
// and a server id belong, the rest of the row well-formed. A value that
// is in fact well-formed there (a GUID-like string is a valid host name)
// is left out: it is not an attack on that field.
func hostileRows(pkg vocab.GUID) []observed.RawRow {
	var out []observed.RawRow
	for i, v := range hostileValues {
		id := fmt.Sprintf("99999999-0000-4000-8000-%012d", i)
		row := observed.RawRow{ServerID: id, ServerName: "PS001", PackageID: string(pkg), PackageName: v,
			Status: "Invalid", Version: "1", PackageVersion: "2", PackageKnown: true}
		if _, err := vocab.ParseGUID(v); err != nil {
			r := row
			r.PackageID = v
			out = append(out, r)
			r = row
			r.ServerID = v
			out = append(out, r)
		}
		if _, err := vocab.ParseHost(v); err != nil {
			r := row
			r.ServerName = v
			out = append(out, r)
		}
	}
	return out
}

func (h *hostileSite) Servers(ctx context.Context) ([]observed.RawServer, error) {
	out, err := h.inner.Servers(ctx)
	if err != nil {
		return nil, err
	}
	for i, v := range hostileValues {
		out = append(out,
			observed.RawServer{ID: fmt.Sprintf("99999999-0000-4000-8000-%012d", i), Name: v, Counts: map[string]int{"Invalid": 1}},
			observed.RawServer{ID: v, Name: fmt.Sprintf("EVIL%03d", i), Counts: map[string]int{"Invalid": 1}})
	}
	return out, nil
}

func (h *hostileSite) Setting(ctx context.Context) (observed.NSState, error) {
	return h.inner.Setting(ctx)
}

func (h *hostileSite) Snapshots(ctx context.Context, pkgs []vocab.GUID) ([]observed.Snapshot, error) {
	out, err := h.inner.Snapshots(ctx, pkgs)
	for _, v := range hostileValues {
		out = append(out, observed.Snapshot{Package: vocab.GUID(v), Present: true, Version: v})
	}
	return out, err
}

func (h *hostileSite) Agent(ctx context.Context, server vocab.Host, pkgs []vocab.GUID) (observed.AgentFacts, error) {
	f, err := h.inner.Agent(ctx, server, pkgs)
	if err != nil {
		return f, err
	}
	for _, v := range hostileValues {
		f.Packages = append(f.Packages, observed.PackageFiles{Server: vocab.Host(v), Package: vocab.GUID(v),
			SnapshotPresent: true, SnapshotVersion: v, StatusPresent: true, StatusRecorded: vocab.Invalid, Local: vocab.LocalReady})
		f.FullControl = append(f.FullControl, v)
		f.LogSignatures = append(f.LogSignatures, v)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if server == "PS003" && !h.spoofed {
		h.spoofed = true
		f.Server = `..\..\PS003` // an answer claiming another server is dropped: PS003 waits a pass
	}
	return f, nil
}

// hostileScenario has real faults on several servers and an NS credential
// that differs from the policy's, so that the server list is read too.
const hostileScenario = `{"name": "hostile", "seed": 5, "servers": 4, "packages": 6,
  "credential": {"mode": "acc", "account": "CORP\\old-acc"},
  "faults": [{"kind": "stale_ns_snapshot", "servers": ["PS002"], "packages": 2},
             {"kind": "stale_ps_snapshot", "servers": ["PS003"], "packages": 2},
             {"kind": "acl_missing", "servers": ["PS004"]}]}`

// siteFiles are the files under the site folder that may change: the KB's
// snapshot and status files and the simulator's own bookkeeping.
var siteFiles = regexp.MustCompile(`^site/(` +
	`ns/ProgramData/Symantec/SMP/Snapshots/\{[0-9a-f-]{36}\}\.xml|` +
	`servers/PS00[1-4]/ProgramData/Symantec/Symantec Agent/Package Delivery/\{[0-9a-f-]{36}\}/snapshot\.xml|` +
	`servers/PS00[1-4]/ProgramData/Symantec/Symantec Agent/Package Server Agent/PackageStatus/\{[0-9a-f-]{36}\}/PackageStatus\.xml|` +
	`servers/PS00[1-4]/agent\.json|servers/PS00[1-4]/ProgramData/Symantec/Symantec Agent/Logs/agent\.log|` +
	`ns/settings\.json|site\.json|cmdb\.sqlite.*|\.site\.lock)$`)

func TestHostileRowsAndAnswersNeverReachAFileOrAScript(t *testing.T) {
	parent := t.TempDir()
	for _, f := range []string{"Windows/System32/config/SAM", "Windows/win.ini", "fs01/share/x", "outside.txt"} {
		p := filepath.Join(parent, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("keep "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := newRig(t, scenario(t, hostileScenario), "")
	disk, err := sim.Open(context.Background(), filepath.Join(parent, "site"), scenario(t, hostileScenario), 5, sim.Options{Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.Close() })
	h := &hostileSite{inner: disk, pkg: disk.Packages()[0]}
	r.site = disk
	r.ctl.site = Site{CMDB: h, NS: h, Agents: h, Driver: disk}
	before := hashTree(t, parent)

	hosts, pkgs := disk.Hosts(), disk.Packages()
	var rendered bytes.Buffer
	passes, rejects := 0, 0
	for ; passes < 8 && (passes == 0 || disk.NotReady() > 0); passes++ {
		res := r.pass()
		if res.Obs.CMDBErr != nil || res.Obs.NSErr != nil {
			t.Fatalf("pass %d: CMDB %v, NS %v", passes+1, res.Obs.CMDBErr, res.Obs.NSErr)
		}
		rejects = max(rejects, len(res.Obs.Rejects))
		if passes == 0 {
			checkEveryHostileRowRejected(t, res, h.rows)
		}
		for _, a := range res.Plan.Actions {
			if a.Target.Server != "" && !slices.Contains(hosts, a.Target.Server) ||
				a.Target.Package != "" && !slices.Contains(pkgs, a.Target.Package) {
				t.Fatalf("pass %d planned %s on %q/%q: not a server or package of the site", passes+1, a.Kind, a.Target.Server, a.Target.Package)
			}
		}
		if err := actions.Render(&rendered, res.Plan, actions.RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		r.clk.Advance(5 * time.Minute)
	}
	if n := disk.NotReady(); n != 0 {
		t.Fatalf("not converged beside the hostile rows after %d passes: %d not Ready", passes, n)
	}
	if n := disk.UnsafePathsTouched(); n != 0 {
		t.Fatalf("%d unsafe paths touched", n)
	}
	after := hashTree(t, parent)
	changed := 0
	for p := range union(before, after) {
		if before[p] == after[p] {
			continue
		}
		changed++
		if !siteFiles.MatchString(p) {
			t.Errorf("file %q changed (before %q, after %q): outside the allowed set", p, before[p], after[p])
		}
	}
	if changed == 0 {
		t.Fatal("no file changed: the site was not repaired on disk")
	}
	checkPrintable(t, rendered.String())
	r.verifyJournal()
	t.Logf("%d hostile values, %d hostile rows per read, up to %d rejects per pass, %d passes, %d files changed in the site, 0 outside",
		len(hostileValues), h.rows, rejects, passes, changed)
}

// checkEveryHostileRowRejected asserts the first pass reported each
// hostile row as a reject, and kept no pair of it.
func checkEveryHostileRowRejected(t *testing.T, res PassResult, rows int) {
	t.Helper()
	rowRejects := 0
	for _, rj := range res.Obs.Rejects {
		if strings.HasPrefix(rj.ServerID, "99999999-") || slices.Contains(hostileValues, rj.ServerID) {
			rowRejects++
		}
	}
	if rowRejects < rows {
		t.Errorf("%d rejects for %d hostile rows", rowRejects, rows)
	}
	for _, p := range res.Obs.Pairs() {
		if strings.HasPrefix(string(p.ServerID), "99999999-") {
			t.Errorf("hostile row kept as a pair: %+v", p)
		}
	}
}

// checkPrintable asserts that the plan's text output holds no control
// character that came from a CMDB value or an agent's answer (a package
// name, an ACL principal): on a terminal they could rewrite or hide lines
// (bug R5-1, fixed: actions.Render quotes them with vocab.Printable).
func checkPrintable(t *testing.T, text string) {
	t.Helper()
	var bad []string
	for _, l := range strings.Split(text, "\n") {
		if i := strings.IndexAny(l, "\x1b\r\x00\x07\b"); i >= 0 {
			bad = append(bad, fmt.Sprintf("%q", l[max(0, i-50):min(len(l), i+10)]))
		}
	}
	if len(bad) == 0 {
		return
	}
	t.Errorf("%d plan output lines carry a control character from untrusted text, e.g. %s", len(bad), bad[0])
}

// hashTree hashes every file under root by slash path.
func hashTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(data))[:12]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func union(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
