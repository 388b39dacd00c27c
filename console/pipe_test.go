package console

import (
	"io"
	"net/http"
	"strconv"
)

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// pipeRecorder is a ResponseWriter whose body is read as it is written:
// streams served in memory, so that synctest's clock drives them.
type pipeRecorder struct {
	h    http.Header
	code int
	r    *io.PipeReader
	w    *io.PipeWriter
	done chan struct{}
}

// serve runs h for req in a goroutine and returns the response as it
// comes.
func serve(h http.Handler, req *http.Request) *pipeRecorder {
	r, w := io.Pipe()
	p := &pipeRecorder{h: http.Header{}, r: r, w: w, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		h.ServeHTTP(p, req)
		w.Close()
	}()
	return p
}

func (p *pipeRecorder) Header() http.Header         { return p.h }
func (p *pipeRecorder) WriteHeader(code int)        { p.code = code }
func (p *pipeRecorder) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p *pipeRecorder) Flush()                      {}
func (p *pipeRecorder) Read(b []byte) (int, error)  { return p.r.Read(b) }

// wait reads what is left until the handler returned (after its request's
// context ended, or the console closed).
func (p *pipeRecorder) wait() {
	io.Copy(io.Discard, p.r)
	<-p.done
}
