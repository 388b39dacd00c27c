package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/clock"
	"github.com/itms-tools/reconciler/estateview"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// View is what the console reads: consistent snapshots of the estate view.
type View interface {
	Snapshot() estateview.Snapshot
}

// PlanResult is one evaluation of the plan, as `reconciler plan` makes it.
type PlanResult struct {
	Plan  actions.Plan
	Holds map[string]actions.Hold
	// CMDBError and NSError say why the site could not be read.
	CMDBError, NSError string
}

// Planner evaluates the plan a pass would make now, changing nothing.
type Planner func(ctx context.Context) (PlanResult, error)

// Defaults of Options.
const (
	DefaultMaxStreams = 48
	DefaultHeartbeat  = 15 * time.Second
	DefaultPlanEvery  = 10 * time.Second
	// maxJournalRows bounds the records a journal page shows.
	maxJournalRows = 500
	// writeTimeout bounds each write of an event stream: a client that
	// stops reading is let go.
	writeTimeout = 30 * time.Second
)

// Options configure a Server.
type Options struct {
	View        View
	Planner     Planner // nil: the plan page says it is not available
	JournalPath string
	Clock       clock.Clock
	Logger      *slog.Logger
	// MaxStreams bounds the open event streams (DefaultMaxStreams); more
	// clients get 503 and retry later. Keep it below the HTTP server's
	// connection cap, so pages can still be served.
	MaxStreams int
	// Heartbeat is how often an idle stream sends a comment.
	Heartbeat time.Duration
	// PlanEvery is how long one plan evaluation is reused: the plan page
	// observes the site, and a reload storm must not observe it at once.
	PlanEvery time.Duration
}

// Server is the console's HTTP handler.
type Server struct {
	o       Options
	pages   map[string]*template.Template
	assets  http.Handler
	mux     *http.ServeMux
	streams atomic.Int64
	base    context.Context // ends at Close: every stream ends with it
	stop    context.CancelFunc

	deltaMu sync.Mutex
	delta   deltaCache

	planMu   sync.Mutex
	planLast *planCache
	journals chan struct{} // bounds concurrent journal reads
}

// New builds the console.
func New(o Options) (*Server, error) {
	if o.View == nil || o.Clock == nil {
		return nil, errors.New("console: view and clock are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = DefaultMaxStreams
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.PlanEvery <= 0 {
		o.PlanEvery = DefaultPlanEvery
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, err
	}
	s := &Server{o: o, pages: pages, assets: http.StripPrefix("/assets/", http.FileServerFS(sub)),
		journals: make(chan struct{}, 2)}
	s.base, s.stop = context.WithCancel(context.Background())
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", s.overview)
	mux.HandleFunc("/servers/{name}", s.server)
	mux.HandleFunc("/plan", s.plan)
	mux.HandleFunc("/journal", s.journal)
	mux.HandleFunc("/events", s.events)
	mux.Handle("/assets/", s.assets)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r, "no such page") })
	s.mux = mux
}

// ServeHTTP answers GET and HEAD with the security headers on every
// answer; any other method is 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "the console is read-only: GET and HEAD only (actions are on the command line)", http.StatusMethodNotAllowed)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/assets/") {
		h.Set("Cache-Control", "no-store")
	}
	s.mux.ServeHTTP(w, r)
}

// Close ends every event stream (at shutdown, before the HTTP server
// stops, which would otherwise wait for them).
func (s *Server) Close() { s.stop() }

// Streams is the number of event streams open now.
func (s *Server) Streams() int { return int(s.streams.Load()) }
