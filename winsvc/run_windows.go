//go:build windows

package winsvc

import (
	"context"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
)

// IsService reports whether the SCM started this process. When Windows
// cannot tell, it answers false: the process then runs as a console
// program, where an error is visible.
func IsService() bool {
	ok, err := svc.IsWindowsService()
	return err == nil && ok
}

// OpenEventLog opens the Application event log for source name (the
// service name; Install registers it as a source).
func OpenEventLog(name string) (*eventlog.Log, error) {
	return eventlog.Open(name)
}

var _ Sink = (*eventlog.Log)(nil)

// Run runs run as service name under the SCM (svc.Run) through Serve, and
// returns how it ended once the SCM has been told the service stopped.
func Run(ctx context.Context, name string, run Daemon, opt Options) (Result, error) {
	h := &handler{ctx: ctx, run: run, opt: opt}
	if err := svc.Run(name, h); err != nil {
		return Result{Code: 1}, err
	}
	return h.res, nil
}

// handler adapts Serve to svc.Handler.
type handler struct {
	ctx context.Context
	run Daemon
	opt Options
	res Result
}

// Execute is called by svc.Run; svc.Run reports Stopped, with the exit
// code returned here, once it returns.
func (h *handler) Execute(_ []string, r <-chan svc.ChangeRequest, s chan<- svc.Status) (bool, uint32) {
	cmds := make(chan Cmd)
	quit := make(chan struct{})
	defer close(quit)
	go forward(r, cmds, quit)
	h.res = Serve(h.ctx, cmds, func(st Status) { s <- toSvc(st) }, h.run, h.opt)
	return h.res.ExitCode()
}

// forward turns the SCM's change requests into Cmds until quit closes.
func forward(r <-chan svc.ChangeRequest, cmds chan<- Cmd, quit <-chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case c := <-r:
			select {
			case cmds <- toCmd(c.Cmd):
			case <-quit:
				return
			}
		}
	}
}

func toCmd(c svc.Cmd) Cmd {
	switch c {
	case svc.Interrogate:
		return CmdInterrogate
	case svc.Stop:
		return CmdStop
	case svc.Shutdown:
		return CmdShutdown
	}
	return CmdOther
}

// toSvc converts a Status; a running service accepts stop and shutdown.
func toSvc(st Status) svc.Status {
	out := svc.Status{CheckPoint: st.CheckPoint, WaitHint: uint32(st.WaitHint / time.Millisecond)}
	switch st.State {
	case StateStartPending:
		out.State = svc.StartPending
	case StateRunning:
		out.State = svc.Running
		out.Accepts = svc.AcceptStop | svc.AcceptShutdown
	case StateStopPending:
		out.State = svc.StopPending
	default:
		out.State = svc.Stopped
	}
	return out
}
