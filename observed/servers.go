package observed

import (
	"context"
	"errors"
	"fmt"
)

// ListServers adds the CMDB's server list to an Observation that ReadSite
// read without it (the planner asks for it only when every server must be
// looked at). A failure sets CMDBErr: the pass then plans nothing.
func (o *Observer) ListServers(ctx context.Context, obs *Observation) {
	if obs.CMDBErr != nil || obs.ServersListed {
		return
	}
	if o.CMDB == nil {
		obs.CMDBErr = errors.New("list CMDB servers: no CMDB source")
		return
	}
	raw, err := call(ctx, 0, nil, func(ctx context.Context) ([]RawServer, error) {
		return o.CMDB.Servers(ctx)
	})
	if err != nil {
		obs.CMDBErr = fmt.Errorf("list CMDB servers: %w", err)
		o.log().Warn("CMDB server list not read; nothing will be planned", "error", err)
		return
	}
	listed, err := o.addServers(obs, raw)
	if err != nil {
		obs.CMDBErr = err
		return
	}
	o.logConflicts(listed, true)
}
