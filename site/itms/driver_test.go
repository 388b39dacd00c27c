package itms

import "github.com/itms-tools/reconciler/actions/apply"

// The site is the executor's driver; the check lives in a test so that the
// driver imports only the vocabulary of plans, not the executor.
var _ apply.Driver = (*Site)(nil)
