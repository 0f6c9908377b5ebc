package mail

import (
	"context"
	"log/slog"
)

// Log is the sender of the embedded default (SMTP_HOST empty): it writes
// every message, text body included, to the logger at INFO so an operator
// can copy a reset link from it. The body may hold such a link; that is the
// point, so Log belongs only where the log is as private as a mailbox.
type Log struct {
	log *slog.Logger
}

// NewLog returns a sender that writes to logger.
func NewLog(logger *slog.Logger) *Log {
	return &Log{log: logger}
}

// Send validates m like SMTP does (ErrInvalidMessage) and logs it.
func (l *Log) Send(ctx context.Context, m Message) error {
	to, err := m.validate()
	if err != nil {
		return err
	}
	l.log.InfoContext(ctx, "email not sent (SMTP_HOST is empty); logged instead",
		slog.String("to", to.Address), slog.String("subject", m.Subject), slog.String("text", m.Text))
	return nil
}

var _ Sender = (*Log)(nil)
