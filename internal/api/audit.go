package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/store"
)

func (s *Server) registerAudit() {
	s.handleFunc("GET /api/audit", s.authed(s.listAudit))
	s.handleFunc("GET /api/audit/exports", s.adminOnly(s.listAuditExports))
	s.handleFunc("GET /api/audit/exports/{date}", s.adminOnly(s.downloadAuditExport))
}

type auditJSON struct {
	ID         string         `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    *string        `json:"actor_id"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   string         `json:"target_id"`
	IP         string         `json:"ip"`
	UserAgent  string         `json:"user_agent"`
	Details    map[string]any `json:"details"`
}

func parseTimeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if d, derr := time.Parse(time.DateOnly, v); derr == nil {
			return d, nil
		}
		return time.Time{}, &apperr.Error{Kind: apperr.Invalid, Message: name + " must be an RFC 3339 time or a date (YYYY-MM-DD)",
			Fields: map[string]string{name: "RFC 3339 time or YYYY-MM-DD"}}
	}
	return t, nil
}

// listAudit: admins see everyone's events, everyone else only their own.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p *Principal) {
	pg, err := pageFrom(r, "actor_id", "action", "since", "until")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.AuditFilter{ActorID: q.Get("actor_id"), Action: q.Get("action")}
	if f.Since, err = parseTimeParam(r, "since"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Until, err = parseTimeParam(r, "until"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !p.IsAdmin() {
		if f.ActorID != "" && f.ActorID != p.UserID {
			writeJSON(w, http.StatusOK, newList([]auditJSON{}, ""))
			return
		}
		f.ActorID = p.UserID
	}
	entries, next, err := s.deps.Store.ListAudit(r.Context(), f, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]auditJSON, len(entries))
	for i, e := range entries {
		items[i] = auditJSON{ID: e.ID, At: e.At.UTC(), Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
			IP: e.IP, UserAgent: e.UserAgent, Details: e.Details}
		if e.ActorID != "" {
			items[i].ActorID = &e.ActorID
		}
		if items[i].Details == nil {
			items[i].Details = map[string]any{}
		}
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) listAuditExports(w http.ResponseWriter, r *http.Request, _ *Principal) {
	xs, err := s.deps.Audit.List(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if xs == nil {
		xs = []audit.Export{}
	}
	writeJSON(w, http.StatusOK, newList(xs, ""))
}

func (s *Server) downloadAuditExport(w http.ResponseWriter, r *http.Request, _ *Principal) {
	date := r.PathValue("date")
	rc, size, err := s.deps.Audit.Open(r.Context(), date)
	if errors.Is(err, audit.ErrBadDate) {
		s.writeError(w, r, apperr.New(apperr.Invalid, "the date must be YYYY-MM-DD"))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Disposition", `attachment; filename="audit-`+date+`.jsonl.gz"`)
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
}

// auditEntry is an audit row for the caller's action on a target.
func auditEntry(r *http.Request, p *Principal, action, targetType, targetID string) *store.AuditEntry {
	return &store.AuditEntry{ActorID: p.UserID, Action: action, TargetType: targetType, TargetID: targetID,
		IP: clientIP(r), UserAgent: r.UserAgent()}
}
