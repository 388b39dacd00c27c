package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long a policy file must stay quiet before a reload, so an
// editor's write-rename-chmod sequence gives one reload.
const settle = 500 * time.Millisecond

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
