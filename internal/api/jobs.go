package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/jobs"
)

// JobAdmin is what the admin job endpoints need of the job engine.
type JobAdmin interface {
	ListJobs(ctx context.Context, states []string, limit int, cursor string) ([]jobs.JobInfo, string, error)
	Retry(ctx context.Context, id int64) error
}

func (s *Server) registerJobs() {
	s.handleFunc("GET /api/admin/jobs", s.adminOnly(s.listJobs))
	s.handleFunc("POST /api/admin/jobs/{id}/retry", s.adminOnly(s.retryJob))
}

type jobJSON struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Queue       string     `json:"queue"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"max_attempts"`
	Errors      []string   `json:"errors"`
	CreatedAt   time.Time  `json:"created_at"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	FinalizedAt *time.Time `json:"finalized_at,omitempty"`
}

// listJobs shows queued, running and failed jobs by default (?state= picks
// others, comma-separated). Failed means retryable, discarded (attempts
// exhausted) and cancelled (a permanent failure such as an SMTP 5xx).
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, _ *Principal) {
	pg, err := pageFrom(r, "state")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	states := []string{"available", "scheduled", "running", "retryable", "discarded", "cancelled"}
	if v := r.URL.Query().Get("state"); v != "" {
		states = strings.Split(v, ",")
	}
	limit := pg.Limit
	if limit == 0 {
		limit = 50
	}
	list, next, err := s.deps.Jobs.ListJobs(r.Context(), states, limit, pg.Cursor)
	if errors.Is(err, jobs.ErrBadState) {
		s.writeError(w, r, apperr.Fields("unknown job state", map[string]string{"state": "available, scheduled, running, retryable, completed, cancelled or discarded"}))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]jobJSON, len(list))
	for i, j := range list {
		items[i] = jobJSON{ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: j.State, Attempt: j.Attempt,
			MaxAttempts: j.MaxAttempts, Errors: j.Errors, CreatedAt: j.CreatedAt.UTC(), ScheduledAt: j.ScheduledAt.UTC(), FinalizedAt: j.FinalizedAt}
		if items[i].Errors == nil {
			items[i].Errors = []string{}
		}
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) retryJob(w http.ResponseWriter, r *http.Request, p *Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, apperr.New(apperr.NotFound, "no such job"))
		return
	}
	if err := s.deps.Jobs.Retry(r.Context(), id); err != nil {
		if errors.Is(err, jobs.ErrNotFound) {
			err = apperr.New(apperr.NotFound, "no such job")
		}
		s.writeError(w, r, err)
		return
	}
	_ = s.deps.Store.AppendAudit(r.Context(), auditEntry(r, p, "admin.job_retry", "job", strconv.FormatInt(id, 10)))
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "queued"})
}
