package auth

import (
	"context"
	"log/slog"
	"time"
)

// LogMailer is the Mailer of the embedded default: it writes the mail to the
// log instead of sending it (DESIGN.md: "email: logged to stdout"). The
// application replaces it with a Mailer that enqueues jobs on the "email"
// queue once internal/mail exists.
type LogMailer struct{ Log *slog.Logger }

// PasswordReset implements Mailer.
func (m LogMailer) PasswordReset(ctx context.Context, to, link string) error {
	m.Log.InfoContext(ctx, "mail (not sent: no SMTP configured)", slog.String("kind", "password_reset"),
		slog.String("to", to), slog.String("link", link))
	return nil
}

// SecurityAlert implements Mailer.
func (m LogMailer) SecurityAlert(ctx context.Context, to string, info AlertInfo) error {
	m.Log.InfoContext(ctx, "mail (not sent: no SMTP configured)", slog.String("kind", "security_alert"),
		slog.String("to", to), slog.String("event", info.Event), slog.String("ip", info.IP), slog.Time("at", info.At))
	return nil
}

// Invitation implements Mailer.
func (m LogMailer) Invitation(ctx context.Context, to, link string, expires time.Time) error {
	m.Log.InfoContext(ctx, "mail (not sent: no SMTP configured)", slog.String("kind", "invitation"),
		slog.String("to", to), slog.String("link", link), slog.Time("expires", expires))
	return nil
}
