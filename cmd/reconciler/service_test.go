package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/winsvc"
)

// fakeManager records what the service command asks of the SCM.
type fakeManager struct {
	installed []winsvc.Config
	calls     []string // "verb timeout"
	info      winsvc.Info
	err       error
}

var _ serviceManager = (*fakeManager)(nil)

func (f *fakeManager) Install(cfg winsvc.Config) (string, error) {
	f.installed = append(f.installed, cfg)
	if f.err != nil {
		return "", f.err
	}
	return winsvc.CommandLine(cfg.Exe, cfg.Args)
}

func (f *fakeManager) call(verb string, d time.Duration) {
	f.calls = append(f.calls, verb+" "+d.String())
}

func (f *fakeManager) Uninstall(_ context.Context, _ string, d time.Duration) error {
	f.call("uninstall", d)
	return f.err
}

func (f *fakeManager) Start(_ context.Context, _ string, d time.Duration) (winsvc.Info, error) {
	f.call("start", d)
	return f.info, f.err
}

func (f *fakeManager) Stop(_ context.Context, _ string, d time.Duration) (winsvc.Info, error) {
	f.call("stop", d)
	return f.info, f.err
}

func (f *fakeManager) Status(string) (winsvc.Info, error) {
	f.call("status", 0)
	return f.info, f.err
}

// serviceEnv returns an env writing to buffers, with vars as environment.
func serviceEnv(vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] },
		isTerminal: func(io.Writer) bool { return false }}, &stdout, &stderr
}

func TestServiceOutsideWindows(t *testing.T) {
	e, stdout, stderr := serviceEnv(nil)
	if code := runService(t.Context(), e, []string{"install"}, serviceDeps{}); code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "systemd unit") ||
		!strings.Contains(stderr.String(), "deploy/systemd/README.md") {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	if runtime.GOOS == "windows" {
		return
	}
	// Through the real command table, as a Linux admin would type it.
	e, _, stderr = serviceEnv(nil)
	if code := run(t.Context(), e, []string{"service", "status"}); code != exitError || stderr.String() != notWindows {
		t.Errorf("reconciler service status: exit %d, stderr %q", code, stderr)
	}
}

// TestServiceCommandLine checks the command line the SCM would register
// for the flags of install, on Windows paths.
func TestServiceCommandLine(t *testing.T) {
	tests := []struct {
		name                     string
		exe, policy, log, loglvl string
		want                     string
	}{
		{name: "plain", exe: `C:\reconciler\reconciler.exe`, policy: `C:\ProgramData\reconciler\policy.hcl`,
			want: `C:\reconciler\reconciler.exe run --policy C:\ProgramData\reconciler\policy.hcl`},
		{name: "spaces everywhere", exe: `C:\Program Files\reconciler\reconciler.exe`,
			policy: `C:\ProgramData\ITMS reconciler\policy.hcl`, log: `D:\Log Files\reconciler.jsonl`,
			want: `"C:\Program Files\reconciler\reconciler.exe" run --policy "C:\ProgramData\ITMS reconciler\policy.hcl"` +
				` --log-file "D:\Log Files\reconciler.jsonl"`},
		{name: "log level", exe: `C:\r\reconciler.exe`, policy: `C:\r\policy.hcl`, loglvl: "debug",
			want: `C:\r\reconciler.exe run --policy C:\r\policy.hcl --log-level debug`},
		{name: "UNC policy share", exe: `C:\r\reconciler.exe`, policy: `\\fs01\ITMS config\policy.hcl`,
			want: `C:\r\reconciler.exe run --policy "\\fs01\ITMS config\policy.hcl"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := winsvc.CommandLine(tt.exe, serviceRunArgs(tt.policy, tt.log, tt.loglvl))
			if err != nil || got != tt.want {
				t.Errorf("command line\n  %s (%v)\nwant\n  %s", got, err, tt.want)
			}
		})
	}
}

func TestParseInstall(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    installOptions
		wantErr error
	}{
		{name: "defaults", want: installOptions{policy: "policy.hcl"}},
		{name: "all flags", args: []string{"--policy", `p.hcl`, "--log-file=r.jsonl", "--log-level", "warn",
			"--account", `CORP\svc-reconciler`, "--password-env", "RECONCILER_SVC_PASSWORD"},
			want: installOptions{policy: "p.hcl", logFile: "r.jsonl", logLevel: "warn",
				account: `CORP\svc-reconciler`, passwordEnv: "RECONCILER_SVC_PASSWORD"}},
		{name: "log level given as the default is kept", args: []string{"-log-level=info"},
			want: installOptions{policy: "policy.hcl", logLevel: "info"}},
		{name: "unknown flag", args: []string{"--password", "hunter2"}, wantErr: errFlags},
		{name: "help", args: []string{"-h"}, wantErr: flag.ErrHelp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, _ := serviceEnv(nil)
			got, err := parseInstall(e, tt.args)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	e, _, _ := serviceEnv(nil)
	if _, err := parseInstall(e, []string{"extra"}); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("positional argument: %v", err)
	}
	if _, err := parseInstall(e, []string{"--log-level", "loud"}); err == nil || !strings.Contains(err.Error(), "want debug, info") {
		t.Errorf("bad log level: %v", err)
	}
}

func TestServiceCredentials(t *testing.T) {
	env := map[string]string{"PW": "s3cret", "EMPTY": ""}
	tests := []struct {
		account, pwEnv string
		want           string
		errHas         string
	}{
		{account: "", want: ""},
		{account: `NT AUTHORITY\NetworkService`, want: ""},
		{account: `nt service\reconciler`, want: ""},
		{account: `CORP\gmsa-reconciler$`, want: ""},
		{account: "LocalSystem", want: ""},
		{account: `CORP\svc-reconciler`, pwEnv: "PW", want: "s3cret"},
		{account: `.\reconciler`, pwEnv: "PW", want: "s3cret"},
		{account: `CORP\svc-reconciler`, errHas: "needs a password"},
		{account: `CORP\svc-reconciler`, pwEnv: "EMPTY", errHas: "empty or unset"},
		{account: `CORP\svc-reconciler`, pwEnv: "MISSING", errHas: "empty or unset"},
		{pwEnv: "PW", errHas: "without --account"},
		{account: `CORP\gmsa$`, pwEnv: "PW", errHas: "takes no password"},
	}
	for _, tt := range tests {
		got, err := serviceCredentials(installOptions{account: tt.account, passwordEnv: tt.pwEnv},
			func(k string) string { return env[k] })
		if tt.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("%q/%q: err %v, want %q", tt.account, tt.pwEnv, err, tt.errHas)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the password: %v", err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q/%q: got %q, %v", tt.account, tt.pwEnv, got, err)
		}
	}
}

func TestUnderDir(t *testing.T) {
	sep := string(filepath.Separator)
	tmp := sep + filepath.Join("tmp", "Go-Build")
	for path, want := range map[string]bool{
		filepath.Join(tmp, "b001", "exe", "reconciler"): true,
		filepath.Join(strings.ToLower(tmp), "x"):        true,
		tmp:                                             true,
		tmp + "2" + sep + "reconciler":                  false,
		sep + filepath.Join("usr", "local", "bin", "reconciler"): false,
	} {
		if got := underDir(path, tmp); got != want {
			t.Errorf("underDir(%q, %q) = %v, want %v", path, tmp, got, want)
		}
	}
	if underDir("/anything", "") {
		t.Error("empty temp dir matched")
	}
}

func TestTakeLogFile(t *testing.T) {
	tests := []struct {
		args, rest []string
		logFile    string
		bad        bool
	}{
		{args: []string{"run", "--policy", "p.hcl"}, rest: []string{"run", "--policy", "p.hcl"}},
		{args: []string{"run", "--policy", "p.hcl", "--log-file", `C:\l b\r.jsonl`},
			rest: []string{"run", "--policy", "p.hcl"}, logFile: `C:\l b\r.jsonl`},
		{args: []string{"run", "-log-file=r.jsonl", "--once"}, rest: []string{"run", "--once"}, logFile: "r.jsonl"},
		{args: []string{"run", "--", "--log-file", "x"}, rest: []string{"run", "--", "--log-file", "x"}},
		{args: []string{"run", "--log-files", "x"}, rest: []string{"run", "--log-files", "x"}},
		{args: []string{"run", "--log-file"}, bad: true},
		{args: []string{"run", "--log-file="}, bad: true},
	}
	for _, tt := range tests {
		rest, lf, err := takeLogFile(tt.args)
		if tt.bad {
			if err == nil {
				t.Errorf("takeLogFile(%q): no error", tt.args)
			}
			continue
		}
		if err != nil || lf != tt.logFile || !slices.Equal(rest, tt.rest) {
			t.Errorf("takeLogFile(%q) = %q, %q, %v", tt.args, rest, lf, err)
		}
	}
}

// installFixture is a policy file and an executable path in a temp folder,
// and deps that install through m from there.
type installFixture struct {
	dir, policy, exe string
}

func newInstallFixture(t *testing.T) installFixture {
	t.Helper()
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.hcl")
	if err := os.WriteFile(policy, []byte("mode = \"dry-run\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return installFixture{dir: dir, policy: policy, exe: filepath.Join(dir, "bin dir", "reconciler.exe")}
}

func (f installFixture) deps(m *fakeManager) serviceDeps {
	return serviceDeps{mgr: m, executable: func() (string, error) { return f.exe, nil }, tempDir: filepath.Join(f.dir, "tmp")}
}

func TestServiceInstall(t *testing.T) {
	f := newInstallFixture(t)
	m := &fakeManager{}
	e, stdout, stderr := serviceEnv(map[string]string{"SVC_PW": "s3cret"})
	code := runService(t.Context(), e, []string{"install", "--policy", f.policy, "--log-file", "logs/r.jsonl",
		"--account", `CORP\svc-reconciler`, "--password-env", "SVC_PW"}, f.deps(m))
	if code != exitOK || len(m.installed) != 1 {
		t.Fatalf("exit %d, %d installs, stderr %q", code, len(m.installed), stderr)
	}
	cfg := m.installed[0]
	cwd, _ := os.Getwd()
	wantArgs := []string{"run", "--policy", f.policy, "--log-file", filepath.Join(cwd, "logs", "r.jsonl")}
	if cfg.Name != "reconciler" || cfg.DisplayName != "ITMS Package Server reconciler" ||
		!strings.Contains(cfg.Description, "KB 179719") || cfg.Exe != f.exe || !slices.Equal(cfg.Args, wantArgs) ||
		cfg.Account != `CORP\svc-reconciler` || cfg.Password != "s3cret" || cfg.RestartAfter != time.Minute {
		t.Errorf("config %+v", cfg)
	}
	out := stdout.String()
	if strings.Contains(out+stderr.String(), "s3cret") {
		t.Errorf("password printed:\n%s", out)
	}
	for _, want := range []string{`installed service "reconciler"`, `"` + f.exe + `" run --policy`,
		"Log on as a service", "next: reconciler service start"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestServiceInstallRelativePolicy(t *testing.T) {
	f := newInstallFixture(t)
	t.Chdir(f.dir)
	m := &fakeManager{}
	e, _, stderr := serviceEnv(nil)
	if code := runService(t.Context(), e, []string{"install"}, f.deps(m)); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := m.installed[0].Args; !slices.Equal(got, []string{"run", "--policy", f.policy}) {
		t.Errorf("args %q", got)
	}
}

func TestServiceInstallRefuses(t *testing.T) {
	f := newInstallFixture(t)
	policy := []string{"install", "--policy", f.policy}
	tests := []struct {
		name   string
		args   []string
		deps   func(*fakeManager) serviceDeps
		mgrErr error
		stderr string
	}{
		{name: "already installed", args: policy, mgrErr: winsvc.ErrExists,
			stderr: `service "reconciler" is already installed; 'reconciler service status' shows its command line`},
		{name: "access denied", args: policy, mgrErr: winsvc.ErrAccessDenied, stderr: "elevated prompt"},
		{name: "missing policy", args: []string{"install", "--policy", filepath.Join(f.dir, "nope.hcl")},
			stderr: "not a policy file"},
		{name: "policy is a folder", args: []string{"install", "--policy", f.dir}, stderr: "not a policy file"},
		{name: "go run binary", args: policy, stderr: "temporary folder", deps: func(m *fakeManager) serviceDeps {
			return serviceDeps{mgr: m, tempDir: f.dir, executable: func() (string, error) { return f.exe, nil }}
		}},
		{name: "no executable", args: policy, stderr: "find this program's path", deps: func(m *fakeManager) serviceDeps {
			return serviceDeps{mgr: m, executable: func() (string, error) { return "", errors.New("gone") }}
		}},
		{name: "account without password", args: append(policy, "--account", `CORP\u`), stderr: "needs a password"},
		{name: "password on the command line", args: []string{"install", "--password", "x"},
			stderr: "flag provided but not defined: -password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &fakeManager{err: tt.mgrErr}
			d := f.deps(m)
			if tt.deps != nil {
				d = tt.deps(m)
			}
			e, _, stderr := serviceEnv(nil)
			if code := runService(t.Context(), e, tt.args, d); code != exitError {
				t.Errorf("exit %d", code)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want %q", stderr, tt.stderr)
			}
			if tt.mgrErr == nil && len(m.installed) != 0 {
				t.Errorf("installed despite the error")
			}
		})
	}
}

func TestServiceControl(t *testing.T) {
	running := winsvc.Info{Name: "reconciler", DisplayName: serviceDisplayName, State: "running", PID: 4242,
		StartType: "automatic (delayed start)", Account: `CORP\gmsa$`,
		CommandLine: `"C:\Program Files\reconciler\reconciler.exe" run --policy C:\ProgramData\reconciler\policy.hcl`}
	tests := []struct {
		name   string
		args   []string
		info   winsvc.Info
		err    error
		code   int
		call   string
		stdout []string
		stderr string
	}{
		{name: "status", args: []string{"status"}, info: running, call: "status 0s",
			stdout: []string{"state:        running, pid 4242", "start type:   automatic (delayed start)",
				`account:      CORP\gmsa$`, `command line: "C:\Program Files\reconciler\reconciler.exe" run`}},
		{name: "start", args: []string{"start"}, info: running, call: "start 2m30s", stdout: []string{"running"}},
		{name: "stop with timeout", args: []string{"stop", "--timeout", "30s"},
			info: winsvc.Info{Name: "reconciler", State: "stopped"}, call: "stop 30s",
			stdout: []string{"state:        stopped", "account:      LocalSystem"}},
		{name: "stop too slow", args: []string{"stop"}, info: winsvc.Info{Name: "reconciler", State: "stop pending"},
			err: winsvc.ErrTimeout, code: exitError, call: "stop 2m0s", stdout: []string{"stop pending"},
			stderr: "service stop: timed out"},
		{name: "start fails at once", args: []string{"start"},
			info: winsvc.Info{Name: "reconciler", State: "stopped", ExitCode: 1066, ServiceExitCode: 1},
			err:  errors.New("stopped right after starting"), code: exitError, call: "start 2m30s",
			stdout: []string{"last exit code 1066 (service code 1)"}, stderr: "stopped right after starting"},
		{name: "uninstall", args: []string{"uninstall"}, call: "uninstall 2m0s",
			stdout: []string{`uninstalled service "reconciler"; the policy, journal and logs are left in place`}},
		{name: "not installed", args: []string{"status"}, err: winsvc.ErrNotInstalled, code: exitError,
			call: "status 0s", stderr: `service "reconciler" is not installed`},
		{name: "status takes no timeout", args: []string{"status", "--timeout", "1s"}, code: exitError,
			stderr: "flag provided but not defined"},
		{name: "unknown verb", args: []string{"restart"}, code: exitError, stderr: `unknown verb "restart"`},
		{name: "no verb", args: nil, code: exitError, stderr: "usage: reconciler service VERB"},
		{name: "help", args: []string{"-h"}, code: exitOK, stderr: "usage: reconciler service VERB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &fakeManager{info: tt.info, err: tt.err}
			e, stdout, stderr := serviceEnv(nil)
			if code := runService(t.Context(), e, tt.args, serviceDeps{mgr: m}); code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if got := strings.Join(m.calls, ","); got != tt.call {
				t.Errorf("calls %q, want %q", got, tt.call)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want %q", stderr, tt.stderr)
			}
		})
	}
}
