package apptest_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/docuvault/docuvault/internal/apptest"
	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/store"
)

// The booted application answers like serve on both engines: a user
// registers and signs in through the API, uploads a document that queues
// its processing job (not worked: no Workers), and another user does not
// see it.
func TestNewServesTheRealApplication(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		ctx := context.Background()
		want := store.SQLite
		if a.Config.DatabaseURL != "" {
			want = store.Postgres
		}
		if a.Store.Dialect() != want {
			t.Fatalf("dialect %s, want %s", a.Store.Dialect(), want)
		}
		if res, _ := a.Anonymous().Do("GET", "/health", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("health: %d", res.StatusCode)
		}
		ann, bob := a.User("ann@apptest.test"), a.User("bob@apptest.test")
		if me := ann.Must(200, "GET", "/api/me", nil)["user"].(map[string]any); me["id"] != ann.ID || me["email"] != ann.Email {
			t.Fatalf("me: %v", me)
		}
		if status, _ := a.Anonymous().JSON("GET", "/api/me", nil); status != http.StatusUnauthorized {
			t.Fatalf("me without a token: %d", status)
		}

		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "note.txt")
		_, _ = fw.Write([]byte("a note for the apptest package"))
		mw.Close()
		req, _ := http.NewRequestWithContext(ctx, "POST", a.URL+"/api/documents", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+ann.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d", res.StatusCode)
		}
		docs, _, err := a.Store.ListDocuments(ctx, ann.ID, store.DocumentFilter{}, store.Page{})
		if err != nil || len(docs) != 1 {
			t.Fatalf("ann's documents: %d %v", len(docs), err)
		}
		if status, _ := bob.JSON("GET", "/api/documents/"+docs[0].ID, nil); status != http.StatusNotFound {
			t.Fatalf("bob reads ann's document: %d", status)
		}
		jobs, _, err := a.Jobs.ListJobs(ctx, nil, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		queued := 0
		for _, j := range jobs {
			if j.Kind == "document.process" {
				queued++
				if j.State != "available" {
					t.Errorf("process job is %s without workers", j.State)
				}
			}
		}
		if queued != 1 {
			t.Fatalf("%d process jobs queued, want 1: %+v", queued, jobs)
		}
	})
}

// Env and Config reach the application's configuration, and the admin
// helper signs in an administrator.
func TestOptions(t *testing.T) {
	a := apptest.New(t, apptest.Env("REGISTRATION_OPEN", "false"), apptest.Config(func(c *config.Config) { c.MetricsToken = "apptest-metrics" }))
	if status, out := a.Anonymous().JSON("POST", "/api/auth/register", map[string]any{"email": "x@apptest.test", "password": apptest.Password}); status != http.StatusForbidden {
		t.Fatalf("register with REGISTRATION_OPEN=false: %d %v", status, out)
	}
	if res, _ := a.Anonymous().Do("GET", "/metrics", nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metrics without the configured token: %d", res.StatusCode)
	}
	root := a.Admin("root@apptest.test")
	if status, out := root.JSON("GET", "/api/admin/users", nil); status != http.StatusOK {
		t.Fatalf("admin users as the admin: %d %v", status, out)
	}
}
