package api

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// DefaultIdleTimeout bounds how long a request body may stall, and how long
// a client may leave a response unread, before the connection is dropped.
// Long uploads and downloads are fine as long as bytes keep moving; a slow
// client cannot hold a connection (and its goroutine and buffers) forever.
const DefaultIdleTimeout = 60 * time.Second

// idleDeadlines extends the connection's read (and write) deadline before
// every read of the body (and every write of the response).
func idleDeadlines(w http.ResponseWriter, r *http.Request, idle time.Duration) (http.ResponseWriter, *http.Request) {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(idle)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return w, r
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, idle: idle}
	}
	_ = rc.SetWriteDeadline(time.Now().Add(idle))
	return &deadlineWriter{ResponseWriter: w, rc: rc, idle: idle}, r
}

type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	return b.ReadCloser.Read(p)
}

type deadlineWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
