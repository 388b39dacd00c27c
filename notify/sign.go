package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	// HeaderTimestamp is the Unix time of the attempt, in decimal seconds.
	HeaderTimestamp = "X-Reconciler-Timestamp"
	// HeaderSignature is "sha256=" and the lower-case hex HMAC-SHA256,
	// keyed with the receiver's secret, of the timestamp header's value, a
	// full stop, and the exact bytes of the body.
	HeaderSignature = "X-Reconciler-Signature"
	// HeaderDelivery is the message ID, the same on every retry: a
	// receiver that remembers the IDs it saw within the tolerance rejects
	// replays of a validly signed request.
	HeaderDelivery = "X-Reconciler-Delivery"
	// HeaderEvent is the event kind, for routing without parsing the body.
	HeaderEvent = "X-Reconciler-Event"
)

// DefaultTolerance is how far a receiver should accept a timestamp from
// its own clock.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrMalformed    = errors.New("missing or malformed timestamp or signature header")
	ErrBadSignature = errors.New("signature does not match")
	ErrStale        = errors.New("timestamp outside the tolerance: an old or replayed request")
)

// Sign returns the signature header value of body sent at timestamp:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver does with a request: check that the signature
// is Sign(secret, timestamp, body), in constant time, and that the
// timestamp is within tolerance of now. Replays inside the tolerance are
// the receiver's to refuse, by remembering HeaderDelivery values.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || !strings.HasPrefix(signature, "sha256=") {
		return ErrMalformed
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}
