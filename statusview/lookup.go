package statusview

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/itms-tools/reconciler/audit"
	"github.com/itms-tools/reconciler/auditview"
	"github.com/itms-tools/reconciler/health"
	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/suggest"
	"github.com/itms-tools/reconciler/vocab"
)

// Find builds the view of the server named (case-insensitively) from a
// survey's report and observation. The name is checked first: an
// ill-formed host name, or one the report does not hold (with the closest
// it holds as a hint), is an error.
func Find(rep health.Report, obs *observed.Observation, name string) (ServerView, error) {
	host, err := vocab.ParseHost(name)
	if err != nil {
		return ServerView{}, err
	}
	var names []string
	for _, s := range rep.Servers {
		names = append(names, string(s.Name))
		if !strings.EqualFold(string(s.Name), string(host)) {
			continue
		}
		v := ServerView{Health: s, Files: map[vocab.GUID]observed.PackageFiles{}}
		if a, ok := obs.Agent(s.Name); ok {
			v.Agent = &a
		}
		v.Pairs = obs.PairsOf(s.Name)
		for _, f := range obs.FilesOf(s.Name) {
			v.Files[f.Package] = f
		}
		return v, nil
	}
	return ServerView{}, fmt.Errorf("%s is not a package server in scope (%s seen)%s",
		vocab.Clip(name), vocab.Count(len(names), "server"), suggest.Hint(name, names))
}

// History returns the server's last max journal rows (with the NS actions
// that served it), oldest first, and how many rows concern it in all. A
// journal that does not exist yet has none.
func History(path string, server string, max int) ([]auditview.Row, int, error) {
	var last []auditview.Row
	total := 0
	err := auditview.Select(path, audit.Query{Server: server}, func(r auditview.Row) error {
		if r.Kind == "" {
			return nil
		}
		total++
		last = append(last, r)
		if len(last) > max {
			last = last[1:]
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	return last, total, err
}
