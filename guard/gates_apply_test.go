package guard

import "github.com/itms-tools/reconciler/actions/apply"

// The gates are the executor's; the check lives in a test so that guard
// imports only the vocabulary of plans, not the executor.
var _ apply.Gates = (*Gates)(nil)
