package itms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/leader"
)

// The leader lock is a SQL Server application lock owned by a session:
// it lives exactly as long as that session, so a crashed or partitioned
// controller loses it when SQL Server drops its connection. It is taken
// only on a writable database: on an availability group's secondary the
// lock would live in that replica alone, where a reconciler connected to
// the primary would never see it (notPrimary is then returned instead).
const (
	lockResource = "reconciler"
	notPrimary   = -100
	acquireSQL   = `DECLARE @r int = -100;
IF CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS NVARCHAR(128)) = N'READ_WRITE'
    EXEC @r = sp_getapplock @Resource = N'reconciler', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;
SELECT @r;`
	checkSQL   = `SELECT APPLOCK_MODE('public', N'reconciler', 'Session');`
	releaseSQL = `EXEC sp_releaseapplock @Resource = N'reconciler', @LockOwner = 'Session';`
)

// appLock implements leader.Lock with sp_getapplock on one dedicated
// connection (db.Conn), kept open while leader. db must not pool idle
// connections (SetMaxIdleConns(0)), so that closing the dedicated
// connection ends the session and with it the lock.
type appLock struct {
	db      *sql.DB
	timeout time.Duration // per statement
	login   failure.Login // the DSN's, for login failures

	mu   sync.Mutex
	conn *sql.Conn // non-nil while held
}

var _ leader.Lock = (*appLock)(nil)

// TryAcquire takes the lock without waiting: sp_getapplock returns 0 or 1
// when granted and -1 when another session holds it; other codes
// (-2 cancelled, -3 deadlock victim, -999 parameter error) are errors, and
// notPrimary (the database is not writable) a terminal one.
func (l *appLock) TryAcquire(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	conn, err := l.db.Conn(ctx)
	if err != nil {
		if class, num := classifySQL(err); class == sqlTerminal {
			return false, terminalSQL("leader lock: connect", num, err, l.login)
		}
		return false, fmt.Errorf("leader lock: connect: %w", err)
	}
	var rc int
	if err := conn.QueryRowContext(ctx, acquireSQL).Scan(&rc); err != nil {
		conn.Close()
		return false, fmt.Errorf("leader lock: sp_getapplock: %w", err)
	}
	switch {
	case rc >= 0:
		l.conn = conn
		return true, nil
	case rc == -1:
		conn.Close()
		return false, nil
	case rc == notPrimary:
		conn.Close()
		return false, fmt.Errorf("leader lock: %w", &cmdb.ReadOnlyError{Updateability: "not READ_WRITE"})
	}
	conn.Close()
	return false, fmt.Errorf("leader lock: sp_getapplock returned %d", rc)
}

// Check pings the lock's session and asks SQL Server whether it still
// holds the lock; any doubt drops the connection and reports ErrLost.
func (l *appLock) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return leader.ErrLost
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	if err := l.conn.PingContext(ctx); err != nil {
		l.drop()
		return fmt.Errorf("%w: session: %v", leader.ErrLost, err)
	}
	var mode sql.NullString
	if err := l.conn.QueryRowContext(ctx, checkSQL).Scan(&mode); err != nil {
		l.drop()
		return fmt.Errorf("%w: APPLOCK_MODE: %v", leader.ErrLost, err)
	}
	if mode.String != "Exclusive" {
		l.drop()
		return fmt.Errorf("%w: APPLOCK_MODE is %q", leader.ErrLost, mode.String)
	}
	return nil
}

// Release gives the lock up and closes its session; a lock not held is a
// no-op. Closing the session releases the lock even if the explicit
// release fails.
func (l *appLock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	_, err := l.conn.ExecContext(ctx, releaseSQL)
	cerr := l.drop()
	if err != nil {
		return fmt.Errorf("leader lock: sp_releaseapplock: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("leader lock: close session: %w", cerr)
	}
	return nil
}

// drop closes the dedicated connection; the caller holds mu.
func (l *appLock) drop() error {
	c := l.conn
	l.conn = nil
	if err := c.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return err
	}
	return nil
}

// String names the lock.
func (l *appLock) String() string {
	return "SQL Server application lock N'" + lockResource + "' (sp_getapplock, session owner)"
}
