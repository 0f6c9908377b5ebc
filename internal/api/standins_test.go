package api_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/api"
	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/store"
)

// This file is the one place the API tests build api.Deps or a document
// service by hand. Most tests boot the real application through
// internal/apptest (see accessEnv). The suites here test one part of the
// API with a stand-in the real application has no seam for: a mailer that
// records (authEnv), a job queue that records what a commit queued
// (recordingJobs), a principal without tokens (bearerUser, fixedUser), a
// failing health check, a short idle timeout.

// testSecret is the signing key of the stand-in document services.
const testSecret = "test-secret-key-test-secret-key!!"

// newDocuments is a document service over st and blobs whose jobs go to q.
func newDocuments(t testing.TB, st *store.Store, blobs blob.Store, q document.Enqueuer, log *slog.Logger, cfg document.Config) *document.Service {
	t.Helper()
	if cfg.SecretKey == "" {
		cfg.SecretKey = testSecret
	}
	docs, err := document.New(st, blobs, q, log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// authAPI is the accounts part of the API (tokens, sessions, 2FA, admin
// users), trusting the given reverse proxies.
func authAPI(st *store.Store, accounts *auth.Service, trusted []netip.Prefix) http.Handler {
	return api.New(api.Deps{Store: st, Accounts: accounts, TrustedProxies: trusted}).Handler()
}

// aiAPI is the classification part, with documents when docs is not nil.
func aiAPI(st *store.Store, accounts *auth.Service, ai *classify.Service, docs *document.Service) http.Handler {
	return api.New(api.Deps{Store: st, Accounts: accounts, Classify: ai, Documents: docs}).Handler()
}

// docAPI is the documents part, authenticating with who; x, when not nil,
// serves the audit exports.
func docAPI(st *store.Store, blobs blob.Store, docs *document.Service, who api.Authenticator, x *audit.Exporter) http.Handler {
	return api.New(api.Deps{Store: st, Blobs: blobs, Documents: docs, Audit: x, Auth: who}).Handler()
}

// cloudAPI is the documents and cloud drives part, as bearerUser.
func cloudAPI(st *store.Store, blobs blob.Store, docs *document.Service, drives *cloud.Service, log *slog.Logger) http.Handler {
	return api.New(api.Deps{Store: st, Blobs: blobs, Documents: docs, Cloud: drives, Auth: bearerUser{st}, Logger: log}).Handler()
}

// bearerUser authenticates "Bearer user:<id>" as that user: the document
// suites test documents, not tokens (the auth suites test those).
type bearerUser struct{ s *store.Store }

func (b bearerUser) Authenticate(ctx context.Context, r *http.Request) (*api.Principal, error) {
	id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer user:")
	if !ok {
		return nil, apperr.New(apperr.Unauthorized, "authentication required")
	}
	u, err := b.s.UserByID(ctx, id)
	if err != nil {
		return nil, apperr.New(apperr.Unauthorized, "authentication required")
	}
	return &api.Principal{UserID: u.ID, Role: u.Role, Via: "bearer"}, nil
}

// fixedUser authenticates every request as one user, without the database.
type fixedUser string

func (u fixedUser) Authenticate(context.Context, *http.Request) (*api.Principal, error) {
	return &api.Principal{UserID: string(u), Role: "user", Via: "bearer"}, nil
}

type allowAll struct{}

func (allowAll) Authenticate(context.Context, *http.Request) (*api.Principal, error) {
	return &api.Principal{UserID: "u", Role: "user", Via: "bearer"}, nil
}

// TestHealth: /health sums up its checks; a failing required check makes it
// "degraded", an optional one that is off does not, and no error detail
// leaks.
func TestHealth(t *testing.T) {
	ok := func(context.Context) error { return nil }
	bad := func(context.Context) error { return errors.New("connection refused: secret detail") }
	off := func(context.Context) error { return api.Unavailable{Reason: "tesseract is not installed"} }
	for _, tc := range []struct {
		name   string
		checks map[string]api.HealthCheck
		want   string
	}{
		{"all ok", map[string]api.HealthCheck{"database": ok, "storage": ok}, "ok"},
		{"storage down", map[string]api.HealthCheck{"database": ok, "storage": bad}, "degraded"},
		{"optional off", map[string]api.HealthCheck{"database": ok, "ocr": off}, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(api.New(api.Deps{Health: tc.checks, Version: "v-test"}).Handler())
			t.Cleanup(srv.Close)
			res, body := getJSON(t, srv.URL+"/health", nil)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			if body["status"] != tc.want || body["version"] != "v-test" {
				t.Fatalf("body %v", body)
			}
			checks := body["checks"].(map[string]any)
			if len(checks) != len(tc.checks) {
				t.Fatalf("checks %v", checks)
			}
			for _, v := range checks {
				if strings.Contains(v.(string), "secret detail") {
					t.Fatal("health leaks error details")
				}
			}
		})
	}
}

// A client that stops sending its body mid-upload is disconnected instead
// of holding the connection open forever.
func TestStalledBodyIsDisconnected(t *testing.T) {
	s := api.New(api.Deps{IdleTimeout: 200 * time.Millisecond, Auth: allowAll{}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// An authenticated route that reads a JSON body.
	_, _ = conn.Write([]byte("POST /api/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":"))
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 4096)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server kept a stalled upload open")
		}
		return // closed by the server
	}
}

// bareAPI is the router without services: its routes and openapi.json
// (the tests that swap cloud.Kinds build it again after the swap).
func bareAPI() *api.Server { return api.New(api.Deps{}) }
