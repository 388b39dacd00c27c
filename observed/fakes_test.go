package observed_test

import (
	"context"
	"errors"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// fakeCMDB is a CMDB whose behaviour each test sets through func fields.
type fakeCMDB struct {
	InQuestionFunc func(ctx context.Context, fn func(observed.RawRow) error) error
	ServersFunc    func(ctx context.Context) ([]observed.RawServer, error)
}

var _ observed.CMDB = (*fakeCMDB)(nil)

func (f *fakeCMDB) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	if f.InQuestionFunc == nil {
		return nil
	}
	return f.InQuestionFunc(ctx, fn)
}

func (f *fakeCMDB) Servers(ctx context.Context) ([]observed.RawServer, error) {
	if f.ServersFunc == nil {
		return nil, nil
	}
	return f.ServersFunc(ctx)
}

// rowsCMDB yields rows, then err.
func rowsCMDB(err error, rows ...observed.RawRow) *fakeCMDB {
	return &fakeCMDB{InQuestionFunc: func(_ context.Context, fn func(observed.RawRow) error) error {
		for _, r := range rows {
			if e := fn(r); e != nil {
				return e
			}
		}
		return err
	}}
}

// fakeNS is an NSSource whose behaviour each test sets through func fields.
type fakeNS struct {
	SettingFunc   func(ctx context.Context) (observed.NSState, error)
	SnapshotsFunc func(ctx context.Context, packages []vocab.GUID) ([]observed.Snapshot, error)
}

var _ observed.NSSource = (*fakeNS)(nil)

func (f *fakeNS) Setting(ctx context.Context) (observed.NSState, error) {
	if f.SettingFunc == nil {
		return observed.NSState{}, errors.New("fake NS: no setting")
	}
	return f.SettingFunc(ctx)
}

func (f *fakeNS) Snapshots(ctx context.Context, packages []vocab.GUID) ([]observed.Snapshot, error) {
	if f.SnapshotsFunc == nil {
		return nil, errors.New("fake NS: no snapshots")
	}
	return f.SnapshotsFunc(ctx, packages)
}

// settingNS answers with a fixed setting and every snapshot present at
// version "1".
func settingNS(st observed.NSState) *fakeNS {
	return &fakeNS{
		SettingFunc: func(context.Context) (observed.NSState, error) { return st, nil },
		SnapshotsFunc: func(_ context.Context, pkgs []vocab.GUID) ([]observed.Snapshot, error) {
			out := make([]observed.Snapshot, 0, len(pkgs))
			for _, p := range pkgs {
				out = append(out, observed.Snapshot{Package: p, Present: true, Version: "1"})
			}
			return out, nil
		},
	}
}

// fakeAgents is an AgentSource whose behaviour each test sets.
type fakeAgents struct {
	AgentFunc func(ctx context.Context, server vocab.Host, packages []vocab.GUID) (observed.AgentFacts, error)
}

var _ observed.AgentSource = (*fakeAgents)(nil)

func (f *fakeAgents) Agent(ctx context.Context, server vocab.Host, packages []vocab.GUID) (observed.AgentFacts, error) {
	return f.AgentFunc(ctx, server, packages)
}

// healthyFacts is a healthy agent's answer about the packages asked.
func healthyFacts(server vocab.Host, pkgs []vocab.GUID) observed.AgentFacts {
	f := observed.AgentFacts{
		Server:        server,
		Applied:       acc,
		PolicyVersion: 7,
		FullControl:   []string{"SYSTEM", "Administrators", acc.Account},
	}
	for _, p := range pkgs {
		f.Packages = append(f.Packages, observed.PackageFiles{
			Package: p, SnapshotPresent: true, SnapshotVersion: "1",
			StatusPresent: true, StatusRecorded: vocab.Ready, Local: vocab.LocalReady,
		})
	}
	return f
}

var acc = vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-acc`}

// Fixed identifiers for tests.
var (
	pkgA = vocab.MustGUID("aaaaaaaa-0000-0000-0000-000000000001")
	pkgB = vocab.MustGUID("bbbbbbbb-0000-0000-0000-000000000002")
	pkgC = vocab.MustGUID("cccccccc-0000-0000-0000-000000000003")
	srv1 = vocab.MustGUID("11111111-0000-0000-0000-000000000001")
	srv2 = vocab.MustGUID("22222222-0000-0000-0000-000000000002")
	srv3 = vocab.MustGUID("33333333-0000-0000-0000-000000000003")
)
