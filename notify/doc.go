// Package notify tells a person when the reconciler needs one: the breaker
// tripped, an approval waits, the CMDB has been unreadable for a while, the
// journal cannot be written, a policy change was rejected, a server
// stalled. It owns the events, their deduplication (each incident is sent
// once until it resolves, then its resolution once), the receivers
// (generic signed webhook, Microsoft Teams Workflows, Slack incoming
// webhooks, email over SMTP), and their delivery: a bounded queue and one
// worker per receiver, a rate limit, retries with exponential backoff, and
// a journal record for every outcome.
//
// The controller only calls Notify, which never blocks: a dead or slow
// receiver fills its own queue (the oldest event of the lowest severity is
// dropped and counted) and never delays a pass or another receiver.
//
// It must not decide anything about the estate (the controller says what
// happened), read the wall clock (time comes from package clock), or let a
// secret (a signing key, an SMTP password, a webhook URL that carries a
// token) reach an error, a log or the journal. It imports nothing of the
// project but clock.
package notify
