//go:build windows

package winsvc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

// open connects to the SCM and opens the service for full control.
func open(name string) (*mgr.Mgr, *mgr.Service, error) {
	m, err := mgr.Connect()
	if err != nil {
		return nil, nil, mapErr("connect to the service manager", err)
	}
	s, err := m.OpenService(name)
	if err != nil {
		m.Disconnect()
		return nil, nil, mapErr("service "+name, err)
	}
	return m, s, nil
}

// svcState is a status as Wait reports it: its String is the state name.
type svcState struct{ svc.Status }

func (s svcState) String() string { return stateName(s.State) }

// queryState returns a Wait query for s.
func queryState(s *mgr.Service) func() (svcState, error) {
	return func() (svcState, error) {
		st, err := s.Query()
		if err != nil {
			return svcState{}, mapErr("query service "+s.Name, err)
		}
		return svcState{st}, nil
	}
}

// stopAndWait sends Stop unless the service is stopped or already
// stopping, then waits at most timeout for the Stopped state.
func stopAndWait(ctx context.Context, s *mgr.Service, timeout time.Duration) (svc.Status, error) {
	st, err := s.Query()
	if err != nil {
		return st, mapErr("query service "+s.Name, err)
	}
	if st.State == svc.Stopped {
		return st, nil
	}
	if st.State != svc.StopPending {
		_, err := s.Control(svc.Stop)
		if err != nil && !errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
			return st, mapErr("stop service "+s.Name, err)
		}
	}
	got, err := Wait(ctx, pollEvery, timeout, queryState(s), func(x svcState) bool { return x.State == svc.Stopped })
	if err != nil {
		return got.Status, fmt.Errorf("stop service %s: %w", s.Name, err)
	}
	return got.Status, nil
}

// describe builds Info from st and, when readable, the service's config.
func describe(s *mgr.Service, st svc.Status) Info {
	info := Info{
		Name:            s.Name,
		State:           stateName(st.State),
		PID:             st.ProcessId,
		ExitCode:        st.Win32ExitCode,
		ServiceExitCode: st.ServiceSpecificExitCode,
	}
	if c, err := s.Config(); err == nil {
		info.DisplayName = c.DisplayName
		info.CommandLine = c.BinaryPathName
		info.Account = c.ServiceStartName
		info.StartType = startTypeName(c.StartType, c.DelayedAutoStart)
	}
	return info
}

// stateName names an SCM state the way `sc query` does, in lower case.
func stateName(s svc.State) string {
	switch s {
	case svc.Stopped:
		return "stopped"
	case svc.StartPending:
		return "start pending"
	case svc.StopPending:
		return "stop pending"
	case svc.Running:
		return "running"
	case svc.ContinuePending:
		return "continue pending"
	case svc.PausePending:
		return "pause pending"
	case svc.Paused:
		return "paused"
	}
	return fmt.Sprintf("state %d", uint32(s))
}

// startTypeName names a start type as services.msc does.
func startTypeName(t uint32, delayed bool) string {
	switch t {
	case mgr.StartAutomatic:
		if delayed {
			return "automatic (delayed start)"
		}
		return "automatic"
	case mgr.StartManual:
		return "manual"
	case mgr.StartDisabled:
		return "disabled"
	}
	return fmt.Sprintf("start type %d", t)
}

// mapErr wraps err with what was being done, and with ErrExists,
// ErrNotInstalled or ErrAccessDenied when Windows said so.
func mapErr(doing string, err error) error {
	switch {
	case errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST):
		return fmt.Errorf("%s: %w", doing, ErrNotInstalled)
	case errors.Is(err, windows.ERROR_SERVICE_EXISTS):
		return fmt.Errorf("%s: %w", doing, ErrExists)
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return fmt.Errorf("%s: %w", doing, ErrAccessDenied)
	case errors.Is(err, windows.ERROR_SERVICE_MARKED_FOR_DELETE):
		return fmt.Errorf("%s: marked for deletion; close services.msc and Event Viewer, or reboot, then retry: %w", doing, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
