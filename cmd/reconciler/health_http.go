package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/itms-tools/reconciler/controller"
)

// healthz is /healthz: 200 while the daemon can do its job, 503 while the
// journal it writes cannot be written (a full disk, an I/O error, the file
// or its lock replaced), since it then acts on nothing. A follower, which
// writes no journal, is healthy.
func healthz(ctl *controller.Controller) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if !journalHealthy(w, ctl) {
			return
		}
		w.Write([]byte("ok\n"))
	}
}

// readyz is /readyz: healthz, and an observation has succeeded.
func readyz(ctl *controller.Controller) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if !journalHealthy(w, ctl) {
			return
		}
		if !ctl.Ready() {
			http.Error(w, "not ready: no successful observation yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	}
}

// journalHealthy answers 503 and false when the journal cannot be written.
func journalHealthy(w http.ResponseWriter, ctl *controller.Controller) bool {
	h := ctl.JournalHealth()
	if h.OK {
		return true
	}
	http.Error(w, fmt.Sprintf("audit journal cannot be written since %s: %s",
		h.Since.UTC().Format(time.RFC3339), h.Error), http.StatusServiceUnavailable)
	return false
}
