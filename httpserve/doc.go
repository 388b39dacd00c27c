// Package httpserve serves the daemon's metrics and health endpoints
// within bounds, so that clients can never starve a pass of the file
// descriptors it needs for the CMDB, WinRM and the journal: timeouts on
// reading a request's header and body, on writing the answer and on idle
// keep-alive connections, a cap on header size, and a cap on connections
// held at once (further ones wait in the kernel's listen queue, costing
// the process nothing).
//
// It owns the listener and the http.Server; what is served (the handler)
// is the caller's.
package httpserve
