package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/leader"
	"github.com/itms-tools/reconciler/policy"
	"github.com/itms-tools/reconciler/vocab"
)

// PolicyCheck judges the loaded policy: err is Load's, p the policy when
// it loaded, notes the security-relevant settings the site reported.
func PolicyCheck(file string, p *policy.Policy, err error, notes []string) Check {
	return Func("policy", func(context.Context) []Result {
		if err != nil {
			return []Result{{Target: file, Status: Fail, Detail: firstLine(err.Error()),
				Fix: "reconciler policy check " + file + " lists every problem as file:line:col"}}
		}
		out := []Result{{Target: file, Status: Pass, Detail: fmt.Sprintf("valid: mode %s, site %s, %s, %s, %s", p.Mode, p.Site.Kind,
			vocab.Count(len(p.Limits), "limit"), vocab.Count(len(p.Windows), "window"), vocab.Count(len(p.Approve), "approval"))}}
		if p.Mode == "enforce" {
			if missing := unlimitedDestructive(p); len(missing) > 0 {
				out = append(out, Result{Target: file, Status: Warn, Detail: "enforce with no limit on " + strings.Join(missing, ", "),
					Fix: `add limit "KIND" { max = N  per = "1h" } blocks: a storm of deletions then waits for budget (reconciler sim shows the pace)`})
			}
		}
		for _, n := range notes {
			out = append(out, Result{Target: file, Status: Warn, Detail: n, Fix: "allowed by the policy; make sure it is meant"})
		}
		return out
	})
}

// unlimitedDestructive lists the destructive kinds the policy does not
// limit.
func unlimitedDestructive(p *policy.Policy) []string {
	limited := map[string]bool{}
	for _, l := range p.Limits {
		limited[string(l.Kind)] = true
	}
	var out []string
	for _, k := range []string{"delete_ns_snapshot", "delete_ps_snapshot", "delete_ps_status"} {
		if !limited[k] {
			out = append(out, k)
		}
	}
	return out
}

// JournalCheck looks at the journal at path: whether it exists (or can be
// created), whether its chain verifies, how it compares with its anchor
// (readKey reads the anchor key; nil when there is none), and whether a
// process holds its lock. It writes nothing.
func JournalCheck(path string, anchor func() (audit.AnchorCheck, bool, error)) Check {
	return Func("journal", func(context.Context) []Result {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return []Result{folderResult(path)}
		}
		var out []Result
		v, err := audit.Verify(path)
		switch {
		case err != nil:
			out = append(out, Result{Target: path, Status: Fail, Detail: "not read: " + err.Error(), Fix: "the service account must read and write the journal and its folder"})
		case !v.OK():
			out = append(out, Result{Target: path, Status: Fail, Detail: fmt.Sprintf("chain broken at seq %d: %s", v.FirstBad, v.Problem),
				Fix: "reconciler audit verify names the damage; the daemon refuses this journal until a person inspects it"})
		default:
			out = append(out, Result{Target: path, Status: Pass, Detail: fmt.Sprintf("chain verifies: %s, head seq %d", vocab.Count(int(v.Records), "record"), v.HeadSeq)})
		}
		out = append(out, anchorResult(path, anchor), lockResult(path))
		return out
	})
}

// folderResult is the verdict on a journal that does not exist yet: its
// folder must be there or creatable.
func folderResult(path string) Result {
	dir := filepath.Dir(path)
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil && fi.IsDir() {
			return Result{Target: path, Status: Pass, Detail: "none yet: the first run creates it (in " + dir + ")"}
		}
		if err == nil || !errors.Is(err, fs.ErrNotExist) || filepath.Dir(d) == d {
			return Result{Target: path, Status: Fail, Detail: "its folder " + dir + " cannot be created", Fix: "create the folder for the service account (0700), or set audit.path"}
		}
	}
}

func anchorResult(path string, anchor func() (audit.AnchorCheck, bool, error)) Result {
	r := Result{Check: "journal anchor", Target: audit.AnchorPath(path)}
	ac, ok, err := anchor()
	switch {
	case err != nil:
		r.Status, r.Detail, r.Fix = Warn, "not checked: "+err.Error(), "the anchor key "+audit.KeyPath(path)+" must be readable by the service account only"
	case !ok:
		r.Status, r.Detail = Warn, "no anchor key yet: the daemon creates it at its first pass"
	case ac.Trusted():
		r.Status, r.Detail = Pass, "the journal matches its anchor ("+string(ac.State)+")"
	default:
		r.Status, r.Detail = Fail, fmt.Sprintf("%s: %s", ac.State, ac.Message)
		r.Fix = "the journal was cut, rewritten or replaced: reconciler audit verify says which records; destructive kinds get no budget for one window"
	}
	return r
}

// lockResult says whether a process holds the journal's lock, taking and
// dropping it when it is free. The lock file exists beside any journal.
func lockResult(path string) Result {
	r := Result{Check: "journal lock", Target: audit.LockPath(path)}
	if _, err := os.Stat(audit.LockPath(path)); err != nil {
		r.Status, r.Detail = Pass, "no lock file: no process holds the journal"
		return r
	}
	lk := flock.New(audit.LockPath(path))
	ok, err := lk.TryLock()
	switch {
	case err != nil:
		r.Status, r.Detail, r.Fix = Fail, "cannot be taken: "+err.Error(), "the service account must read and write the lock file"
	case ok:
		_ = lk.Unlock()
		r.Status, r.Detail = Pass, "free: no reconciler writes the journal now"
	default:
		r.Status, r.Detail = Pass, "held by a running reconciler (the daemon): commands reach it through its inbox"
	}
	return r
}

// LeaderCheck says whether a process holds the site's leader lock,
// taking and releasing it when it is free.
func LeaderCheck(l leader.Lock) Check {
	return Func("leader lock", func(ctx context.Context) []Result {
		if l == nil {
			return one(Pass, "the site has none: this process would lead", "")
		}
		ok, err := l.TryAcquire(ctx)
		switch {
		case err != nil:
			return []Result{{Target: l.String(), Status: Fail, Detail: "cannot be taken: " + err.Error(), Fix: "see the cmdb check (sp_getapplock needs a CMDB session) or the lock file's rights"}}
		case ok:
			_ = l.Release()
			return []Result{{Target: l.String(), Status: Pass, Detail: "free: a daemon started now leads"}}
		}
		return []Result{{Target: l.String(), Status: Pass, Detail: "held by a running reconciler: another daemon started now follows it"}}
	})
}

// Probe asks a health endpoint; see ListenCheck.
type Probe func(url string) (healthy bool, message string, err error)

// ListenCheck checks http.listen: it can be bound (and is released at
// once), or a reconciler daemon answers there.
func ListenCheck(addr string, probe Probe) Check {
	return Func("http listen", func(context.Context) []Result {
		if addr == "" {
			return one(Pass, "no endpoint (http.listen is empty): no /metrics, /healthz, /readyz", "")
		}
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			ln.Close()
			return []Result{{Target: addr, Status: Pass, Detail: "free: the daemon can listen there"}}
		}
		if probe != nil {
			if healthy, msg, perr := probe("http://" + addr + "/healthz"); perr == nil {
				if healthy {
					return []Result{{Target: addr, Status: Pass, Detail: "a daemon answers there (/healthz ok)"}}
				}
				return []Result{{Target: addr, Status: Warn, Detail: "a daemon answers there, unhealthy: " + firstLine(msg),
					Fix: "reconciler status shows why (often the journal)"}}
			}
		}
		return []Result{{Target: addr, Status: Fail, Detail: "cannot listen: " + err.Error(),
			Fix: "another program listens there: set http.listen in the policy to a free address, or to \"\" to serve no endpoint"}}
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
