//go:build windows

package winsvc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// pollEvery is how often Start, Stop and Uninstall ask the SCM for the
// state while they wait for it.
const pollEvery = 500 * time.Millisecond

// Manager registers and controls services through the SCM of this machine.
// The zero value is ready to use.
type Manager struct{}

// Install registers cfg as an automatic (delayed start) service with
// restart-on-failure recovery and an event-log source of the same name.
// It refuses with ErrExists if the name is taken. On any failure after
// the service was created it deletes it again. It returns the command line
// the SCM stored.
func (Manager) Install(cfg Config) (string, error) {
	m, err := mgr.Connect()
	if err != nil {
		return "", mapErr("connect to the service manager", err)
	}
	defer m.Disconnect()
	if s, err := m.OpenService(cfg.Name); err == nil {
		s.Close()
		return "", fmt.Errorf("service %q: %w", cfg.Name, ErrExists)
	}
	s, err := m.CreateService(cfg.Name, cfg.Exe, mgr.Config{
		StartType:        mgr.StartAutomatic,
		DelayedAutoStart: true,
		ErrorControl:     mgr.ErrorNormal,
		DisplayName:      cfg.DisplayName,
		Description:      cfg.Description,
		ServiceStartName: cfg.Account,
		Password:         cfg.Password,
		SidType:          windows.SERVICE_SID_TYPE_UNRESTRICTED,
	}, cfg.Args...)
	if err != nil {
		return "", mapErr("create service "+cfg.Name, err)
	}
	defer s.Close()
	if err := configure(s, cfg); err != nil {
		if derr := s.Delete(); derr != nil {
			err = errors.Join(err, fmt.Errorf("roll back: delete service: %w", derr))
		}
		return "", err
	}
	got, err := s.Config()
	if err != nil {
		return "", mapErr("read back service config", err)
	}
	return got.BinaryPathName, nil
}

// configure sets the recovery actions and the event-log source of a
// service just created.
func configure(s *mgr.Service, cfg Config) error {
	restart := mgr.RecoveryAction{Type: mgr.ServiceRestart, Delay: cfg.RestartAfter}
	reset := uint32(cfg.ResetAfter / time.Second)
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{restart, restart, restart}, reset); err != nil {
		return mapErr("set recovery actions", err)
	}
	// A daemon that exits with an error code, not only one that crashes,
	// counts as a failure and is restarted.
	if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return mapErr("set recovery on non-crash failures", err)
	}
	// A source left behind by an earlier install of the same service
	// would make InstallAsEventCreate fail; the service itself is absent
	// (checked above), so the source is ours to replace.
	_ = eventlog.Remove(cfg.Name)
	if err := eventlog.InstallAsEventCreate(cfg.Name, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil {
		return mapErr("register event log source "+cfg.Name, err)
	}
	return nil
}

// Uninstall stops the service if it runs (waiting at most timeout), deletes
// it and removes its event-log source.
func (Manager) Uninstall(ctx context.Context, name string, timeout time.Duration) error {
	m, s, err := open(name)
	if err != nil {
		return err
	}
	defer m.Disconnect()
	defer s.Close()
	if _, err := stopAndWait(ctx, s, timeout); err != nil {
		return err
	}
	if err := s.Delete(); err != nil {
		return mapErr("delete service "+name, err)
	}
	if err := eventlog.Remove(name); err != nil && !errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return fmt.Errorf("service deleted; remove event log source %s: %w", name, err)
	}
	return nil
}

// Start starts the service and waits at most timeout for it to run. A
// service that stops again at once is an error that carries its exit code.
func (Manager) Start(ctx context.Context, name string, timeout time.Duration) (Info, error) {
	m, s, err := open(name)
	if err != nil {
		return Info{}, err
	}
	defer m.Disconnect()
	defer s.Close()
	if err := s.Start(); err != nil && !errors.Is(err, windows.ERROR_SERVICE_ALREADY_RUNNING) {
		return Info{}, mapErr("start service "+name, err)
	}
	st, err := Wait(ctx, pollEvery, timeout, queryState(s), func(st svcState) bool {
		return st.State == svc.Running || st.State == svc.Stopped
	})
	info := describe(s, st.Status)
	if err != nil {
		return info, fmt.Errorf("start service %s: %w", name, err)
	}
	if st.State == svc.Stopped {
		return info, fmt.Errorf("service %s stopped right after starting (exit code %d, service code %d): see the event log",
			name, info.ExitCode, info.ServiceExitCode)
	}
	return info, nil
}

// Stop asks the service to stop and waits at most timeout for the
// Stopped state. Stopping a stopped service is not an error.
func (Manager) Stop(ctx context.Context, name string, timeout time.Duration) (Info, error) {
	m, s, err := open(name)
	if err != nil {
		return Info{}, err
	}
	defer m.Disconnect()
	defer s.Close()
	st, err := stopAndWait(ctx, s, timeout)
	return describe(s, st), err
}

// Status reports the service's state and configuration. It asks only for
// query rights, so that it works from a prompt that is not elevated.
func (Manager) Status(name string) (Info, error) {
	h, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT)
	if err != nil {
		return Info{}, mapErr("connect to the service manager", err)
	}
	m := &mgr.Mgr{Handle: h}
	defer m.Disconnect()
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return Info{}, err
	}
	sh, err := windows.OpenService(h, p, windows.SERVICE_QUERY_STATUS|windows.SERVICE_QUERY_CONFIG)
	if err != nil {
		return Info{}, mapErr("service "+name, err)
	}
	s := &mgr.Service{Name: name, Handle: sh}
	defer s.Close()
	st, err := s.Query()
	if err != nil {
		return Info{}, mapErr("query service "+name, err)
	}
	return describe(s, st), nil
}
