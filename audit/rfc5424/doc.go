// Package rfc5424 forwards audit journal records to a syslog collector
// (a SIEM's syslog input, rsyslog, syslog-ng) as RFC 5424 messages, over
// UDP (RFC 5426), TCP with octet-counting framing (RFC 6587) or a local
// datagram socket such as /dev/log.
//
// Each message carries one record: MSGID is the record type, the message
// is the record's JSON as the journal stores it (hash included, so a
// collector can check it against the chain), prefixed with the UTF-8 BOM
// as RFC 5424 asks for UTF-8 text. Secrets are scrubbed again before a
// record leaves the process.
//
// Forwarding must never hold up the daemon: Send only queues (a bounded
// queue; a full queue drops the record and counts it), one goroutine
// writes with deadlines, and a collector that cannot be reached is
// retried with backoff while records are dropped and counted. The
// journal stays the record of truth; the forwarder is a copy.
//
// It owns the message format and the sender; it decides nothing about
// what is recorded.
package rfc5424
