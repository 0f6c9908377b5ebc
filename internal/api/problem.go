package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/store"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Instance string            `json:"instance,omitempty"`
	Code     apperr.Kind       `json:"code"`
	Errors   map[string]string `json:"errors,omitempty"`
	Extra    map[string]any    `json:"-"`
}

var kindStatus = map[apperr.Kind]int{
	apperr.Invalid:       http.StatusBadRequest,
	apperr.Unauthorized:  http.StatusUnauthorized,
	apperr.MFARequired:   http.StatusUnauthorized,
	apperr.Forbidden:     http.StatusForbidden,
	apperr.NotFound:      http.StatusNotFound,
	apperr.Conflict:      http.StatusConflict,
	apperr.TooLarge:      http.StatusRequestEntityTooLarge,
	apperr.Unsupported:   http.StatusUnsupportedMediaType,
	apperr.QuotaExceeded: http.StatusForbidden,
	apperr.RateLimited:   http.StatusTooManyRequests,
	apperr.Unavailable:   http.StatusServiceUnavailable,
	apperr.Internal:      http.StatusInternalServerError,
}

// toAppError maps every error to an *apperr.Error, in this one place.
func toAppError(err error) *apperr.Error {
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrNotFound), errors.Is(err, blob.ErrNotFound):
		return apperr.Wrap(err, apperr.NotFound, "not found")
	case errors.Is(err, store.ErrConflict):
		return apperr.Wrap(err, apperr.Conflict, "already exists")
	case errors.Is(err, store.ErrInvalid):
		return apperr.Wrap(err, apperr.Invalid, "invalid input")
	case errors.Is(err, context.Canceled):
		return apperr.Wrap(err, apperr.Unavailable, "request cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(err, apperr.Unavailable, "the server took too long")
	}
	return apperr.Wrap(err, apperr.Internal, "internal error")
}

// writeError answers with problem JSON; internal causes are logged once here,
// never sent.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := toAppError(err)
	status := kindStatus[ae.Kind]
	if ae.Status != 0 {
		status = ae.Status
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	msg := ae.Message
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("request_id", RequestID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		if ae.Kind == apperr.Internal {
			msg = "Something went wrong on our side. The request ID identifies it in the server log."
		}
	} else if ae.Err != nil {
		s.log.DebugContext(r.Context(), "request refused", slog.String("request_id", RequestID(r.Context())), slog.Any("error", err))
	}
	p := Problem{
		Type:     "https://docuvault.dev/problems/" + string(ae.Kind),
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   msg,
		Instance: r.URL.Path,
		Code:     ae.Kind,
		Errors:   ae.Fields,
	}
	if ae.RetryAfter > 0 {
		secs := int(ae.RetryAfter.Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	}
	body := map[string]any{
		"type": p.Type, "title": p.Title, "status": p.Status, "detail": p.Detail,
		"instance": p.Instance, "code": p.Code, "request_id": RequestID(r.Context()),
	}
	if len(p.Errors) > 0 {
		body["errors"] = p.Errors
	}
	for k, v := range ae.Extra {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	writeJSONType(w, status, "application/problem+json", body)
}
