package httpserve

import "errors"

// ErrInUse is wrapped by Start's error when another process listens on
// the address already.
var ErrInUse = errors.New("address in use")
