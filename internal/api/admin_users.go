package api

import (
	"net/http"

	"github.com/docuvault/docuvault/internal/auth"
)

func (s *Server) registerAdminUsers() {
	s.handleFunc("GET /api/admin/users", s.adminOnly(s.handleAdminListUsers))
	s.handleFunc("PATCH /api/admin/users/{id}", s.adminOnly(s.handleAdminUpdateUser))
	s.handleFunc("DELETE /api/admin/users/{id}", s.adminOnly(s.handleAdminDeleteUser))
	s.handleFunc("POST /api/admin/users", s.adminOnly(s.handleAdminCreateUser))
	s.handleFunc("POST /api/admin/users/{id}/reset-2fa", s.adminOnly(s.handleAdminReset2FA))
	s.handleFunc("POST /api/admin/users/{id}/password-reset", s.adminOnly(s.handleAdminPasswordReset))
}

// handleAdminCreateUser: 201 {user, invite_url?}; without a password the
// invitation's URL is in the answer, once.
func (s *Server) handleAdminCreateUser(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Email       string `json:"email"`
		DisplayName string `json:"display_name"`
		Role        string `json:"role"`
		Password    string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, link, err := svc.AdminCreateUser(r.Context(), clientOf(r), p.UserID, auth.NewUser{Email: in.Email,
		DisplayName: in.DisplayName, Role: in.Role, Password: in.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"user": toUserJSON(u)}
	if link != "" {
		out["invite_url"] = link
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) handleAdminReset2FA(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.AdminReset2FA(r.Context(), clientOf(r), p.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAdminPasswordReset(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.AdminPasswordReset(r.Context(), clientOf(r), p.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "A password reset link is on its way to the user."})
}

func (s *Server) handleAdminListUsers(w http.ResponseWriter, r *http.Request, p *Principal) {
	page, err := pageFrom(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, next, err := svc.ListUsers(r.Context(), page)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]userJSON, 0, len(list))
	for _, u := range list {
		items = append(items, toUserJSON(u))
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

// handleAdminUpdateUser takes exactly these four fields with strict JSON
// types (no mass assignment: email, password or totp fields are unknown
// fields, and "true" for a boolean is a 400).
func (s *Server) handleAdminUpdateUser(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Role           *string `json:"role"`
		Disabled       *bool   `json:"disabled"`
		QuotaBytes     *int64  `json:"quota_bytes"`
		QuotaDocuments *int64  `json:"quota_documents"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := svc.AdminUpdateUser(r.Context(), clientOf(r), p.UserID, r.PathValue("id"), auth.AdminUpdate{
		Role: in.Role, Disabled: in.Disabled, QuotaBytes: in.QuotaBytes, QuotaDocuments: in.QuotaDocuments})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(u)})
}

func (s *Server) handleAdminDeleteUser(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.AdminDeleteUser(r.Context(), clientOf(r), p.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
