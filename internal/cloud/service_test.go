package cloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// recJobs records what the service queues (the API suites run the real
// engine; here the service's own steps are called directly).
type recJobs struct {
	mu                    sync.Mutex
	place, migrate, drain []string
}

func (j *recJobs) EnqueuePlace(_ context.Context, tx *store.Store, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if tx.Tx() == nil {
		return errors.New("placement must be queued in a transaction")
	}
	j.place = append(j.place, id)
	return nil
}
func (j *recJobs) EnqueueMigrate(_ context.Context, _ *store.Store, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.migrate = append(j.migrate, id)
	return nil
}
func (j *recJobs) EnqueueDrain(_ context.Context, _ *store.Store, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.drain = append(j.drain, id)
	return nil
}

type svcEnv struct {
	t     *testing.T
	st    *store.Store
	blobs blob.Store
	s     *Service
	jobs  *recJobs
}

func newSvcEnv(t *testing.T, st *store.Store, srv *httptest.Server) *svcEnv {
	t.Helper()
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	g := GoogleOAuthConfig("client-id", "client-secret", "https://docs.example.com")
	g.Endpoint = oauth2.Endpoint{AuthURL: srv.URL + "/auth", TokenURL: srv.URL + "/token"}
	o := OneDriveOAuthConfig("client-id", "client-secret", "", "https://docs.example.com")
	o.Endpoint = g.Endpoint
	e := &svcEnv{t: t, st: st, blobs: blobs, jobs: &recJobs{}}
	e.s, err = NewService(st, blobs, sealer, testGuard(t), e.jobs, nil, ServiceConfig{
		FrontendURL: "https://docs.example.com", OAuth: map[string]*oauth2.Config{KindGoogleDrive: g, KindOneDrive: o},
		ProviderClient: srv.Client(), APIURLs: map[string]string{KindGoogleDrive: srv.URL + "/", KindOneDrive: srv.URL + "/v1.0"},
		ChunkSizes: map[string]int{KindOneDrive: chunkUnit}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// connect runs the authorization code flow as a browser would and returns
// the new account.
func (e *svcEnv) connect(fo *fakeOAuth, userID, kind string) *model.CloudAccount {
	e.t.Helper()
	ctx := ctxT(e.t)
	start, err := e.s.StartAuthorize(ctx, userID, kind, "")
	if err != nil {
		e.t.Fatal(err)
	}
	code, state := fo.consent(e.t, start.URL)
	to := e.s.FinishAuthorize(ctx, kind, Callback{Code: code, State: state, CookieState: state})
	if to != "https://docs.example.com/settings?cloud=connected" {
		e.t.Fatalf("callback sent the browser to %s", to)
	}
	l, err := e.st.ListCloudAccounts(ctx, userID)
	if err != nil || len(l) == 0 {
		e.t.Fatalf("accounts: %v %v", l, err)
	}
	return l[len(l)-1]
}

func (e *svcEnv) document(ownerID, name string, content []byte) *model.Document {
	e.t.Helper()
	ctx := ctxT(e.t)
	sum := sha256.Sum256(content)
	d := &model.Document{ID: store.NewID(), OwnerID: ownerID, Title: name, OriginalFilename: name, MIMEType: "text/plain",
		SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Status: model.StatusReady}
	d.BlobKey = ownerID + "/" + d.ID + "/blob.txt"
	if _, err := e.blobs.Put(ctx, d.BlobKey, bytes.NewReader(content), d.SizeBytes, "text/plain"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.CreateDocument(ctx, d); err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *svcEnv) token(acc *model.CloudAccount) *oauth2.Token {
	e.t.Helper()
	a, err := e.st.CloudAccountForJob(ctxT(e.t), acc.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	plain, err := e.s.sealer.Open(a.OwnerID, seal.PurposeCloudCreds, a.ID, a.Credentials)
	if err != nil {
		e.t.Fatal(err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(plain, &tok); err != nil {
		e.t.Fatal(err)
	}
	return &tok
}

func (e *svcEnv) setToken(acc *model.CloudAccount, tok *oauth2.Token) {
	e.t.Helper()
	sealed, err := e.s.sealToken(acc.OwnerID, acc.ID, tok)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SetCloudCredentials(ctxT(e.t), acc.OwnerID, acc.ID, sealed); err != nil {
		e.t.Fatal(err)
	}
}

// Placement on Google Drive and OneDrive through their wire protocols:
// the OAuth flow stores a sealed token, placement uploads into DocuVault/,
// refreshed tokens are persisted, a revoked refresh token leaves the
// document safe and asks for a reconnect, and draining brings it back.
func TestServiceOAuthDrives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, tc := range []struct {
			kind string
			fake func(*fakeOAuth) (func(string) (string, []byte), *httptest.Server)
		}{
			{KindGoogleDrive, func(fo *fakeOAuth) (func(string) (string, []byte), *httptest.Server) {
				g, srv := newFakeGoogle(t, fo)
				return g.path, srv
			}},
			{KindOneDrive, func(fo *fakeOAuth) (func(string) (string, []byte), *httptest.Server) {
				g, srv := newFakeGraph(t, fo)
				return g.path, srv
			}},
		} {
			t.Run(tc.kind, func(t *testing.T) {
				ctx := ctxT(t)
				fo := newFakeOAuth()
				onServer, srv := tc.fake(fo)
				e := newSvcEnv(t, st, srv)
				u := &model.User{Email: tc.kind + "@x.test", PasswordHash: "x"}
				if err := st.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				acc := e.connect(fo, u.ID, tc.kind)
				if acc.Kind != tc.kind || bytes.Contains(acc.Credentials, []byte("rt-")) {
					t.Fatalf("account %+v", acc)
				}
				if res, err := e.s.TestAccount(ctx, u.ID, acc.ID); err != nil || !res.OK {
					t.Fatalf("test: %+v %v", res, err)
				}
				if err := e.s.SetBackend(ctx, u.ID, acc.ID); err != nil {
					t.Fatal(err)
				}
				content := []byte("Übersicht der Konten 2024\n")
				d := e.document(u.ID, "Konten: 2024?.txt", content)
				// Queued as the lifecycle does once the document is ready
				// (the decision is tested in internal/lifecycle).
				if err := lifecycle.SetStorage(ctx, st, d, model.StoragePending, ""); err != nil {
					t.Fatal(err)
				}
				// An expired access token is refreshed and the new one kept.
				before := e.token(acc)
				e.setToken(acc, expired(before.AccessToken, before.RefreshToken))
				if err := e.s.Place(ctx, d.ID, false); err != nil {
					t.Fatal(err)
				}
				got, _ := st.Document(ctx, u.ID, d.ID)
				if got.StorageState != model.StoragePlaced || got.StorageBackend != acc.ID {
					t.Fatalf("placement: %+v", got)
				}
				if p, data := onServer(got.StorageRef); !strings.HasPrefix(p, "DocuVault/Konten_ 2024_ (") || !bytes.Equal(data, content) {
					t.Fatalf("on the drive: %q %q", p, data)
				}
				if after := e.token(acc); after.AccessToken == before.AccessToken {
					t.Fatal("the refreshed access token was not stored")
				}
				if _, err := e.blobs.Stat(ctx, d.BlobKey); !errors.Is(err, blob.ErrNotFound) {
					t.Fatalf("system copy after placement: %v", err)
				}
				rc, err := e.s.OpenRemote(ctx, got)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(b, content) {
					t.Fatalf("read back %q", b)
				}

				// A revoked refresh token: the next document stays in
				// system storage and the account asks for a reconnect.
				tok := e.token(acc)
				fo.mu.Lock()
				delete(fo.refresh, tok.RefreshToken)
				fo.mu.Unlock()
				e.setToken(acc, expired(tok.AccessToken, tok.RefreshToken))
				d2 := e.document(u.ID, "second.txt", []byte("second"))
				if err := e.s.Place(ctx, d2.ID, true); !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("place with a revoked token: %v", err)
				}
				got2, _ := st.Document(ctx, u.ID, d2.ID)
				a, _ := st.CloudAccount(ctx, u.ID, acc.ID)
				if got2.StorageBackend != model.BackendSystem || got2.StorageState != model.StorageFailed || got2.StorageError == "" ||
					a.Status != model.CloudReconnect {
					t.Fatalf("after a revoked token: %+v / %+v", got2, a)
				}
				if _, err := e.blobs.Stat(ctx, d2.BlobKey); err != nil {
					t.Fatalf("the system copy is gone after a failed placement: %v", err)
				}
				// Reconnecting renews the same account; disconnecting then
				// brings the placed document back.
				start, err := e.s.StartAuthorize(ctx, u.ID, tc.kind, acc.ID)
				if err != nil {
					t.Fatal(err)
				}
				code, state := fo.consent(t, start.URL)
				if to := e.s.FinishAuthorize(ctx, tc.kind, Callback{Code: code, State: state, CookieState: state}); !strings.HasSuffix(to, "cloud=connected") {
					t.Fatalf("reconnect: %s", to)
				}
				if err := e.s.Disconnect(ctx, Actor{UserID: u.ID}, acc.ID); err != nil {
					t.Fatal(err)
				}
				if len(e.jobs.drain) != 1 {
					t.Fatalf("drain not queued: %v", e.jobs.drain)
				}
				if err := e.s.Drain(ctx, acc.ID); err != nil {
					t.Fatal(err)
				}
				back, _ := st.Document(ctx, u.ID, d.ID)
				if back.StorageBackend != model.BackendSystem || back.StorageState != model.StorageStored {
					t.Fatalf("after drain: %+v", back)
				}
				if p, _ := onServer(got.StorageRef); p != "" {
					t.Fatalf("the drive still holds %s", p)
				}
				if _, err := st.CloudAccount(ctx, u.ID, acc.ID); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("account after drain: %v", err)
				}
			})
		}
	})
}

func TestFinishAuthorizeRefusals(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	fo := newFakeOAuth()
	_, srv := newFakeGoogle(t, fo)
	e := newSvcEnv(t, st, srv)
	ctx := ctxT(t)
	u := &model.User{Email: "a@x.test", PasswordHash: "x"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	reason := func(to string) string {
		q, _ := url.Parse(to)
		return q.Query().Get("reason")
	}
	start, _ := e.s.StartAuthorize(ctx, u.ID, KindGoogleDrive, "")
	code, state := fo.consent(t, start.URL)
	for _, tc := range []struct {
		name string
		kind string
		cb   Callback
		want string
	}{
		{"no cookie", KindGoogleDrive, Callback{Code: code, State: state}, ReasonState},
		{"other cookie", KindGoogleDrive, Callback{Code: code, State: state, CookieState: "x"}, ReasonState},
		{"unknown state", KindGoogleDrive, Callback{Code: code, State: "forged", CookieState: "forged"}, ReasonState},
		{"other provider", KindOneDrive, Callback{Code: code, State: state, CookieState: state}, ReasonState},
		// The state was used by the attempt above: single use.
		{"replayed", KindGoogleDrive, Callback{Code: code, State: state, CookieState: state}, ReasonState},
	} {
		if got := reason(e.s.FinishAuthorize(ctx, tc.kind, tc.cb)); got != tc.want {
			t.Errorf("%s: reason %q, want %q", tc.name, got, tc.want)
		}
	}
	start, _ = e.s.StartAuthorize(ctx, u.ID, KindGoogleDrive, "")
	_, state = fo.consent(t, start.URL)
	if got := reason(e.s.FinishAuthorize(ctx, KindGoogleDrive, Callback{Code: "wrong", State: state, CookieState: state})); got != ReasonExchange {
		t.Errorf("wrong code: %q", got)
	}
	if l, _ := st.ListCloudAccounts(ctx, u.ID); len(l) != 0 {
		t.Fatalf("refused flows stored %d accounts", len(l))
	}
}

func TestDriveName(t *testing.T) {
	for _, tc := range []struct{ id, name, want string }{
		{"01234567-89ab-7cde-8f01-23456789abcd", "invoice.pdf", "invoice (23456789abcd).pdf"},
		{"01234567-89ab-7cde-8f01-23456789abcd", "README", "README (23456789abcd)"},
		{"01234567-89ab-7cde-8f01-23456789abcd", "", "document (23456789abcd)"},
		{"01234567-89ab-7cde-8f01-23456789abcd", strings.Repeat("ä", 150) + ".txt", strings.Repeat("ä", 90) + " (23456789abcd).txt"},
	} {
		got := DriveName(&model.Document{ID: tc.id, OriginalFilename: tc.name})
		if got != tc.want {
			t.Errorf("DriveName(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if len(got) > MaxNameBytes {
			t.Errorf("DriveName(%q) is %d bytes", tc.name, len(got))
		}
	}
}

// Asking to move documents marks them pending at once, in the same
// transaction as the move job; if the user chooses system storage again
// before the job runs, the job queues their placement, which records them as
// stored again instead of leaving them waiting for a move nobody wants.
func TestMigrateMarksPendingAndChangeOfMind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := ctxT(t)
		fo := newFakeOAuth()
		_, srv := newFakeGoogle(t, fo)
		e := newSvcEnv(t, st, srv)
		u := &model.User{Email: "mind@x.test", PasswordHash: "x"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		acc := e.connect(fo, u.ID, KindGoogleDrive)
		d := e.document(u.ID, "older.txt", []byte("an older document\n"))
		state := func() string {
			got, err := st.DocumentForJob(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.StorageBackend + "/" + got.StorageState
		}
		// With system storage chosen, asking to move marks nothing.
		if err := e.s.Migrate(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if got := state(); got != "system/stored" {
			t.Fatalf("move to system storage marked the document %s", got)
		}
		if err := e.s.SetBackend(ctx, u.ID, acc.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Migrate(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if got := state(); got != "system/pending" || len(e.jobs.migrate) != 2 {
			t.Fatalf("after asking to move: %s, move jobs %v", got, e.jobs.migrate)
		}
		if err := e.s.SetBackend(ctx, u.ID, model.BackendSystem); err != nil {
			t.Fatal(err)
		}
		if err := e.s.MigrateUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if len(e.jobs.place) != 1 || e.jobs.place[0] != d.ID {
			t.Fatalf("placement jobs after the change of mind: %v", e.jobs.place)
		}
		if err := e.s.Place(ctx, d.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := state(); got != "system/stored" {
			t.Fatalf("after the change of mind the document is %s", got)
		}
	})
}
