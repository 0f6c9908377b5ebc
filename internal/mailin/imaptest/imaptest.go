// Package imaptest runs a real IMAP server (go-imap's in-memory backend)
// over TLS and STARTTLS on loopback, with a CA made for the test, for the
// tests of mail intake.
package imaptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Server is one running IMAP server with one user.
type Server struct {
	Host         string // "127.0.0.1"
	TLSPort      int    // implicit TLS
	StartTLSPort int    // plain, with STARTTLS
	User, Pass   string
	CAPEM        []byte // the CA that signed the server's certificate
	user         *imapmemserver.User
	roots        *x509.CertPool
}

type discard struct{}

func (discard) Printf(string, ...any) {}

// Start runs a server with folders INBOX and Archive until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	caPEM, cert := certs(t)
	s := &Server{Host: "127.0.0.1", User: "alice@example.test", Pass: "s3cret", CAPEM: caPEM, roots: x509.NewCertPool()}
	s.roots.AppendCertsFromPEM(caPEM)
	mem := imapmemserver.New()
	s.user = imapmemserver.NewUser(s.User, s.Pass)
	for _, f := range []string{"INBOX", "Archive"} {
		if err := s.user.Create(f, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(s.user)
	tcfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:      imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		TLSConfig: tcfg,
		Logger:    discard{},
	})
	tl, err := tls.Listen("tcp", "127.0.0.1:0", tcfg)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(tl)
	go srv.Serve(pl)
	t.Cleanup(func() { srv.Close() })
	s.TLSPort = tl.Addr().(*net.TCPAddr).Port
	s.StartTLSPort = pl.Addr().(*net.TCPAddr).Port
	return s
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// Deliver appends a raw message to folder.
func (s *Server) Deliver(t testing.TB, folder string, raw []byte) {
	t.Helper()
	if _, err := s.user.Append(folder, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Message is what a test checks of a message in a folder.
type Message struct {
	UID     imap.UID
	Subject string
	Flags   []imap.Flag
}

// Seen reports whether the message carries \Seen.
func (m Message) Seen() bool { return slices.Contains(m.Flags, imap.FlagSeen) }

// Messages lists a folder over a real client connection.
func (s *Server) Messages(t testing.TB, folder string) []Message {
	t.Helper()
	c, err := imapclient.DialTLS(net.JoinHostPort(s.Host, itoa(s.TLSPort)), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: s.roots, ServerName: s.Host}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(s.User, s.Pass).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		out[i] = Message{UID: m.UID, Subject: m.Envelope.Subject, Flags: m.Flags}
	}
	return out
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// certs makes a CA and a server certificate for 127.0.0.1 and localhost.
func certs(t testing.TB) ([]byte, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imaptest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Invoice is a message from billing@ with two PDF attachments, one with an
// RFC 2231 file name.
func Invoice(subject string) []byte {
	pdf := func(n string) string {
		return "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + n + "\ntrailer<</Root 1 0 R>>\n%%EOF\n"
	}
	return []byte("From: Billing <billing@shop.example>\r\nTo: alice@example.test\r\nSubject: " + subject + "\r\n" +
		"Message-ID: <" + subject + "@shop.example>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour invoices.\r\n" +
		"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice-" + subject + ".pdf\"\r\n\r\n" + pdf(subject+"-1") + "\r\n" +
		"--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''Rechnung-%C3%BC-" + subject + ".pdf\r\n\r\n" + pdf(subject+"-2") + "\r\n" +
		"--XX\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=\"logo.png\"\r\nContent-ID: <logo>\r\n\r\n\x89PNG\r\n\x1a\n\r\n" +
		"--XX--\r\n")
}

// Plain is a message without attachments.
func Plain(from, subject string) []byte {
	return []byte("From: " + from + "\r\nTo: alice@example.test\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject +
		"@x.example>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n")
}
