//go:build windows

package winsvc

import (
	"testing"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// TestCommandLineMatchesCreateService checks that CommandLine renders what
// mgr.CreateService registers: windows.EscapeArg of the exe and of each
// argument, joined by spaces.
func TestCommandLineMatchesCreateService(t *testing.T) {
	exes := []string{`C:\r\reconciler.exe`, `C:\Program Files\reconciler\reconciler.exe`}
	args := [][]string{
		{"run", "--policy", `C:\Program Data\ITMS reconciler\policy.hcl`},
		{"run", "--log-file", `D:\logs\`, `C:\a b\`, "", `a"b`, `a\\"b c`, "x\ty"},
	}
	for _, exe := range exes {
		for _, a := range args {
			want := windows.EscapeArg(exe)
			for _, x := range a {
				want += " " + windows.EscapeArg(x)
			}
			got, err := CommandLine(exe, a)
			if err != nil || got != want {
				t.Errorf("CommandLine(%q, %q) = %q, %v; CreateService registers %q", exe, a, got, err, want)
			}
		}
	}
}

func TestToSvc(t *testing.T) {
	got := toSvc(Status{State: StateStopPending, CheckPoint: 3, WaitHint: 10 * time.Second})
	if got.State != svc.StopPending || got.CheckPoint != 3 || got.WaitHint != 10000 || got.Accepts != 0 {
		t.Errorf("stop pending: %+v", got)
	}
	if got := toSvc(Status{State: StateRunning}); got.Accepts != svc.AcceptStop|svc.AcceptShutdown {
		t.Errorf("running accepts %v", got.Accepts)
	}
	for in, want := range map[svc.Cmd]Cmd{svc.Stop: CmdStop, svc.Shutdown: CmdShutdown,
		svc.Interrogate: CmdInterrogate, svc.Pause: CmdOther} {
		if got := toCmd(in); got != want {
			t.Errorf("toCmd(%v) = %v, want %v", in, got, want)
		}
	}
}
