package doctor

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// checkAgents calls every package server in scope once: the first alone,
// so that a refused login stops there, then the others at the policy's
// concurrency. After a refused login nothing more is tried.
func (st *siteState) checkAgents(ctx context.Context) []Result {
	switch {
	case !st.cmdbOK:
		return one(Skip, "the CMDB's server list was not read", "")
	case st.refused != "":
		return one(Skip, "not tried: the WinRM login was refused by "+st.refused+" (one attempt per credential)", "")
	case len(st.servers) == 0:
		return one(Skip, "no package server in scope", "")
	}
	results := make([]Result, len(st.servers))
	var refused bool
	if results[0], refused = st.agent(ctx, st.servers[0]); refused {
		return st.afterRefusal(results[:1], st.servers[0])
	}
	var mu sync.Mutex
	refusedBy := vocab.Host("")
	sem := make(chan struct{}, max(1, st.site.Concurrency))
	var wg sync.WaitGroup
	for i := 1; i < len(st.servers); i++ {
		sem <- struct{}{}
		mu.Lock()
		stop := refusedBy != ""
		mu.Unlock()
		if stop || ctx.Err() != nil {
			<-sem
			results[i] = Result{Target: string(st.servers[i]), Status: Skip, Detail: "not tried after a refused login"}
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			r, refused := st.agent(ctx, st.servers[i])
			results[i] = r
			if refused {
				mu.Lock()
				if refusedBy == "" {
					refusedBy = st.servers[i]
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return summarize(results)
}

// agent observes one server and judges the answer; refused is set when
// the login was refused.
func (st *siteState) agent(ctx context.Context, h vocab.Host) (r Result, refused bool) {
	cctx, cancel := st.call(ctx)
	defer cancel()
	f, err := st.site.Agents.Agent(cctx, h, nil)
	r = Result{Target: string(h)}
	switch {
	case authFailure(err):
		r.Status, r.Detail = Fail, "login refused: "+err.Error()
		r.Fix = "check the WinRM user and password (one attempt, not retried) and the account's rights on this server"
	case err != nil:
		r.Status, r.Detail = Fail, "did not answer: "+err.Error()
		r.Fix = "check that WinRM (HTTPS, 5986) answers on the server from this host and that the account may run PowerShell there; nothing is planned for a server that cannot be observed"
	default:
		r.Status, r.Detail = Pass, answer(f)
		if len(f.FullControl) == 0 {
			r.Status = Warn
			r.Fix = "the ACL of Package Delivery could not be read: the ACL check and grant_acl need the right to read and change it"
		}
	}
	return r, authFailure(err)
}

// answer describes what an agent showed.
func answer(f observed.AgentFacts) string {
	cred := f.Applied.String()
	if f.AppliedUnknown != "" {
		cred = "unknown (" + f.AppliedUnknown + ")"
	}
	return fmt.Sprintf("answered: credential %s; Full Control: %s", cred, strings.Join(f.FullControl, ", "))
}

// afterRefusal marks every server but the first skipped after a refused
// login on it.
func (st *siteState) afterRefusal(first []Result, by vocab.Host) []Result {
	st.refused = string(by)
	out := append([]Result{}, first...)
	if n := len(st.servers) - 1; n > 0 {
		out = append(out, Result{Status: Skip, Detail: fmt.Sprintf("%s not tried after the login was refused by %s (one attempt per credential)",
			vocab.Count(n, "other server"), by)})
	}
	return out
}

// summarize keeps every warning, failure and skip, and sums up the
// servers that answered when there are many.
func summarize(rs []Result) []Result {
	var pass, other []Result
	for _, r := range rs {
		if r.Status == Pass {
			pass = append(pass, r)
		} else {
			other = append(other, r)
		}
	}
	if len(pass) <= maxPassLines {
		return rs
	}
	sum := Result{Status: Pass, Detail: fmt.Sprintf("%s answered (%s … %s)", vocab.Count(len(pass), "server"), pass[0].Target, pass[len(pass)-1].Target)}
	return append([]Result{sum}, other...)
}
