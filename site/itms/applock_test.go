package itms

import (
	"context"
	"database/sql/driver"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/leader"
)

func intRow(v int64) [][]driver.Value { return [][]driver.Value{{v}} }

func acquireStep(rc int64) sqlStep {
	return sqlStep{contains: "EXEC @r = sp_getapplock @Resource = N'reconciler', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;",
		cols: []string{""}, rows: intRow(rc)}
}

func modeStep(mode string) sqlStep {
	return sqlStep{contains: "SELECT APPLOCK_MODE('public', N'reconciler', 'Session');",
		cols: []string{""}, rows: [][]driver.Value{{mode}}}
}

var releaseStep = sqlStep{contains: "EXEC sp_releaseapplock @Resource = N'reconciler', @LockOwner = 'Session';"}

func newTestLock(t *testing.T, steps ...sqlStep) (*fakeSQL, *appLock) {
	f, db := newFakeSQL(t, steps...)
	db.SetMaxIdleConns(0)
	return f, &appLock{db: db, timeout: time.Minute}
}

func TestAppLockSequence(t *testing.T) {
	ctx := context.Background()
	f, l := newTestLock(t, acquireStep(0), modeStep("Exclusive"), releaseStep)
	if ok, err := l.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("TryAcquire = %v, %v", ok, err)
	}
	if ok, err := l.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("second TryAcquire while held = %v, %v", ok, err)
	}
	if err := l.Check(ctx); err != nil {
		t.Fatalf("Check = %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release when not held = %v", err)
	}
	if err := l.Check(ctx); !errors.Is(err, leader.ErrLost) {
		t.Fatalf("Check after release = %v", err)
	}
	want := []string{"CONNECT", "DECLARE @r int = -100;", "PING", "SELECT APPLOCK_MODE('public', N'reconciler', 'Session');",
		"EXEC sp_releaseapplock @Resource = N'reconciler', @LockOwner = 'Session';", "CLOSE"}
	if got := f.statements(); !slices.Equal(got, want) {
		t.Errorf("statements:\n got %q\nwant %q", got, want)
	}
}

func TestAppLockCodes(t *testing.T) {
	tests := []struct {
		rc      int64
		ok      bool
		wantErr string
	}{
		{0, true, ""},
		{1, true, ""},
		{-1, false, ""},
		{-2, false, "returned -2"},
		{-3, false, "returned -3"},
		{-999, false, "returned -999"},
		{notPrimary, false, "the CMDB connection reached a database that is not writable"},
	}
	for _, tc := range tests {
		f, l := newTestLock(t, acquireStep(tc.rc))
		ok, err := l.TryAcquire(context.Background())
		if ok != tc.ok || (tc.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("rc %d: TryAcquire = %v, %v", tc.rc, ok, err)
		}
		if c, _ := failure.Classify(err); tc.rc == notPrimary && c != failure.Terminal {
			t.Errorf("rc %d: class %v, want terminal", tc.rc, c)
		}
		closed := slices.Contains(f.statements(), "CLOSE")
		if closed == tc.ok {
			t.Errorf("rc %d: connection closed = %v; want it kept exactly while held", tc.rc, closed)
		}
	}
}

func TestAppLockCheckLoses(t *testing.T) {
	tests := []struct {
		name    string
		pingErr error
		steps   []sqlStep
		want    string
	}{
		{"session dropped", driver.ErrBadConn, nil, "session"},
		{"lock gone", nil, []sqlStep{modeStep("NoLock")}, `APPLOCK_MODE is "NoLock"`},
		{"query fails", nil, []sqlStep{{contains: "APPLOCK_MODE", err: errors.New("broken pipe")}}, "broken pipe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, l := newTestLock(t, append([]sqlStep{acquireStep(0)}, tc.steps...)...)
			if ok, err := l.TryAcquire(context.Background()); !ok || err != nil {
				t.Fatal(ok, err)
			}
			f.pingErr = tc.pingErr
			err := l.Check(context.Background())
			if !errors.Is(err, leader.ErrLost) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v", err)
			}
			if !slices.Contains(f.statements(), "CLOSE") {
				t.Error("a lost lock's connection was not closed")
			}
			if err := l.Release(); err != nil {
				t.Errorf("Release after loss = %v", err)
			}
		})
	}
}
