package api

import (
	"net/http"
)

func (s *Server) registerTOTP() {
	s.handleFunc("POST /api/auth/totp/setup", s.authed(s.handleTOTPSetup))
	s.handleFunc("POST /api/auth/totp/enable", s.authed(s.handleTOTPEnable))
	s.handleFunc("POST /api/auth/totp/disable", s.authed(s.handleTOTPDisable))
	s.handleFunc("POST /api/auth/backup-codes", s.authed(s.handleBackupCodes))
}

func (s *Server) handleTOTPSetup(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	setup, err := svc.SetupTOTP(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": setup.Secret, "otpauth_url": setup.URL, "qr_png_base64": setup.QRPNGBase64})
}

func (s *Server) handleTOTPEnable(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Code string `json:"code"`
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
	codes, err := svc.EnableTOTP(r.Context(), clientOf(r), p.UserID, in.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"backup_codes": codes})
}

func (s *Server) handleTOTPDisable(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Password string `json:"password"`
		Code     string `json:"code"`
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
	if err := svc.DisableTOTP(r.Context(), clientOf(r), p.UserID, in.Password, in.Code); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleBackupCodes(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Password string `json:"password"`
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
	codes, err := svc.RegenerateBackupCodes(r.Context(), clientOf(r), p.UserID, in.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"backup_codes": codes})
}
