package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// ResetValidity is how long a password-reset link works.
const ResetValidity = time.Hour

// ResetData fills the password-reset email.
type ResetData struct {
	To          string    // recipient address
	DisplayName string    // optional
	FrontendURL string    // FRONTEND_URL, e.g. "https://vault.example.com"
	Token       string    // the single-use reset token
	Issued      time.Time // when the token was made; now when zero
}

// AlertData fills the security alert sent when a refresh token is reused.
type AlertData struct {
	To          string // recipient address
	DisplayName string // optional
	FrontendURL string // FRONTEND_URL
	At          time.Time
	IP          string
	UserAgent   string
}

// PasswordReset renders the email with the link
// {FrontendURL}/reset-password?token=... valid for ResetValidity. Errors
// wrap ErrInvalidMessage for missing data.
func PasswordReset(d ResetData) (Message, error) {
	if d.Token == "" {
		return Message{}, invalid("password reset: no token")
	}
	base, err := frontend(d.FrontendURL)
	if err != nil {
		return Message{}, err
	}
	if d.Issued.IsZero() {
		d.Issued = time.Now()
	}
	v := map[string]string{
		"Email":       d.To,
		"DisplayName": oneLine(d.DisplayName, 100),
		"Link":        base + "/reset-password?token=" + url.QueryEscape(d.Token),
		"Expires":     utc(d.Issued.Add(ResetValidity)),
	}
	return render(d.To, "password_reset", v)
}

// InviteValidity is how long an invitation link works.
const InviteValidity = 7 * 24 * time.Hour

// InviteData fills the invitation email.
type InviteData struct {
	To          string    // recipient address
	FrontendURL string    // FRONTEND_URL
	Token       string    // the single-use invitation token
	Expires     time.Time // when the link stops working; now + InviteValidity when zero
}

// Invitation renders the email with the link {FrontendURL}/invite?token=...
// where the new account's owner chooses a password. Errors wrap
// ErrInvalidMessage for missing data.
func Invitation(d InviteData) (Message, error) {
	if d.Token == "" {
		return Message{}, invalid("invitation: no token")
	}
	base, err := frontend(d.FrontendURL)
	if err != nil {
		return Message{}, err
	}
	if d.Expires.IsZero() {
		d.Expires = time.Now().Add(InviteValidity)
	}
	v := map[string]string{
		"Email":   d.To,
		"Link":    base + "/invite?token=" + url.QueryEscape(d.Token),
		"Expires": utc(d.Expires),
	}
	return render(d.To, "invitation", v)
}

// TwoFactorReset renders the alert sent when an admin turned off the
// user's two-factor sign-in: when, from which IP and user agent, what to do.
func TwoFactorReset(d AlertData) (Message, error) {
	return alert("twofa_reset", d)
}

// SecurityAlert renders the alert about a refresh token used twice: what
// happened, when (UTC), from which IP and user agent, and what to do.
func SecurityAlert(d AlertData) (Message, error) {
	return alert("security_alert", d)
}

func alert(name string, d AlertData) (Message, error) {
	base, err := frontend(d.FrontendURL)
	if err != nil {
		return Message{}, err
	}
	if d.At.IsZero() {
		d.At = time.Now()
	}
	v := map[string]string{
		"Email":        d.To,
		"DisplayName":  oneLine(d.DisplayName, 100),
		"When":         utc(d.At),
		"IP":           orUnknown(oneLine(d.IP, 64)),
		"UserAgent":    orUnknown(oneLine(d.UserAgent, 300)),
		"SettingsLink": base + "/settings",
	}
	return render(d.To, name, v)
}

// render fills the text and HTML templates name.txt.tmpl and name.html.tmpl;
// the text template defines "subject".
func render(to, name string, v map[string]string) (Message, error) {
	tt, err := texttemplate.ParseFS(templateFS, "templates/"+name+".txt.tmpl")
	if err != nil {
		return Message{}, fmt.Errorf("mail: template %s: %w", name, err)
	}
	ht, err := htmltemplate.ParseFS(templateFS, "templates/"+name+".html.tmpl")
	if err != nil {
		return Message{}, fmt.Errorf("mail: template %s: %w", name, err)
	}
	var subj, text, html bytes.Buffer
	if err := tt.ExecuteTemplate(&subj, "subject", v); err != nil {
		return Message{}, fmt.Errorf("mail: template %s: %w", name, err)
	}
	if err := tt.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("mail: template %s: %w", name, err)
	}
	if err := ht.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("mail: template %s: %w", name, err)
	}
	m := Message{To: to, Subject: subj.String(), Text: text.String(), HTML: html.String()}
	if _, err := m.validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// frontend checks FRONTEND_URL and returns it without a trailing slash.
func frontend(s string) (string, error) {
	u, err := url.Parse(s)
	if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		err = errors.New("not an absolute http(s) URL")
	}
	if err != nil {
		return "", invalid("frontend URL %q: %v", s, err)
	}
	return strings.TrimRight(s, "/"), nil
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// oneLine drops control characters (a user agent is the client's to choose)
// and cuts s to max characters.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strings.TrimSpace(s)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
