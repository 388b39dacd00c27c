package itms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/itms-tools/reconciler/cmdb"
	"github.com/itms-tools/reconciler/failure"
	"github.com/itms-tools/reconciler/observed"
)

// cmdbSource reads the CMDB through the shared query text (package cmdb),
// each query under its own timeout. A read is all or nothing: rows are
// collected first and handed on only once the whole read succeeded. A
// deadlock victim (1205) or NOLOCK data movement (601) reruns the whole read
// once, discarding what the first attempt read; terminal errors (login
// failed, no such database, permission denied) are marked terminal, a
// failed login as a failure.AuthError naming the DSN's login. Before its
// first read the reader checks the schema (a *cmdb.SchemaError: terminal,
// nothing read), and before every read that the database is the primary
// (a *cmdb.ReadOnlyError).
type cmdbSource struct {
	reader  *cmdb.Reader
	timeout time.Duration
	log     *slog.Logger
	logged  atomic.Bool   // the checked schema was logged
	login   failure.Login // the DSN's, for login failures
}

var _ observed.CMDB = (*cmdbSource)(nil)

// InQuestion implements observed.CMDB.
func (c *cmdbSource) InQuestion(ctx context.Context, fn func(observed.RawRow) error) error {
	var rows []observed.RawRow
	err := c.read(ctx, "read CMDB rows in question", func(ctx context.Context) error {
		rows = rows[:0]
		return c.reader.InQuestion(ctx, func(r observed.RawRow) error {
			rows = append(rows, r)
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Servers implements observed.CMDB.
func (c *cmdbSource) Servers(ctx context.Context) ([]observed.RawServer, error) {
	var out []observed.RawServer
	err := c.read(ctx, "list CMDB servers", func(ctx context.Context) error {
		var err error
		out, err = c.reader.Servers(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// read runs one whole read, and once more after a rerun-class error.
func (c *cmdbSource) read(ctx context.Context, what string, attempt func(context.Context) error) error {
	for try := 1; ; try++ {
		err := c.attempt(ctx, attempt)
		if err == nil {
			c.logSchema(ctx)
			return nil
		}
		class, num := classifySQL(err)
		switch {
		case class == sqlTerminal:
			return terminalSQL(what, num, err, c.login)
		case class == sqlRerun && try == 1 && ctx.Err() == nil:
			c.log.Warn("CMDB read interrupted; rerunning it whole", "read", what, "sql_error", num)
			continue
		case class == sqlRerun:
			return fmt.Errorf("%s: SQL Server error %d again on the rerun: %w", what, num, err)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
}

// logSchema logs, once, what the schema check found: the version types
// the queries convert and the helpful indexes that are missing.
func (c *cmdbSource) logSchema(ctx context.Context) {
	if c.logged.Load() {
		return
	}
	s, err := c.reader.Schema(ctx) // checked by the read that just succeeded
	if err != nil || c.logged.Swap(true) {
		return
	}
	c.log.Info("CMDB schema checked", "version_type", s.Version.Type, "package_version_type", s.PackageVersion.Type,
		"status_index", s.Indexes.StatusRange != nil, "indexes", len(s.Indexes.All))
	for _, n := range s.Notes() {
		c.log.Warn("CMDB schema note", "note", n)
	}
}

// attempt runs f under the query timeout.
func (c *cmdbSource) attempt(ctx context.Context, f func(context.Context) error) error {
	qctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := f(qctx)
	if err != nil && ctx.Err() == nil && errors.Is(qctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("query timed out after %s (cmdb query_timeout): %w", c.timeout, err)
	}
	return err
}
