package mail

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestPasswordReset(t *testing.T) {
	issued := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	m, err := PasswordReset(ResetData{To: "zoe@example.test", DisplayName: "Zoë <b>", FrontendURL: "https://vault.example.test/", Token: "abc+def", Issued: issued})
	if err != nil {
		t.Fatal(err)
	}
	link := "https://vault.example.test/reset-password?token=abc%2Bdef"
	for _, want := range []string{link, "1 hour", "2026-03-01 10:00:00 UTC", "did not ask", "zoe@example.test", "Hello Zoë <b>,"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{`href="` + link + `"`, "1 hour", "did not ask", "Hello Zoë &lt;b&gt;,"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if m.To != "zoe@example.test" || m.Subject != "Reset your DocuVault password" {
		t.Errorf("To %q Subject %q", m.To, m.Subject)
	}
	if strings.Contains(m.Text, "subject") || strings.HasPrefix(m.Text, "\n") {
		t.Errorf("text starts badly:\n%s", m.Text)
	}
}

func TestSecurityAlert(t *testing.T) {
	at := time.Date(2026, 3, 1, 23, 30, 5, 0, time.FixedZone("PST", -8*3600))
	ua := `Mozilla/5.0 <script>alert("x")</script>` + "\r\nBcc: evil@example.test"
	m, err := SecurityAlert(AlertData{To: "zoe@example.test", FrontendURL: "https://vault.example.test", At: at, IP: "203.0.113.7", UserAgent: ua})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-03-02 07:30:05 UTC", "203.0.113.7", `<script>alert("x")</script>Bcc: evil@example.test`, "change your password", "sessions", "https://vault.example.test/settings", "used twice"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("HTML holds an unescaped <script>:\n%s", m.HTML)
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "2026-03-02 07:30:05 UTC", "203.0.113.7", `href="https://vault.example.test/settings"`} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if strings.Contains(m.Text, "\r") {
		t.Error("control characters of the user agent reached the text")
	}
	m, err = SecurityAlert(AlertData{To: "zoe@example.test", FrontendURL: "http://localhost:8080", At: at, UserAgent: strings.Repeat("A", 5000)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "IP address:  unknown") || strings.Contains(m.Text, strings.Repeat("A", 301)) {
		t.Errorf("missing IP not shown as unknown or user agent not cut:\n%.600s", m.Text)
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func() (Message, error)
	}{
		{"no token", func() (Message, error) {
			return PasswordReset(ResetData{To: "a@example.test", FrontendURL: "https://x.test"})
		}},
		{"relative frontend", func() (Message, error) {
			return PasswordReset(ResetData{To: "a@example.test", FrontendURL: "/vault", Token: "t"})
		}},
		{"javascript frontend", func() (Message, error) {
			return SecurityAlert(AlertData{To: "a@example.test", FrontendURL: "javascript:alert(1)"})
		}},
		{"injected recipient", func() (Message, error) {
			return SecurityAlert(AlertData{To: "a@example.test\r\nBcc: b@example.test", FrontendURL: "https://x.test"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.f(); !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("err = %v, want ErrInvalidMessage", err)
			}
		})
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	m, err := PasswordReset(ResetData{To: "zoe@example.test", FrontendURL: "https://vault.example.test", Token: "tok123"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"level":"INFO"`, `"to":"zoe@example.test"`, `"subject":"Reset your DocuVault password"`, "https://vault.example.test/reset-password?token=tok123"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
	buf.Reset()
	if err := s.Send(context.Background(), Message{To: "a@example.test\nBcc: x@example.test", Subject: "s", Text: "t"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("Send = %v, want ErrInvalidMessage", err)
	}
	if buf.Len() != 0 {
		t.Errorf("an invalid message was logged: %s", buf.String())
	}
}

func TestInvitationAndTwoFactorReset(t *testing.T) {
	exp := time.Date(2026, 3, 8, 10, 0, 0, 0, time.UTC)
	m, err := Invitation(InviteData{To: "new@example.test", FrontendURL: "https://vault.example.test/", Token: "a+b", Expires: exp})
	if err != nil {
		t.Fatal(err)
	}
	link := "https://vault.example.test/invite?token=a%2Bb"
	for _, want := range []string{link, "7 days", "2026-03-08 10:00:00 UTC", "new@example.test"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("invitation lacks %q:\n%s\n%s", want, m.Text, m.HTML)
		}
	}
	if m.Subject != "You are invited to DocuVault" {
		t.Errorf("subject %q", m.Subject)
	}
	if _, err := Invitation(InviteData{To: "new@example.test", FrontendURL: "https://x.test"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("no token: %v", err)
	}
	m, err = TwoFactorReset(AlertData{To: "zoe@example.test", FrontendURL: "https://vault.example.test", IP: "203.0.113.9"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"turned off two-factor", "backup codes", "203.0.113.9", "https://vault.example.test/settings"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("2FA reset alert lacks %q:\n%s", want, m.Text)
		}
	}
}
