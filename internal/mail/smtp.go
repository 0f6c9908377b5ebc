package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"
)

// SMTPConfig configures an SMTP sender (SMTP_HOST, SMTP_PORT, SMTP_USER,
// SMTP_PASSWORD, SMTP_FROM).
type SMTPConfig struct {
	Host     string
	Port     int    // 587 when zero
	Username string // AUTH PLAIN when set; never sent without TLS
	Password string
	From     string // the sender, e.g. "DocuVault <vault@example.com>"

	// ImplicitTLS speaks TLS from the first byte (SMTPS); set by NewSMTP
	// when Port is 465.
	ImplicitTLS bool
	// RequireTLS refuses servers that do not offer STARTTLS even when no
	// credentials are configured.
	RequireTLS bool
	// RootCAs verifies the server's certificate; nil uses the system roots.
	RootCAs *x509.CertPool
	// Timeout bounds one whole delivery; 30 seconds when zero. A context
	// deadline that comes sooner wins.
	Timeout time.Duration
	// LocalName is sent in EHLO; "localhost" when empty.
	LocalName string
}

// SMTP delivers messages through one submission server, one connection per
// message.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a sender for cfg; the configuration is checked on Send.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Port == 465 {
		cfg.ImplicitTLS = true
	}
	return &SMTP{cfg: cfg}
}

// Send delivers m. STARTTLS is used whenever the server offers it, and
// required when credentials are configured (ErrInsecure otherwise). Errors
// wrap ErrPermanent for 5xx replies, invalid messages and refused security;
// 4xx replies, network failures and timeouts are temporary.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	to, err := m.validate()
	if err != nil {
		return err
	}
	from, err := parseAddress(s.cfg.From)
	if err != nil {
		return fmt.Errorf("%w: sender %q: %w", ErrPermanent, s.cfg.From, err)
	}
	body, err := build(from, to, m, time.Now())
	if err != nil {
		return fmt.Errorf("%w: build message: %w", ErrPermanent, err)
	}
	if err := s.deliver(ctx, from.Address, to.Address, body); err != nil {
		return fmt.Errorf("mail: send to %s via %s: %w", to.Address, s.cfg.Host, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, from, to string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	tlsCfg := &tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return classify(err)
	}
	// The deadline and the context bound every read and write below.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if s.cfg.ImplicitTLS {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return classify(err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return classify(fmt.Errorf("greeting: %w", err))
	}
	defer c.Close()
	local := s.cfg.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		return classify(fmt.Errorf("EHLO: %w", err))
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS {
		switch ok, _ := c.Extension("STARTTLS"); {
		case ok:
			if err := c.StartTLS(tlsCfg); err != nil {
				return classify(fmt.Errorf("starttls: %w", err))
			}
		case s.cfg.Username != "":
			return fmt.Errorf("%w: %w: the server does not offer STARTTLS", ErrPermanent, ErrInsecure)
		case s.cfg.RequireTLS:
			return fmt.Errorf("%w: %w: the server does not offer STARTTLS and TLS is required", ErrPermanent, ErrInsecure)
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("%w: %w", ErrAuth, classify(err))
		}
	}
	if err := c.Mail(from); err != nil {
		return classify(fmt.Errorf("MAIL FROM: %w", err))
	}
	if err := c.Rcpt(to); err != nil {
		return classify(fmt.Errorf("RCPT TO: %w", err))
	}
	w, err := c.Data()
	if err != nil {
		return classify(fmt.Errorf("DATA: %w", err))
	}
	if _, err := w.Write(body); err != nil {
		return classify(fmt.Errorf("DATA: %w", err))
	}
	if err := w.Close(); err != nil {
		return classify(fmt.Errorf("end of DATA: %w", err))
	}
	_ = c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

// classify marks 5xx replies permanent; everything else stays temporary.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return err
}

var _ Sender = (*SMTP)(nil)
