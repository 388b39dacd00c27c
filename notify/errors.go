package notify

import (
	"errors"
	"time"
)

// permanentError is a failure that retrying cannot cure.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth a retry: a rejected payload, a refused
// login, a server without the required STARTTLS.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// retryAfterError is a failure whose receiver said when to try again.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e retryAfterError) Error() string { return e.err.Error() }
func (e retryAfterError) Unwrap() error { return e.err }

// RetryAfter marks err with the wait the receiver asked for (HTTP 429 or
// 503 with Retry-After); the backoff waits at least that long, within its
// cap.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfterError{err, d}
}

// retryAfterOf returns the wait err asks for, 0 if none.
func retryAfterOf(err error) time.Duration {
	var r retryAfterError
	if errors.As(err, &r) {
		return r.after
	}
	return 0
}

// backoff is the wait after failed attempt n (1-based): base doubled per
// attempt, at least what the receiver asked for, never above limit.
func backoff(base, limit time.Duration, n int, asked time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = max(d, asked)
	return min(d, limit)
}
