package daemon

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/itms-tools/reconciler/controller"
	"github.com/itms-tools/reconciler/notify"
	"github.com/itms-tools/reconciler/policy"
)

// settle is how long a policy file must stay quiet before a reload, so an
// editor's write-rename-chmod sequence gives one reload.
const settle = 500 * time.Millisecond

// watchPolicy turns SIGHUP (o.HUP) and changes of the policy file into
// reloads. A policy that does not validate is rejected (logged, audited)
// and the one in force stays. Each reload is bracketed for the service
// manager, one at a time: Reloading, then Ready once the loop has put the
// new policy in force (it signals applied) or once the policy was
// rejected. A reload also rebuilds the notification receivers (alerts).
func watchPolicy(ctx context.Context, o Options, ctl *controller.Controller,
	n ServiceManager, alerts *notify.Notifier, applied <-chan struct{}) <-chan *policy.Policy {
	out := make(chan *policy.Policy)
	changed := watchFile(ctx, o.Logger, o.Policy.File)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-o.HUP:
			case <-changed:
			}
			n.Reloading()
			p, err := policy.Load(o.Policy.File)
			if err != nil {
				ctl.RejectPolicy(o.Policy.File, err)
				n.Ready("policy rejected; the previous one stays in force")
				continue
			}
			reconfigureNotifier(o, alerts, p)
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			select {
			case <-applied:
				n.Ready("policy reloaded; " + readyStatus(ctl.Policy(), ctl.IsLeader()))
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// watchFile signals changes of path. It watches the folder, since editors
// replace files by rename. A watcher that cannot start is logged: SIGHUP
// still reloads.
func watchFile(ctx context.Context, log *slog.Logger, path string) <-chan struct{} {
	out := make(chan struct{}, 1)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Warn("policy file not watched; reload with SIGHUP", "error", err)
		return out
	}
	if err := w.Add(filepath.Dir(path)); err != nil {
		log.Warn("policy file not watched; reload with SIGHUP", "error", err)
		w.Close()
		return out
	}
	go func() {
		defer w.Close()
		var quiet <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-w.Events:
				if filepath.Clean(ev.Name) == filepath.Clean(path) {
					quiet = time.After(settle)
				}
			case err := <-w.Errors:
				log.Warn("policy watcher", "error", err)
			case <-quiet:
				quiet = nil
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}
