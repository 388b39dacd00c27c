// Package observed owns the observed state of a site: what the CMDB, the NS
// and the package servers' agents say right now. It reads them through small
// interfaces that drivers implement (CMDB, NSSource, AgentSource), validates
// every untrusted value, and keeps the result in tables keyed by server and
// package, in order (schema.go).
//
// It must not decide what to do about what it sees (that is the planner's
// job in package actions) and must not change the site.
package observed
