//go:build windows

package httpserve

// fdLimit is 0 on Windows: handles have no per-process limit to share.
func fdLimit() uint64 { return 0 }
