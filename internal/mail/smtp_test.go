package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func TestSMTPDelivers(t *testing.T) {
	ts := newTestServer(t, true, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} })
	text := "Héllo Zoë,\n.a line that starts with a dot\n" + strings.Repeat("long line ", 20) + "\nend = equals\n"
	html := "<p>Héllo <b>Zoë</b></p>\n<p>" + strings.Repeat("long line ", 20) + "</p>"
	m := Message{To: "Zoë Example <zoe@example.test>", Subject: "Réinitialisation ✓ du mot de passe", Text: text, HTML: html}
	if err := ts.sender("vault", "s3cret").Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := ts.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	r := got[0]
	if r.from != "vault@docuvault.test" || r.to != "zoe@example.test" || !r.tls {
		t.Errorf("envelope from %q to %q tls %v; want vault@docuvault.test, zoe@example.test, TLS", r.from, r.to, r.tls)
	}
	for _, line := range strings.SplitAfter(string(r.data), "\r\n") {
		if len(line) > 78+2 {
			t.Errorf("line longer than 78 characters: %q", line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(r.data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	if raw := msg.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("raw Subject %q is not RFC 2047 encoded", raw)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "zoe@example.test" || to[0].Name != "Zoë Example" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if from, err := mail.ParseAddress(msg.Header.Get("From")); err != nil || from.Address != "vault@docuvault.test" || from.Name != "DocuVault" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if d, err := msg.Header.Date(); err != nil || time.Since(d).Abs() > time.Hour {
		t.Errorf("Date = %v (%v), want about now", d, err)
	}
	if id := msg.Header.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@docuvault\.test>$`).MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	if v := msg.Header.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version = %q", v)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	want := []struct{ ctype, body string }{{"text/plain", text}, {"text/html", html}}
	for i := 0; ; i++ {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			if i != len(want) {
				t.Errorf("%d parts, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if i >= len(want) {
			t.Fatalf("unexpected part %d", i)
		}
		if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part %d Content-Transfer-Encoding = %q", i, cte)
		}
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if pt != want[i].ctype || pp["charset"] != "utf-8" {
			t.Errorf("part %d Content-Type = %q", i, p.Header.Get("Content-Type"))
		}
		raw, _ := io.ReadAll(p)
		body, err := io.ReadAll(quotedPrintable(raw))
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != want[i].body {
			t.Errorf("part %d body = %q, want %q", i, got, want[i].body)
		}
	}
}

func TestSMTPPlainTextOnly(t *testing.T) {
	ts := newTestServer(t, true, nil)
	if err := ts.sender("", "").Send(context.Background(), Message{To: "a@example.test", Subject: "plain", Text: "only text"}); err != nil {
		t.Fatal(err)
	}
	got := ts.messages()
	if len(got) != 1 || !got[0].tls {
		t.Fatalf("received %d messages (TLS %v), want 1 over TLS", len(got), len(got) == 1 && got[0].tls)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if b, _ := io.ReadAll(quotedPrintable(mustRead(t, msg.Body))); strings.TrimSpace(string(b)) != "only text" {
		t.Errorf("body = %q", b)
	}
}

func TestSMTPFailures(t *testing.T) {
	msg := Message{To: "user@example.test", Subject: "hi", Text: "body"}
	tests := []struct {
		name       string
		tlsOn      bool
		configure  func(*testServer)
		user, pass string
		requireTLS bool
		permanent  bool
		is         error
	}{
		{"wrong password", true, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} }, "vault", "wrong", false, true, ErrAuth},
		{"unknown user", true, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} }, "nobody", "s3cret", false, true, ErrAuth},
		{"no credentials where AUTH is required", true, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} }, "", "", false, true, nil},
		{"recipient refused 550", true, func(ts *testServer) {
			ts.rcptErr = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}, "", "", false, true, nil},
		{"recipient deferred 451", true, func(ts *testServer) {
			ts.rcptErr = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		}, "", "", false, false, nil},
		{"connection dropped in DATA", true, func(ts *testServer) { ts.dropData = true }, "", "", false, false, nil},
		{"credentials without STARTTLS", false, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} }, "vault", "s3cret", false, true, ErrInsecure},
		{"TLS required without STARTTLS", false, nil, "", "", true, true, ErrInsecure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.tlsOn, tt.configure)
			s := ts.sender(tt.user, tt.pass)
			s.cfg.RequireTLS = tt.requireTLS
			err := s.Send(context.Background(), msg)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if got := errors.Is(err, ErrPermanent); got != tt.permanent {
				t.Errorf("errors.Is(%v, ErrPermanent) = %v, want %v", err, got, tt.permanent)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if n := len(ts.messages()); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
}

func TestSMTPWithoutSTARTTLSNoCredentials(t *testing.T) {
	ts := newTestServer(t, false, nil)
	if err := ts.sender("", "").Send(context.Background(), Message{To: "a@example.test", Subject: "s", Text: "t"}); err != nil {
		t.Fatalf("Send without credentials to a plaintext server: %v", err)
	}
	if got := ts.messages(); len(got) != 1 || got[0].tls {
		t.Fatalf("received %v, want one message without TLS", got)
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	ts := newTestServer(t, true, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} })
	s := ts.sender("vault", "s3cret")
	s.cfg.RootCAs = nil // the system roots do not know the test certificate
	if err := s.Send(context.Background(), Message{To: "a@example.test", Subject: "s", Text: "t"}); err == nil {
		t.Fatal("Send trusted an unknown certificate")
	}
	if n := len(ts.messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPServerSilent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }() // accepts, never greets
		}
	}()
	s := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "v@docuvault.test", Timeout: 300 * time.Millisecond})
	err = s.Send(context.Background(), Message{To: "a@example.test", Subject: "s", Text: "t"})
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("Send to a silent server = %v, want a temporary error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.cfg.Timeout = time.Minute
	if err := s.Send(ctx, Message{To: "a@example.test", Subject: "s", Text: "t"}); err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("Send with a cancelled context = %v, want a temporary error", err)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	ts := newTestServer(t, true, nil)
	tests := []struct {
		name string
		m    Message
	}{
		{"CRLF in To", Message{To: "a@example.test\r\nBcc: victim@example.test", Subject: "s", Text: "t"}},
		{"LF in To", Message{To: "a@example.test\nBcc: victim@example.test", Subject: "s", Text: "t"}},
		{"CR in Subject", Message{To: "a@example.test", Subject: "hi\rBcc: victim@example.test", Text: "t"}},
		{"LF in Subject", Message{To: "a@example.test", Subject: "hi\nBcc: victim@example.test", Text: "t"}},
		{"two recipients", Message{To: "a@example.test, b@example.test", Subject: "s", Text: "t"}},
		{"not an address", Message{To: "nobody", Subject: "s", Text: "t"}},
		{"no text", Message{To: "a@example.test", Subject: "s", Text: "  "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ts.sender("", "").Send(context.Background(), tt.m)
			if !errors.Is(err, ErrInvalidMessage) || !errors.Is(err, ErrPermanent) {
				t.Fatalf("Send = %v, want ErrInvalidMessage and ErrPermanent", err)
			}
		})
	}
	if n := len(ts.messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestTemplatesDeliveredOverSMTP(t *testing.T) {
	ts := newTestServer(t, true, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} })
	m, err := PasswordReset(ResetData{To: "zoe@example.test", FrontendURL: "https://vault.example.test/", Token: "tok+/=en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.sender("vault", "s3cret").Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := ts.messages()
	if len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	decoded, _ := io.ReadAll(quotedPrintable(got[0].data))
	if link := "https://vault.example.test/reset-password?token=tok%2B%2F%3Den"; !strings.Contains(string(decoded), link) {
		t.Errorf("delivered message does not hold the link %s", link)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	ts := startTestServer(t, true, true, func(ts *testServer) { ts.users = map[string]string{"vault": "s3cret"} })
	s := ts.sender("vault", "s3cret")
	s.cfg.ImplicitTLS = true
	if err := s.Send(context.Background(), Message{To: "a@example.test", Subject: "s", Text: "t"}); err != nil {
		t.Fatalf("Send over implicit TLS: %v", err)
	}
	if got := ts.messages(); len(got) != 1 || !got[0].tls {
		t.Fatalf("received %d messages, want one over TLS", len(got))
	}
	if !NewSMTP(SMTPConfig{Port: 465}).cfg.ImplicitTLS || NewSMTP(SMTPConfig{}).cfg.ImplicitTLS || NewSMTP(SMTPConfig{}).cfg.Port != 587 {
		t.Error("port 465 does not imply TLS, or the default port is not 587")
	}
}
