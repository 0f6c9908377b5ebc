package api_test

import (
	"context"
	"testing"
	"time"
)

func TestAPITokens(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		out := a.must(201, "POST", "/api/tokens", map[string]any{"name": "scanner"})
		secret, _ := out["token"].(string)
		if len(secret) < 40 || secret[:3] != "dv_" || out["id"] == nil {
			t.Fatalf("created %v", out)
		}
		a.must(422, "POST", "/api/tokens", map[string]any{"name": "old", "expires_at": time.Now().Add(-time.Hour).Format(time.RFC3339)})
		a.must(400, "POST", "/api/tokens", map[string]any{"name": "bad", "expires_at": "tomorrow"})
		soon := a.must(201, "POST", "/api/tokens", map[string]any{"name": "soon", "expires_at": time.Now().Add(time.Second).Format(time.RFC3339Nano)})

		api := e.client(t) // another program, other headers: API tokens carry no fingerprint
		api.token = secret
		if me := api.must(200, "GET", "/api/me", nil)["user"].(map[string]any); me["email"] != "ann@example.com" {
			t.Fatalf("me via token: %v", me)
		}
		list := a.must(200, "GET", "/api/tokens", nil)["items"].([]any)
		if len(list) != 2 {
			t.Fatalf("tokens %v", list)
		}
		for _, it := range list {
			tk := it.(map[string]any)
			if _, ok := tk["token"]; ok {
				t.Fatal("the secret is listed")
			}
			if tk["name"] == "scanner" && tk["last_used_at"] == nil {
				t.Fatal("last_used_at not recorded")
			}
		}
		// The expired token stops working.
		deadline := time.Now().Add(10 * time.Second)
		exp := e.client(t)
		exp.token = soon["token"].(string)
		for {
			st, _ := exp.do("GET", "/api/me", nil)
			if st == 401 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("an expired API token still works")
			}
			time.Sleep(100 * time.Millisecond)
		}
		m := e.client(t)
		m.register("mallory@example.com")
		m.must(404, "DELETE", "/api/tokens/"+out["id"].(string), nil)
		a.must(204, "DELETE", "/api/tokens/"+out["id"].(string), nil)
		api.must(401, "GET", "/api/me", nil)
	})
}

func TestAdminUsers(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		if err := e.svc.EnsureAdmin(ctx, "root@example.com", "first admin password"); err != nil {
			t.Fatal(err)
		}
		admin := e.client(t)
		adminID := admin.login("root@example.com", "first admin password")["user"].(map[string]any)["id"].(string)
		ann := e.client(t)
		annID := ann.register("ann@example.com")["user"].(map[string]any)["id"].(string)

		ann.must(403, "GET", "/api/admin/users", nil)
		ann.must(403, "PATCH", "/api/admin/users/"+annID, map[string]any{"role": "admin"})
		if items := admin.must(200, "GET", "/api/admin/users", nil)["items"].([]any); len(items) != 2 {
			t.Fatalf("users %v", items)
		}
		for _, body := range []string{`{"disabled": "true"}`, `{"quota_bytes": "5"}`, `{"role": 1}`, `{"email": "x@example.com"}`,
			`{"password_hash": "x"}`, `{"totp_enabled": false}`, `{"quota_bytes": 1.5}`} {
			if out := admin.must(400, "PATCH", "/api/admin/users/"+annID, body); code(out) != "invalid_input" {
				t.Fatalf("%s: %v", body, out)
			}
		}
		admin.must(422, "PATCH", "/api/admin/users/"+annID, map[string]any{"role": "root"})
		admin.must(422, "PATCH", "/api/admin/users/"+annID, map[string]any{"quota_bytes": -1})
		admin.must(409, "PATCH", "/api/admin/users/"+adminID, map[string]any{"role": "user"})
		admin.must(404, "PATCH", "/api/admin/users/nope", map[string]any{"disabled": true})
		u := admin.must(200, "PATCH", "/api/admin/users/"+annID, map[string]any{"quota_bytes": 1000, "quota_documents": 5})["user"].(map[string]any)
		if u["quota_bytes"] != float64(1000) || u["quota_documents"] != float64(5) || u["role"] != "user" {
			t.Fatalf("updated %v", u)
		}

		// Disabled: the very next request is refused, with an access token or
		// an API token, and so is signing in.
		annAPI := e.client(t)
		annAPI.token = ann.must(201, "POST", "/api/tokens", map[string]any{"name": "scanner"})["token"].(string)
		ann.must(200, "GET", "/api/me", nil)
		annAPI.must(200, "GET", "/api/me", nil)
		admin.must(200, "PATCH", "/api/admin/users/"+annID, map[string]any{"disabled": true})
		ann.must(401, "GET", "/api/me", nil)
		annAPI.must(401, "GET", "/api/me", nil)
		ann.must(401, "POST", "/api/auth/refresh", nil)
		e.client(t).must(401, "POST", "/api/auth/login", map[string]any{"email": "ann@example.com", "password": goodPassword})
		admin.must(200, "PATCH", "/api/admin/users/"+annID, map[string]any{"disabled": false})
		annAPI.must(200, "GET", "/api/me", nil) // no decision is cached
		ann.login("ann@example.com", goodPassword)

		// Deleted: documents go through the hook, the token stops, audit stays.
		admin.must(409, "DELETE", "/api/admin/users/"+adminID, nil)
		admin.must(204, "DELETE", "/api/admin/users/"+annID, nil)
		if len(e.removed) != 1 || e.removed[0] != annID {
			t.Fatalf("user data remover calls %v", e.removed)
		}
		ann.must(401, "GET", "/api/me", nil)
		annAPI.must(401, "GET", "/api/me", nil)
		admin.must(404, "DELETE", "/api/admin/users/"+annID, nil)
		if e.auditCount(t, "auth.register", annID) != 1 || e.auditCount(t, "admin.user_delete", adminID) != 1 || e.auditCount(t, "admin.user_update", adminID) != 3 {
			t.Fatal("audit entries missing")
		}
	})
}

// TestEnsureAdmin: ADMIN_EMAIL/ADMIN_PASSWORD create the admin, and on a
// later start promote, re-enable and re-password the same account.
func TestEnsureAdmin(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		c := e.client(t)
		c.register("boss@example.com")
		if err := e.svc.EnsureAdmin(ctx, "Boss@Example.com", "the admin password"); err != nil {
			t.Fatal(err)
		}
		u, err := e.st.UserByEmail(ctx, "boss@example.com")
		if err != nil || u.Role != "admin" {
			t.Fatalf("%v %+v", err, u)
		}
		c.login("boss@example.com", "the admin password")
		if err := e.svc.EnsureAdmin(ctx, "boss@example.com", "the admin password"); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.st.CountUsers(ctx); n != 1 {
			t.Fatalf("%d users", n)
		}
		if err := e.svc.EnsureAdmin(ctx, "boss@example.com", "short"); err == nil {
			t.Fatal("a short ADMIN_PASSWORD was accepted")
		}
	})
}
