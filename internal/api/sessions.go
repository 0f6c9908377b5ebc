package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

func (s *Server) registerSessions() {
	s.handleFunc("GET /api/auth/sessions", s.authed(s.handleListSessions))
	s.handleFunc("DELETE /api/auth/sessions/{id}", s.authed(s.handleRevokeSession))
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Device     string    `json:"device"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	current := ""
	if id, err := s.identity(r.Context(), r); err == nil {
		current = id.SessionID
	}
	list, err := svc.Sessions(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]sessionJSON, 0, len(list))
	for _, x := range list {
		items = append(items, toSessionJSON(x, current))
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func toSessionJSON(x *model.Session, current string) sessionJSON {
	return sessionJSON{ID: x.ID, Device: deviceName(x.UserAgent), UserAgent: x.UserAgent, IP: x.IP,
		CreatedAt: x.CreatedAt, LastUsedAt: x.LastUsedAt, ExpiresAt: x.ExpiresAt, Current: x.ID == current}
}

// deviceName is a short human label for a User-Agent.
func deviceName(ua string) string {
	browser, system := "", ""
	for _, b := range []struct{ needle, name string }{
		{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.needle) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ needle, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.needle) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	return "Unknown device"
}

func (s *Server) handleRevokeSession(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.RevokeSession(r.Context(), clientOf(r), p.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
