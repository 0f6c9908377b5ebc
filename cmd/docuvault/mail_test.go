package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/docuvault/docuvault/internal/store"
)

// smtpServer is a real SMTP server (go-smtp) on the loopback interface that
// offers STARTTLS with a certificate made here and requires AUTH PLAIN.
type smtpServer struct {
	port     int
	certFile string // PEM of the certificate, for the binary's SSL_CERT_FILE
	user     string
	pass     string

	mu       sync.Mutex
	refuse   bool // answer every RCPT with a permanent 550
	received []smtpMessage
}

type smtpMessage struct {
	from, to string
	tls      bool
	data     []byte
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(2 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ts := &smtpServer{user: "vault", pass: "smtp secret 123", certFile: filepath.Join(t.TempDir(), "ca.pem")}
	if err := os.WriteFile(ts.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{ts: ts, conn: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 2 << 20
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ts
}

func (ts *smtpServer) env() []string {
	return []string{"SMTP_HOST=127.0.0.1", "SMTP_PORT=" + strconv.Itoa(ts.port), "SMTP_USER=" + ts.user,
		"SMTP_PASSWORD=" + ts.pass, "SMTP_FROM=DocuVault <vault@docuvault.test>", "SSL_CERT_FILE=" + ts.certFile}
}

func (ts *smtpServer) setRefuse(v bool) {
	ts.mu.Lock()
	ts.refuse = v
	ts.mu.Unlock()
}

func (ts *smtpServer) messages() []smtpMessage {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]smtpMessage(nil), ts.received...)
}

type smtpSession struct {
	ts       *smtpServer
	conn     *smtp.Conn
	authed   bool
	from, to string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.ts.user || password != s.ts.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "invalid credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ts.mu.Lock()
	refuse := s.ts.refuse
	s.ts.mu.Unlock()
	if refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.to = to
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.ts.mu.Lock()
	s.ts.received = append(s.ts.received, smtpMessage{from: s.from, to: s.to, tls: isTLS, data: b})
	s.ts.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// plainText returns the decoded text/plain part of a MIME message.
func plainText(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	var walk func(h map[string][]string, body io.Reader) string
	walk = func(h map[string][]string, body io.Reader) string {
		header := netmail.Header(h)
		mt, params, err := mime.ParseMediaType(header.Get("Content-Type"))
		if err != nil {
			mt = "text/plain"
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return ""
				}
				if s := walk(p.Header, p); s != "" {
					return s
				}
			}
		}
		if mt != "text/plain" {
			return ""
		}
		if strings.EqualFold(header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(body)
		return string(b)
	}
	return walk(msg.Header, msg.Body)
}

var resetLinkRE = regexp.MustCompile(`https://vault\.example\.test/reset-password\?token=([A-Za-z0-9_%.\-]+)`)

// TestMailJobsAndAuditThroughBinary is the "done when" of the email, audit
// and jobs issue through the real binary on the embedded default, with
// SMTP_* pointing at a real SMTP server (STARTTLS + AUTH): a password-reset
// mail that the server refuses permanently shows up as a failed job in the
// admin jobs view, is retried by the admin once the server accepts, arrives,
// and resets the password; after the day has passed, the admin reads who did
// what from the daily audit export.
func TestMailJobsAndAuditThroughBinary(t *testing.T) {
	mx := startSMTP(t)
	mx.setRefuse(true)
	dataDir := t.TempDir()
	env := append([]string{"DATA_DIR=" + dataDir, "HIBP_URL=off", "FRONTEND_URL=https://vault.example.test",
		"ADMIN_EMAIL=admin@example.test", "ADMIN_PASSWORD=the admin passphrase"}, mx.env()...)
	p := startServe(t, env...)

	admin := newClient(t, p.addr)
	admin.token = admin.json("POST", "/api/auth/login", map[string]any{"email": "admin@example.test", "password": "the admin passphrase"}, 200)["access_token"].(string)
	user := newClient(t, p.addr)
	user.json("POST", "/api/auth/register", map[string]any{"email": "forgetful@example.test", "password": "my first long passphrase"}, 201)
	user.json("POST", "/api/auth/password-reset/request", map[string]any{"email": "forgetful@example.test"}, 202)
	// An unknown address gets the same answer and no mail.
	user.json("POST", "/api/auth/password-reset/request", map[string]any{"email": "nobody@example.test"}, 202)

	// The refused mail is a failed job the admin can see, with the SMTP error.
	var failed map[string]any
	deadline := time.Now().Add(60 * time.Second)
	for failed == nil {
		for _, j := range admin.json("GET", "/api/admin/jobs", nil, 200)["items"].([]any) {
			j := j.(map[string]any)
			if j["kind"] == "email.send" && (j["state"] == "cancelled" || j["state"] == "discarded") {
				failed = j
			}
		}
		if failed == nil {
			if time.Now().After(deadline) {
				t.Fatalf("no failed email job in the admin view\n%s", p.logs)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	errs, _ := json.Marshal(failed["errors"])
	if !strings.Contains(string(errs), "550") {
		t.Fatalf("failed job does not say why: %v", failed)
	}
	if n := len(mx.messages()); n != 0 {
		t.Fatalf("%d messages delivered while refusing", n)
	}
	// A non-admin cannot see or retry jobs.
	user.token = user.json("POST", "/api/auth/login", map[string]any{"email": "forgetful@example.test", "password": "my first long passphrase"}, 200)["access_token"].(string)
	if code, _, _ := user.call("GET", "/api/admin/jobs", nil, ""); code != 403 {
		t.Fatalf("non-admin jobs view: %d", code)
	}

	// The server accepts again; the admin retries the job and the mail arrives.
	mx.setRefuse(false)
	id := strconv.FormatInt(int64(failed["id"].(float64)), 10)
	admin.json("POST", "/api/admin/jobs/"+id+"/retry", nil, 202)
	deadline = time.Now().Add(60 * time.Second)
	for len(mx.messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the retried mail never arrived\n%s", p.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	msgs := mx.messages()
	if len(msgs) != 1 || msgs[0].to != "forgetful@example.test" || !msgs[0].tls || msgs[0].from != "vault@docuvault.test" {
		t.Fatalf("delivered: %d messages, first to=%q from=%q tls=%v", len(msgs), msgs[0].to, msgs[0].from, msgs[0].tls)
	}
	text := plainText(t, msgs[0].data)
	m := resetLinkRE.FindStringSubmatch(text)
	if m == nil || !strings.Contains(text, "1 hour") {
		t.Fatalf("no reset link valid for an hour in the mail:\n%s", text)
	}
	token, err := url.QueryUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}

	// The link resets the password, once.
	anon := newClient(t, p.addr)
	anon.json("POST", "/api/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "my second long passphrase"}, 204)
	if code, b, _ := anon.call("POST", "/api/auth/password-reset/confirm", strings.NewReader(`{"token":"`+token+`","new_password":"a third long passphrase"}`), "application/json"); code < 400 || code >= 500 || !strings.Contains(string(b), `"status"`) {
		t.Fatalf("reset token worked twice: %d %s", code, b)
	}
	if code, _, _ := anon.call("POST", "/api/auth/login", strings.NewReader(`{"email":"forgetful@example.test","password":"my first long passphrase"}`), "application/json"); code != 401 {
		t.Fatalf("old password still works: %d", code)
	}
	anon.json("POST", "/api/auth/login", map[string]any{"email": "forgetful@example.test", "password": "my second long passphrase"}, 200)
	// The job is recorded completed shortly after its mail is accepted (the
	// job engine writes completions in batches).
	completed := func() ([]any, bool) {
		jobs := admin.json("GET", "/api/admin/jobs?state=completed", nil, 200)["items"].([]any)
		for _, j := range jobs {
			if j.(map[string]any)["id"] == failed["id"] {
				return jobs, true
			}
		}
		return jobs, false
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		jobs, ok := completed()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retried job not completed: %s", mustJSON(jobs))
		}
	}
	p.stop(t)

	// Midnight passes while the server is down: move today's audit entries
	// to yesterday, as if they had happened then.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	shiftAuditBack(t, filepath.Join(dataDir, "docuvault.db"))

	// On the next start the missed day is exported; the admin reads it.
	p = startServe(t, env...)
	admin = newClient(t, p.addr)
	admin.token = admin.json("POST", "/api/auth/login", map[string]any{"email": "admin@example.test", "password": "the admin passphrase"}, 200)["access_token"].(string)
	deadline = time.Now().Add(60 * time.Second)
	for !strings.Contains(mustJSON(admin.json("GET", "/api/audit/exports", nil, 200)), yesterday) {
		if time.Now().After(deadline) {
			t.Fatalf("no export for %s\n%s", yesterday, p.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	code, gz, h := admin.call("GET", "/api/audit/exports/"+yesterday, nil, "")
	if code != 200 {
		t.Fatalf("download export: %d %s", code, gz)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("export is not gzip (%s): %v", h.Get("Content-Type"), err)
	}
	actions := map[string]int{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line is not JSON: %s", sc.Bytes())
		}
		a, _ := e["action"].(string)
		actions[a]++
		if strings.Contains(sc.Text(), "passphrase") || strings.Contains(sc.Text(), token) {
			t.Fatalf("export holds a secret: %s", sc.Text())
		}
	}
	for _, want := range []string{"auth.register", "auth.password_reset", "admin.job_retry"} {
		if actions[want] == 0 {
			t.Errorf("export of %s lacks %s: %v", yesterday, want, actions)
		}
	}
	// Anonymous callers and non-admins cannot read exports.
	if code, _, _ := newClient(t, p.addr).call("GET", "/api/audit/exports/"+yesterday, nil, ""); code != 401 {
		t.Errorf("anonymous export download: %d", code)
	}
	user = newClient(t, p.addr)
	user.token = user.json("POST", "/api/auth/login", map[string]any{"email": "forgetful@example.test", "password": "my second long passphrase"}, 200)["access_token"].(string)
	if code, _, _ := user.call("GET", "/api/audit/exports/"+yesterday, nil, ""); code != 403 {
		t.Errorf("non-admin export download: %d", code)
	}
	p.stop(t)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// shiftAuditBack moves every audit entry one day into the past.
func shiftAuditBack(t *testing.T, dbPath string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{SQLitePath: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().QueryContext(ctx, `SELECT id, at FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		id string
		at time.Time
	}
	var all []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.id, &e.at); err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no audit entries written")
	}
	for _, e := range all {
		if _, err := st.DB().ExecContext(ctx, `UPDATE audit_log SET at = $1 WHERE id = $2`, e.at.UTC().AddDate(0, 0, -1), e.id); err != nil {
			t.Fatal(err)
		}
	}
}
