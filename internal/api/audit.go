package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/model"
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
	// Who the actor and a user target are, for people reading the log;
	// absent when there is none or the account is gone.
	ActorEmail  string `json:"actor_email,omitempty"`
	ActorName   string `json:"actor_name,omitempty"`
	TargetEmail string `json:"target_email,omitempty"`
	TargetName  string `json:"target_name,omitempty"`
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
	people := userCache{st: s.deps.Store, seen: map[string]*model.User{}}
	for i, e := range entries {
		items[i] = auditJSON{ID: e.ID, At: e.At.UTC(), Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
			IP: e.IP, UserAgent: e.UserAgent, Details: e.Details}
		if e.ActorID != "" {
			items[i].ActorID = &e.ActorID
			if u, err := people.user(r.Context(), e.ActorID); err != nil {
				s.writeError(w, r, err)
				return
			} else if u != nil {
				items[i].ActorEmail, items[i].ActorName = u.Email, u.DisplayName
			}
		}
		if e.TargetType == "user" && e.TargetID != "" && p.IsAdmin() {
			if u, err := people.user(r.Context(), e.TargetID); err != nil {
				s.writeError(w, r, err)
				return
			} else if u != nil {
				items[i].TargetEmail, items[i].TargetName = u.Email, u.DisplayName
			}
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
func auditEntry(r *http.Request, p *Principal, action, targetType, targetID string) *model.AuditEntry {
	return &model.AuditEntry{ActorID: p.UserID, Action: action, TargetType: targetType, TargetID: targetID,
		IP: clientIP(r), UserAgent: r.UserAgent()}
}

// userCache looks each account up once per page of audit entries; a
// deleted account is nil.
type userCache struct {
	st   *store.Store
	seen map[string]*model.User
}

func (c userCache) user(ctx context.Context, id string) (*model.User, error) {
	if u, ok := c.seen[id]; ok {
		return u, nil
	}
	u, err := c.st.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.seen[id] = u
	return u, nil
}
