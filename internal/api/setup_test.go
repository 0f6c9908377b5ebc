package api_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/auth"
)

// TestFirstRunSetup: with no admin, the one-time setup token (as serve
// prints it) creates the first admin once, on any node; the first
// registered account stays a plain user.
func TestFirstRunSetup(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "setup-token")
	mod := func(c *auth.Config) { c.SetupTokenFile = tokenFile }
	eachAuthEnv(t, mod, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		anon := e.client(t)
		if out := anon.must(200, "GET", "/api/setup", nil); out["needed"] != true {
			t.Fatalf("setup status %v", out)
		}
		first := e.client(t)
		if u := first.register("first@example.com")["user"].(map[string]any); u["role"] != "user" {
			t.Fatalf("the first registered account is %v", u["role"])
		}
		first.must(403, "GET", "/api/admin/users", nil)
		token, err := e.svc.PrepareSetup(ctx, "")
		if err != nil || len(token) < 40 {
			t.Fatalf("token %q: %v", token, err)
		}
		if again, _ := e.svc.PrepareSetup(ctx, token); again != token {
			t.Fatal("a restart does not keep the stored token")
		}
		if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
			t.Fatal(err)
		}
		body := func(tok, email, pw string) map[string]any {
			return map[string]any{"token": tok, "email": email, "password": pw, "display_name": "Root"}
		}
		for _, bad := range []string{"", "nope", token + "x", strings.ToUpper(token)} {
			if out := anon.must(403, "POST", "/api/setup", body(bad, "root@example.com", goodPassword)); code(out) != "forbidden" {
				t.Fatalf("token %q: %v", bad, out)
			}
		}
		if out := anon.must(422, "POST", "/api/setup", body(token, "root@example.com", "short")); out["errors"].(map[string]any)["password"] == nil {
			t.Fatalf("weak password: %v", out)
		}
		anon.must(422, "POST", "/api/setup", body(token, "not-an-email", goodPassword))
		anon.must(409, "POST", "/api/setup", body(token, "first@example.com", goodPassword))
		anon.must(400, "POST", "/api/setup", `{"token": "x", "role": "admin"}`)

		// Another node over the same database accepts the token.
		other := newAuthEnv(t, e.st, auth.NewDBState(e.st), mod)
		out := other.client(t).must(201, "POST", "/api/setup", body(token, "Root@Example.com", goodPassword))
		if u := out["user"].(map[string]any); u["role"] != "admin" || u["email"] != "root@example.com" || u["display_name"] != "Root" {
			t.Fatalf("created %v", u)
		}
		if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
			t.Fatalf("the token file is still there: %v", err)
		}
		root := e.client(t)
		root.login("root@example.com", goodPassword)
		root.must(200, "GET", "/api/admin/users", nil)
		// It worked once: now no setup is needed.
		if out := anon.must(404, "POST", "/api/setup", body(token, "second@example.com", goodPassword)); code(out) != "not_found" {
			t.Fatalf("second use: %v", out)
		}
		if out := anon.must(200, "GET", "/api/setup", nil); out["needed"] != false {
			t.Fatalf("setup status %v", out)
		}
		if tok, err := e.svc.PrepareSetup(ctx, token); err != nil || tok != "" {
			t.Fatalf("a token after setup: %q %v", tok, err)
		}
		if e.auditCount(t, "auth.setup", "") != 1 {
			t.Fatal("auth.setup not audited")
		}
	})
}

// TestAdminCreatesAndInvitesUsers: an admin creates an account with a
// password, and one without that gets an invitation mail whose link
// works once.
func TestAdminCreatesAndInvitesUsers(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		if err := e.svc.EnsureAdmin(ctx, "root@example.com", "first admin password"); err != nil {
			t.Fatal(err)
		}
		admin := e.client(t)
		adminID := admin.login("root@example.com", "first admin password")["user"].(map[string]any)["id"].(string)

		out := admin.must(201, "POST", "/api/admin/users", map[string]any{"email": "Bob@Example.com", "display_name": "Bob", "password": goodPassword})
		if u := out["user"].(map[string]any); u["role"] != "user" || u["email"] != "bob@example.com" || out["invite_url"] != nil {
			t.Fatalf("created %v", out)
		}
		e.client(t).login("bob@example.com", goodPassword)
		admin.must(201, "POST", "/api/admin/users", map[string]any{"email": "boss@example.com", "role": "admin", "password": goodPassword})
		if out := admin.must(409, "POST", "/api/admin/users", map[string]any{"email": "bob@example.com"}); code(out) != "conflict" {
			t.Fatalf("taken email: %v", out)
		}
		for field, in := range map[string]map[string]any{
			"role":     {"email": "x@example.com", "role": "root"},
			"password": {"email": "x@example.com", "password": "short"},
			"email":    {"email": "nope"},
		} {
			if out := admin.must(422, "POST", "/api/admin/users", in); out["errors"].(map[string]any)[field] == nil {
				t.Fatalf("%s: %v", field, out)
			}
		}
		admin.must(400, "POST", "/api/admin/users", map[string]any{"email": "x@example.com", "quota_bytes": 1})

		out = admin.must(201, "POST", "/api/admin/users", map[string]any{"email": "carol@example.com"})
		link, _ := out["invite_url"].(string)
		if !strings.HasPrefix(link, "http://vault.test/invite?token=") {
			t.Fatalf("invite_url %q", link)
		}
		carolID := out["user"].(map[string]any)["id"].(string)
		if out["user"].(map[string]any)["invited"] != true {
			t.Fatalf("an invited user is not marked: %v", out["user"])
		}
		if got := e.mail.invites["carol@example.com"]; len(got) != 1 || got[0] != link {
			t.Fatalf("invitation mail %v", got)
		}
		u, _ := url.Parse(link)
		token := u.Query().Get("token")
		// No password yet: nobody can sign in as Carol.
		e.client(t).must(401, "POST", "/api/auth/login", map[string]any{"email": "carol@example.com", "password": ""})
		anon := e.client(t)
		if out := anon.must(422, "POST", "/api/auth/invite/accept", map[string]any{"token": token, "password": "short"}); out["errors"].(map[string]any)["password"] == nil {
			t.Fatalf("weak password: %v", out)
		}
		if out := anon.must(422, "POST", "/api/auth/invite/accept", map[string]any{"token": "unknown", "password": goodPassword}); out["errors"].(map[string]any)["token"] == nil {
			t.Fatalf("unknown token: %v", out)
		}
		anon.must(204, "POST", "/api/auth/invite/accept", map[string]any{"token": token, "password": goodPassword, "display_name": "Carol"})
		anon.must(422, "POST", "/api/auth/invite/accept", map[string]any{"token": token, "password": "another good password"})
		carol := e.client(t)
		if me := carol.login("carol@example.com", goodPassword)["user"].(map[string]any); me["display_name"] != "Carol" || me["invited"] != nil {
			t.Fatalf("me %v", me)
		}

		// An expired invitation is refused.
		out = admin.must(201, "POST", "/api/admin/users", map[string]any{"email": "dave@example.com"})
		u, _ = url.Parse(out["invite_url"].(string))
		if _, err := e.st.DB().ExecContext(ctx, `UPDATE invitations SET expires_at = $1`, time.Now().Add(-time.Minute).UTC()); err != nil {
			t.Fatal(err)
		}
		anon.must(422, "POST", "/api/auth/invite/accept", map[string]any{"token": u.Query().Get("token"), "password": goodPassword})

		if e.auditCount(t, "admin.user_create", adminID) != 4 || e.auditCount(t, "admin.user_invite", adminID) != 2 ||
			e.auditCount(t, "auth.invite_accept", carolID) != 1 {
			t.Fatal("audit entries missing")
		}
		// The audit log names people.
		items := admin.must(200, "GET", "/api/audit?action=admin.user_invite&limit=1", nil)["items"].([]any)
		it := items[0].(map[string]any)
		if it["actor_email"] != "root@example.com" || it["actor_name"] != "Administrator" || it["target_email"] != "dave@example.com" {
			t.Fatalf("audit item %v", it)
		}
	})
}

// TestAdminResetsTwoFactorAndPassword: reset-2fa removes TOTP and backup
// codes, ends the sessions and alerts the user; password-reset mails a
// working link.
func TestAdminResetsTwoFactorAndPassword(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		if err := e.svc.EnsureAdmin(ctx, "root@example.com", "first admin password"); err != nil {
			t.Fatal(err)
		}
		admin := e.client(t)
		adminID := admin.login("root@example.com", "first admin password")["user"].(map[string]any)["id"].(string)
		ann := e.client(t)
		annID := ann.register("ann@example.com")["user"].(map[string]any)["id"].(string)
		secret := ann.must(200, "POST", "/api/auth/totp/setup", nil)["secret"].(string)
		ann.must(200, "POST", "/api/auth/totp/enable", map[string]any{"code": totpAt(t, secret, time.Now())})
		e.client(t).must(401, "POST", "/api/auth/login", map[string]any{"email": "ann@example.com", "password": goodPassword})

		ann.must(403, "POST", "/api/admin/users/"+annID+"/reset-2fa", nil)
		admin.must(404, "POST", "/api/admin/users/nope/reset-2fa", nil)
		admin.must(204, "POST", "/api/admin/users/"+annID+"/reset-2fa", nil)
		ann.must(401, "GET", "/api/me", nil)
		again := e.client(t)
		if me := again.login("ann@example.com", goodPassword)["user"].(map[string]any); me["totp_enabled"] != false {
			t.Fatalf("me %v", me)
		}
		if codes, _ := e.st.UnusedBackupCodes(ctx, annID, ""); len(codes) != 0 {
			t.Fatal("backup codes left")
		}
		if row, _ := e.st.UserByID(ctx, annID); len(row.TOTPSecret) != 0 {
			t.Fatal("the TOTP secret was kept")
		}
		if _, alerts := e.mail.counts("ann@example.com"); alerts != 1 || e.mail.alerts["ann@example.com"][0].Event != "admin_reset_2fa" {
			t.Fatalf("alerts %v", e.mail.alerts)
		}

		admin.must(404, "POST", "/api/admin/users/nope/password-reset", nil)
		again.must(403, "POST", "/api/admin/users/"+annID+"/password-reset", nil)
		admin.must(202, "POST", "/api/admin/users/"+annID+"/password-reset", nil)
		resets, _ := e.mail.counts("ann@example.com")
		if resets != 1 {
			t.Fatalf("%d reset mails", resets)
		}
		u, _ := url.Parse(e.mail.resets["ann@example.com"][0])
		e.client(t).must(204, "POST", "/api/auth/password-reset/confirm", map[string]any{"token": u.Query().Get("token"), "new_password": "a brand new passphrase"})
		e.client(t).login("ann@example.com", "a brand new passphrase")
		if e.auditCount(t, "admin.user_reset_2fa", adminID) != 1 || e.auditCount(t, "admin.user_password_reset", adminID) != 1 {
			t.Fatal("audit entries missing")
		}
	})
}

// TestPublicConfig: the sign-in page learns whether registration is open.
func TestPublicConfig(t *testing.T) {
	for _, open := range []bool{true, false} {
		eachAuthEnv(t, func(c *auth.Config) { c.RegistrationOpen = open }, func(t *testing.T, e *authEnv) {
			out := e.client(t).must(200, "GET", "/api/config", nil)
			if out["registration_open"] != open || out["oidc_enabled"] != false {
				t.Fatalf("config %v", out)
			}
			if _, ok := out["version"]; !ok {
				t.Fatalf("config %v", out)
			}
		})
	}
}

// TestConcurrentSetupCreatesOneAdmin: two nodes printed two tokens and
// several people use them at once; exactly one admin is created.
func TestConcurrentSetupCreatesOneAdmin(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		var tokens []string
		for range 2 {
			tok, err := e.svc.PrepareSetup(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok)
		}
		if tokens[0] == tokens[1] {
			t.Fatal("two starts made the same token")
		}
		const n = 8
		status := make(chan int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, _ := e.client(t).do("POST", "/api/setup", map[string]any{"token": tokens[i%2],
					"email": fmt.Sprintf("admin%d@example.com", i), "password": goodPassword})
				status <- st
			}()
		}
		wg.Wait()
		close(status)
		created := 0
		for st := range status {
			switch {
			case st == 201:
				created++
			case st != 403 && st != 404:
				t.Errorf("status %d", st)
			}
		}
		if admins, _ := e.st.CountAdmins(ctx); created != 1 || admins != 1 {
			t.Fatalf("%d created, %d admins", created, admins)
		}
	})
}
