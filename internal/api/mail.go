package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/mailin"
	"github.com/docuvault/docuvault/internal/model"
)

// Mail intake: IMAP accounts and their rules. Accounts and rules belong to
// their user (the credentials are personal); an account's space_id says
// where its documents go (the user's personal space by default), and its
// rules' topics are that space's. A rule's space_id is the account's.
func (s *Server) registerMail() {
	s.handleFunc("GET /api/mail/accounts", s.authed(s.listMailAccounts))
	s.handleFunc("POST /api/mail/accounts", s.authed(s.createMailAccount))
	s.handleFunc("PATCH /api/mail/accounts/{id}", s.authed(s.patchMailAccount))
	s.handleFunc("DELETE /api/mail/accounts/{id}", s.authed(s.deleteMailAccount))
	s.handleFunc("POST /api/mail/accounts/{id}/test", s.authed(s.testMailAccount))
	s.handleFunc("POST /api/mail/accounts/{id}/poll", s.authed(s.pollMailAccount))
	s.handleFunc("GET /api/mail/rules", s.authed(s.listMailRules))
	s.handleFunc("POST /api/mail/rules", s.authed(s.createMailRule))
	s.handleFunc("PATCH /api/mail/rules/{id}", s.authed(s.patchMailRule))
	s.handleFunc("DELETE /api/mail/rules/{id}", s.authed(s.deleteMailRule))
}

var errNoMail = apperr.New(apperr.Unavailable, "mail intake is not available on this server")

type mailAccountJSON struct {
	ID             string     `json:"id"`
	SpaceID        string     `json:"space_id"`
	DisplayName    string     `json:"display_name"`
	Host           string     `json:"host"`
	Port           int        `json:"port"`
	Security       string     `json:"security"`
	Username       string     `json:"username"`
	LastPollAt     *time.Time `json:"last_poll_at"`
	LastPollResult string     `json:"last_poll_result"`
	LastError      string     `json:"last_error"`
	CreatedAt      time.Time  `json:"created_at"`
}

// toMailAccountJSON never includes the password.
func toMailAccountJSON(a *model.MailAccount) mailAccountJSON {
	return mailAccountJSON{ID: a.ID, SpaceID: a.SpaceID, DisplayName: a.DisplayName, Host: a.Host, Port: a.Port, Security: a.Security,
		Username: a.Username, LastPollAt: a.LastPollAt, LastPollResult: a.LastPollResult, LastError: a.LastError,
		CreatedAt: a.CreatedAt}
}

type mailAccountIn struct {
	DisplayName *string `json:"display_name"`
	Host        *string `json:"host"`
	Port        *int    `json:"port"`
	Security    *string `json:"security"`
	Username    *string `json:"username"`
	Password    *string `json:"password"`
	SpaceID     *string `json:"space_id"`
}

func (in mailAccountIn) input() mailin.AccountInput {
	return mailin.AccountInput{DisplayName: in.DisplayName, Host: in.Host, Port: in.Port, Security: in.Security,
		Username: in.Username, Password: in.Password, SpaceID: in.SpaceID}
}

func (s *Server) mailReady(w http.ResponseWriter, r *http.Request) bool {
	if s.deps.Mail == nil {
		s.writeError(w, r, errNoMail)
		return false
	}
	return true
}

func (s *Server) listMailAccounts(w http.ResponseWriter, r *http.Request, p *Principal) {
	accs, err := s.deps.Store.MailAccounts(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]mailAccountJSON, len(accs))
	for i, a := range accs {
		items[i] = toMailAccountJSON(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createMailAccount(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in mailAccountIn
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.mailReady(w, r) {
		return
	}
	acc, err := s.deps.Mail.CreateAccount(r.Context(), actor(r, p), in.input())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/mail/accounts/"+acc.ID)
	writeJSON(w, http.StatusCreated, toMailAccountJSON(acc))
}

func (s *Server) patchMailAccount(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in mailAccountIn
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.mailReady(w, r) {
		return
	}
	acc, err := s.deps.Mail.UpdateAccount(r.Context(), actor(r, p), r.PathValue("id"), in.input())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toMailAccountJSON(acc))
}

func (s *Server) deleteMailAccount(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !s.mailReady(w, r) {
		return
	}
	if err := s.deps.Mail.DeleteAccount(r.Context(), actor(r, p), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// testMailAccount answers 200 {ok, folders?, error?}: a server that
// refuses the password or shows an untrusted certificate is ok: false.
func (s *Server) testMailAccount(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !s.mailReady(w, r) {
		return
	}
	res, err := s.deps.Mail.TestAccount(r.Context(), p.UserID, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) pollMailAccount(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !s.mailReady(w, r) {
		return
	}
	if err := s.deps.Mail.PollNow(r.Context(), p.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"queued": true})
}

type mailRuleJSON struct {
	ID                      string    `json:"id"`
	AccountID               string    `json:"account_id"`
	Name                    string    `json:"name"`
	Folder                  string    `json:"folder"`
	From                    string    `json:"from"`
	Subject                 string    `json:"subject"`
	Body                    string    `json:"body"`
	MaxAgeDays              int       `json:"max_age_days"`
	Consume                 string    `json:"consume"`
	AttachmentTypes         []string  `json:"attachment_types"`
	IncludeInline           bool      `json:"include_inline"`
	After                   string    `json:"after"`
	MoveTo                  string    `json:"move_to"`
	TopicIDs                []string  `json:"topic_ids"`
	CorrespondentFromSender bool      `json:"correspondent_from_sender"`
	Enabled                 bool      `json:"enabled"`
	Order                   int       `json:"order"`
	CreatedAt               time.Time `json:"created_at"`
}

func toMailRuleJSON(m *model.MailRule) mailRuleJSON {
	return mailRuleJSON{ID: m.ID, AccountID: m.AccountID, Name: m.Name, Folder: m.Folder, From: m.From, Subject: m.Subject,
		Body: m.Body, MaxAgeDays: m.MaxAgeDays, Consume: m.Consume, AttachmentTypes: m.AttachmentTypes,
		IncludeInline: m.IncludeInline, After: m.After, MoveTo: m.MoveTo, TopicIDs: m.TopicIDs,
		CorrespondentFromSender: m.CorrespondentFromSender, Enabled: m.Enabled, Order: m.Order, CreatedAt: m.CreatedAt}
}

type mailRuleIn struct {
	AccountID               *string         `json:"account_id"`
	Name                    *string         `json:"name"`
	Folder                  *string         `json:"folder"`
	From                    *string         `json:"from"`
	Subject                 *string         `json:"subject"`
	Body                    *string         `json:"body"`
	MaxAgeDays              *int            `json:"max_age_days"`
	Consume                 *string         `json:"consume"`
	AttachmentTypes         *[]string       `json:"attachment_types"`
	IncludeInline           *bool           `json:"include_inline"`
	After                   *string         `json:"after"`
	MoveTo                  *string         `json:"move_to"`
	TopicIDs                *[]string       `json:"topic_ids"`
	CorrespondentFromSender *bool           `json:"correspondent_from_sender"`
	Enabled                 *bool           `json:"enabled"`
	Order                   *int            `json:"order"`
	SpaceID                 json.RawMessage `json:"space_id"` // accepted; a rule's space is its account's
}

func (in mailRuleIn) input() mailin.RuleInput {
	return mailin.RuleInput{AccountID: in.AccountID, Name: in.Name, Folder: in.Folder, From: in.From, Subject: in.Subject,
		Body: in.Body, MaxAgeDays: in.MaxAgeDays, Consume: in.Consume, AttachmentTypes: in.AttachmentTypes,
		IncludeInline: in.IncludeInline, After: in.After, MoveTo: in.MoveTo, TopicIDs: in.TopicIDs,
		CorrespondentFromSender: in.CorrespondentFromSender, Enabled: in.Enabled, Order: in.Order}
}

func (s *Server) listMailRules(w http.ResponseWriter, r *http.Request, p *Principal) {
	accountID := r.URL.Query().Get("account_id")
	if accountID != "" {
		if _, err := s.deps.Store.MailAccount(r.Context(), p.UserID, accountID); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	rules, err := s.deps.Store.MailRules(r.Context(), p.UserID, accountID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]mailRuleJSON, len(rules))
	for i, m := range rules {
		items[i] = toMailRuleJSON(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createMailRule(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in mailRuleIn
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.mailReady(w, r) {
		return
	}
	m, err := s.deps.Mail.CreateRule(r.Context(), p.UserID, in.input())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/mail/rules/"+m.ID)
	writeJSON(w, http.StatusCreated, toMailRuleJSON(m))
}

func (s *Server) patchMailRule(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in mailRuleIn
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.mailReady(w, r) {
		return
	}
	m, err := s.deps.Mail.UpdateRule(r.Context(), p.UserID, r.PathValue("id"), in.input())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toMailRuleJSON(m))
}

func (s *Server) deleteMailRule(w http.ResponseWriter, r *http.Request, p *Principal) {
	if err := s.deps.Store.DeleteMailRule(r.Context(), p.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
