package app

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/mail"
)

// mailArgs is one message to send; mail goes out through the "email" queue,
// never inline in a request, with retries and backoff.
type mailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

func (mailArgs) Kind() string { return "email.send" }

// mailSpec: the email queue, retried with backoff, 2 minutes a try.
var mailSpec = jobs.Spec{Queue: jobs.QueueEmail, MaxAttempts: 10, Timeout: 2 * time.Minute}

// sendMail sends the message; a permanent SMTP failure (5xx, refused
// security) is not retried and stays visible in the admin jobs view.
func sendMail(sender mail.Sender) func(context.Context, *jobs.Job[mailArgs]) error {
	return func(ctx context.Context, job *jobs.Job[mailArgs]) error {
		err := sender.Send(ctx, mail.Message{To: job.Args.To, Subject: job.Args.Subject, Text: job.Args.Text, HTML: job.Args.HTML})
		if errors.Is(err, mail.ErrPermanent) {
			return jobs.Cancel(err)
		}
		return err
	}
}

// sender is SMTP when SMTP_HOST is set, the log otherwise.
func (a *App) sender() mail.Sender {
	c := a.Config
	if c.SMTPHost == "" {
		return mail.NewLog(a.Log)
	}
	return mail.NewSMTP(mail.SMTPConfig{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUser, Password: c.SMTPPassword, From: c.SMTPFrom})
}

// jobMailer renders account mail and queues it.
type jobMailer struct {
	jobs        *jobs.Engine
	frontendURL string
}

func (m jobMailer) enqueue(ctx context.Context, msg mail.Message) error {
	_, err := m.jobs.Enqueue(ctx, mailArgs{To: msg.To, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML}, nil)
	return err
}

// PasswordReset implements auth.Mailer.
func (m jobMailer) PasswordReset(ctx context.Context, to, link string) error {
	token := ""
	if u, err := url.Parse(link); err == nil {
		token = u.Query().Get("token")
	}
	msg, err := mail.PasswordReset(mail.ResetData{To: to, FrontendURL: m.frontendURL, Token: token, Issued: time.Now()})
	if err != nil {
		return err
	}
	return m.enqueue(ctx, msg)
}

// SecurityAlert implements auth.Mailer.
func (m jobMailer) SecurityAlert(ctx context.Context, to string, info auth.AlertInfo) error {
	render := mail.SecurityAlert
	if info.Event == "admin_reset_2fa" {
		render = mail.TwoFactorReset
	}
	msg, err := render(mail.AlertData{To: to, FrontendURL: m.frontendURL, At: info.At, IP: info.IP, UserAgent: info.UserAgent})
	if err != nil {
		return err
	}
	return m.enqueue(ctx, msg)
}

// Invitation implements auth.Mailer.
func (m jobMailer) Invitation(ctx context.Context, to, link string, expires time.Time) error {
	token := ""
	if u, err := url.Parse(link); err == nil {
		token = u.Query().Get("token")
	}
	msg, err := mail.Invitation(mail.InviteData{To: to, FrontendURL: m.frontendURL, Token: token, Expires: expires})
	if err != nil {
		return err
	}
	return m.enqueue(ctx, msg)
}
