//go:build windows

package httpserve

import (
	"errors"
	"syscall"

	"golang.org/x/sys/windows"
)

func addrInUse(err error) bool {
	return errors.Is(err, windows.WSAEADDRINUSE) || errors.Is(err, syscall.EADDRINUSE)
}
