// Package policy owns policy.hcl: decoding it with hashicorp/hcl/v2,
// validating every value (cron specs with robfig/cron/v3, durations, action
// kinds, globs, time zones), reporting every problem with file:line:col, and
// converting the result into the plain domain values of Policy.
//
// HCL structs stay inside this package. It must not act on a site, open a
// network connection or read secrets: it records where secrets come from
// (an environment variable, a file) and leaves reading them to the driver.
package policy
