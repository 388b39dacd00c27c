package itms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// failed, no such database, permission denied) are marked terminal.
type cmdbSource struct {
	reader  *cmdb.Reader
	timeout time.Duration
	log     *slog.Logger
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
			return nil
		}
		class, num := classifySQL(err)
		switch {
		case class == sqlTerminal:
			return loginFailure(terminalSQL(what, num, err), num, c.login)
		case class == sqlRerun && try == 1 && ctx.Err() == nil:
			c.log.Warn("CMDB read interrupted; rerunning it whole", "read", what, "sql_error", num)
			continue
		case class == sqlRerun:
			return fmt.Errorf("%s: SQL Server error %d again on the rerun: %w", what, num, err)
		}
		return fmt.Errorf("%s: %w", what, err)
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
