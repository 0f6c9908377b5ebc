package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/api"
	"github.com/docuvault/docuvault/internal/apptest"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/mailin/imaptest"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// publicRoutes are the only routes a caller without credentials may reach,
// each with what protects it instead. Adding a route that answers without
// authentication and is not listed here fails TestEveryRouteRequiresAuthentication.
var publicRoutes = map[string]string{
	"GET /health":                           "liveness for load balancers; no user data",
	"GET /metrics":                          "Prometheus; METRICS_TOKEN when set (TestMetricsAndToken)",
	"GET /api/openapi.json":                 "the public API description",
	"POST /api/auth/register":               "creates an account; rate limited per IP and email",
	"POST /api/auth/login":                  "rate limited per account and per IP",
	"POST /api/auth/refresh":                "the httpOnly refresh cookie, CSRF-checked",
	"POST /api/auth/password-reset/request": "always 202; rate limited",
	"POST /api/auth/password-reset/confirm": "the single-use mailed token",
	"PUT /api/uploads/{id}/content":         "the HMAC signature and expiry in the URL",
	"GET /api/cloud/google/callback":        "the sealed OAuth state bound to a browser cookie",
	"GET /api/cloud/onedrive/callback":      "the sealed OAuth state bound to a browser cookie",
	"GET /api/setup":                        "only whether an admin exists",
	"POST /api/setup":                       "the one-time setup token from the serve log; 404 once an admin exists; rate limited",
	"GET /api/config":                       "what the sign-in page shows; no user data",
	"POST /api/auth/invite/accept":          "the single-use mailed invitation token; rate limited",
	"GET /s/{token}":                        "a share link's 256-bit token; only the file's name and size",
	"GET /s/{token}/download":               "a share link's 256-bit token (and password, rate limited per link and address)",
	"POST /s/{token}/download":              "a share link's 256-bit token (and password, rate limited per link and address)",
}

// accessEnv is the real application (internal/apptest: the same wiring as
// `docuvault serve`) with its API on a local server: real register and
// login tokens, documents, classification, cloud drives, mail intake, audit
// exports and the job engine's admin view. Jobs are queued, not worked.
type accessEnv struct {
	*authEnv
	t     *testing.T
	api   *api.Server
	blobs blob.Store
	dav   *davFolder
	imap  *imaptest.Server
}

// eachAccessEnv runs fn on the application on SQLite and on PostgreSQL;
// st is the application's store.
func eachAccessEnv(t *testing.T, fn func(t *testing.T, e *accessEnv, st *store.Store)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e := newAccessEnv(t, d)
			fn(t, e, e.st)
		})
	}
}

func newAccessEnv(t *testing.T, d store.Dialect) *accessEnv {
	t.Helper()
	imap := imaptest.Start(t)
	ca := filepath.Join(t.TempDir(), "imap-ca.pem")
	if err := os.WriteFile(ca, imap.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	a := apptest.New(t, apptest.Dialect(d),
		apptest.Env("MAX_UPLOAD_BYTES", "1048576"),
		apptest.Env("CLOUD_ALLOWED_HOSTS", "127.0.0.1"), // the WebDAV and IMAP test servers
		apptest.Env("MAIL_CA_FILE", ca),
		apptest.Env("GOOGLE_CLIENT_ID", "client-id"), apptest.Env("GOOGLE_CLIENT_SECRET", "client-secret"))
	ae := &authEnv{srv: a.Server, st: a.Store, svc: a.Accounts, secret: a.Config.SecretKey}
	return &accessEnv{authEnv: ae, t: t, api: a.API, blobs: a.Blobs, dav: newDAVFolder(t, ""), imap: imap}
}

// user registers and signs in a new account through the API.
func (e *accessEnv) user(email string) (*client, string) {
	c := e.client(e.t)
	out := c.register(email)
	return c, out["user"].(map[string]any)["id"].(string)
}

// admin is the ADMIN_EMAIL account, signed in.
func (e *accessEnv) admin() (*client, string) {
	if err := e.svc.EnsureAdmin(context.Background(), "root@x.test", "the admin password here"); err != nil {
		e.t.Fatal(err)
	}
	c := e.client(e.t)
	out := c.login("root@x.test", "the admin password here")
	return c, out["user"].(map[string]any)["id"].(string)
}

// raw sends a request as c (nil: no credentials) and returns the status,
// headers and body unparsed. It sends c's User-Agent and Accept-Language,
// which the access token's fingerprint is bound to.
func (e *accessEnv) raw(c *client, method, path string, body io.Reader, contentType string) (int, http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if c != nil {
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("User-Agent", c.ua)
		req.Header.Set("Accept-Language", c.lang)
		req.Header.Set("Origin", e.srv.URL)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func (e *accessEnv) upload(c *client, filename, content string, fields ...string) (int, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = io.WriteString(fw, content)
	mw.Close()
	code, _, b := e.raw(c, "POST", "/api/documents", &buf, mw.FormDataContentType())
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return code, out
}

// problem checks that a response is RFC 9457 problem JSON with that
// status and code, and returns it.
func problem(t *testing.T, what string, status int, hdr http.Header, body []byte, wantStatus int, wantCode string) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil || hdr.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s: %d %q is not problem JSON: %s", what, status, hdr.Get("Content-Type"), body)
		return nil
	}
	if status != wantStatus || p["status"] != float64(wantStatus) || p["code"] != wantCode {
		t.Errorf("%s: got %d %v, want %d %s", what, status, p, wantStatus, wantCode)
	}
	return p
}

// routePath fills a route pattern's wildcards.
func routePath(pattern, id string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{id}", id)
	path = strings.ReplaceAll(path, "{date}", "2024-02-29")
	path = strings.ReplaceAll(path, "{n}", "1")
	path = strings.ReplaceAll(path, "{user_id}", id)
	path = strings.ReplaceAll(path, "{note_id}", id)
	path = strings.ReplaceAll(path, "{token}", "t"+id)
	return method, path
}

// Every registered route answers 401 problem JSON to a caller without
// credentials, with a forged bearer token and with a forged cookie, unless
// it is on publicRoutes. A new route that is neither authenticated nor
// listed fails here.
func TestEveryRouteRequiresAuthentication(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		routes := e.api.Routes()
		if len(routes) < 60 {
			t.Fatalf("only %d routes registered: %v", len(routes), routes)
		}
		for pattern := range publicRoutes {
			if !slices.Contains(routes, pattern) {
				t.Errorf("public list names %q, which is not a registered route (remove it)", pattern)
			}
		}
		for _, w := range []string{"{", "}"} {
			for _, r := range routes {
				m, p := routePath(r, "x")
				if strings.Contains(p, w) || m == "" {
					t.Fatalf("route %q has a wildcard this test does not fill", r)
				}
			}
		}
		// A real user's token, to be sure "401" is about credentials and
		// not about the route being broken.
		_, _ = e.user("someone@x.test")
		forged := []struct {
			name string
			set  func(r *http.Request)
		}{
			{"no credentials", func(*http.Request) {}},
			{"garbage bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer not-a-token") }},
			{"basic auth", func(r *http.Request) { r.SetBasicAuth("someone@x.test", goodPassword) }},
			{"forged api token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer dv_"+strings.Repeat("A", 43)) }},
			{"forged cookie", func(r *http.Request) {
				r.AddCookie(&http.Cookie{Name: "dv_access", Value: "eyJhbGciOiJub25lIn0.e30."})
				r.Header.Set("Origin", e.srv.URL)
			}},
		}
		for _, route := range routes {
			method, path := routePath(route, store.NewID())
			public := publicRoutes[route] != ""
			for _, f := range forged {
				var body io.Reader
				if method == "POST" || method == "PUT" || method == "PATCH" {
					body = strings.NewReader(`{}`)
				}
				req, _ := http.NewRequest(method, e.srv.URL+path, body)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				f.set(req)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if public {
					if res.StatusCode >= 500 {
						t.Errorf("public %s (%s): %d %s", route, f.name, res.StatusCode, raw)
					}
					continue
				}
				problem(t, route+" ("+f.name+")", res.StatusCode, res.Header, raw, 401, "unauthorized")
			}
			if method == "GET" && !public {
				// HEAD reaches the same handlers.
				req, _ := http.NewRequest("HEAD", e.srv.URL+path, nil)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 401 {
					t.Errorf("HEAD %s without credentials: %d", path, res.StatusCode)
				}
			}
		}
	})
}

// A signed-in user without the admin role gets 403 on every admin route
// (every /api/admin/* and /api/audit/exports* route, found from Routes()),
// and the admin does not.
func TestNonAdminIsForbiddenOnAdminRoutes(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		user, userID := e.user("plain@x.test")
		admin, _ := e.admin()
		var adminRoutes []string
		for _, r := range e.api.Routes() {
			_, p, _ := strings.Cut(r, " ")
			if strings.HasPrefix(p, "/api/admin/") || strings.HasPrefix(p, "/api/audit/exports") {
				adminRoutes = append(adminRoutes, r)
			}
		}
		for _, want := range []string{"GET /api/admin/users", "PATCH /api/admin/users/{id}", "DELETE /api/admin/users/{id}",
			"POST /api/admin/users", "POST /api/admin/users/{id}/reset-2fa", "POST /api/admin/users/{id}/password-reset",
			"GET /api/admin/jobs", "POST /api/admin/jobs/{id}/retry", "GET /api/audit/exports", "GET /api/audit/exports/{date}"} {
			if !slices.Contains(adminRoutes, want) {
				t.Errorf("admin route %s is not registered", want)
			}
		}
		before, _ := st.UserByID(context.Background(), userID)
		for _, r := range adminRoutes {
			for _, id := range []string{userID, "1", store.NewID()} {
				method, path := routePath(r, id)
				var body io.Reader
				ct := ""
				if method == "PATCH" {
					body, ct = strings.NewReader(`{"role":"admin","quota_bytes":0,"disabled":false}`), "application/json"
				}
				status, hdr, raw := e.raw(user, method, path, body, ct)
				problem(t, "non-admin "+method+" "+path, status, hdr, raw, 403, "forbidden")
			}
			if strings.HasPrefix(r, "DELETE ") {
				continue // the admin would really delete; an unknown id is below
			}
			method, path := routePath(r, store.NewID())
			var body io.Reader
			ct := ""
			if method == "PATCH" {
				_, path = routePath(r, userID)
				body, ct = strings.NewReader(`{"quota_documents":7}`), "application/json"
			}
			if status, _, raw := e.raw(admin, method, path, body, ct); status == 401 || status == 403 || status >= 500 {
				t.Errorf("admin %s %s: %d %s", method, path, status, raw)
			}
		}
		if status, _, _ := e.raw(admin, "DELETE", "/api/admin/users/"+store.NewID(), nil, ""); status != 404 {
			t.Errorf("admin DELETE of an unknown user: %d", status)
		}
		after, _ := st.UserByID(context.Background(), userID)
		if after.Role != "user" || after.Disabled || before.QuotaBytes != after.QuotaBytes || after.QuotaDocuments != 7 {
			t.Fatalf("user after the attempts: %+v", after)
		}
		// The user's own audit list works; asking for someone else's is empty.
		if out := user.must(200, "GET", "/api/audit", nil); len(out["items"].([]any)) == 0 {
			t.Fatal("the user sees none of their own audit events")
		}
	})
}

// aliceObjects is one object of every type, owned by Alice.
type aliceObjects struct {
	userID, email                                        string
	doc, trashed, topic, upload, token, tokenID, session string
	account, suggestion                                  string
	mailAccount, mailRule                                string
	note                                                 string
	correspondent, docType, field, view                  string
	link, linkURL                                        string
}

// secrets that must never reach another user.
func (a aliceObjects) secrets() []string {
	return []string{a.userID, a.email, a.doc, a.trashed, a.topic, a.upload, a.tokenID, a.token, a.session, a.account,
		a.suggestion, a.mailAccount, a.mailRule, a.note, a.link, a.linkURL, a.correspondent, a.docType, a.field, a.view, "AliceCorrespondent", "AliceType", "AliceField", "AliceView", "wombat", "AliceMailRule", "zanzibar", "quokka", "Alice Secret Title", "secret-plans", "AliceTopic", "alice-scanner", "Alice Drive"}
}

func (e *accessEnv) aliceWorld(t *testing.T) (*client, aliceObjects) {
	ctx := context.Background()
	alice, id := e.user("alice@x.test")
	a := aliceObjects{userID: id, email: "alice@x.test"}
	status, out := e.upload(alice, "secret-plans.txt", "zanzibar quokka treaty, signed at dawn", "title", "Alice Secret Title")
	if status != 201 {
		t.Fatalf("upload: %d %v", status, out)
	}
	a.doc = out["document"].(map[string]any)["id"].(string)
	thumb := id + "/" + a.doc + "/thumb.png"
	if _, err := e.blobs.Put(ctx, thumb, strings.NewReader("\x89PNG\r\n\x1a\nzz"), 10, "image/png"); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveExtraction(ctx, a.doc, model.Extraction{Text: "zanzibar quokka treaty, signed at dawn", PageCount: 1,
		Language: "en", ThumbnailKey: thumb}); err != nil {
		t.Fatal(err)
	}
	status, out = e.upload(alice, "old-quokka.txt", "an older zanzibar draft")
	if status != 201 {
		t.Fatalf("upload: %d %v", status, out)
	}
	a.trashed = out["document"].(map[string]any)["id"].(string)
	alice.must(204, "DELETE", "/api/documents/"+a.trashed, nil)
	a.topic = alice.must(201, "POST", "/api/topics", map[string]any{"name": "AliceTopic Quokka"})["topic"].(map[string]any)["id"].(string)
	alice.must(200, "PATCH", "/api/documents/"+a.doc, map[string]any{"topic_ids": []string{a.topic}})
	a.note = alice.must(201, "POST", "/api/documents/"+a.doc+"/notes", map[string]any{"body": "the wombat clause"})["note"].(map[string]any)["id"].(string)
	a.upload = alice.must(201, "POST", "/api/uploads", map[string]any{"filename": "pending.pdf", "size": 100})["upload_id"].(string)
	tok := alice.must(201, "POST", "/api/tokens", map[string]any{"name": "alice-scanner"})
	a.token, a.tokenID = tok["token"].(string), tok["id"].(string)
	sessions := alice.must(200, "GET", "/api/auth/sessions", nil)["items"].([]any)
	if len(sessions) != 1 {
		t.Fatalf("sessions %v", sessions)
	}
	a.session = sessions[0].(map[string]any)["id"].(string)
	acc := alice.must(201, "POST", "/api/cloud/webdav", map[string]any{"server_url": e.dav.srv.URL, "username": "alice",
		"password": "app-pass", "display_name": "Alice Drive"})
	a.account = acc["id"].(string)
	a.mailAccount = alice.must(201, "POST", "/api/mail/accounts", map[string]any{"host": e.imap.Host, "port": e.imap.TLSPort,
		"security": "tls", "username": e.imap.User, "password": e.imap.Pass})["id"].(string)
	a.mailRule = alice.must(201, "POST", "/api/mail/rules", map[string]any{"account_id": a.mailAccount, "name": "AliceMailRule",
		"folder": "INBOX", "consume": "attachments", "after": "mark_read", "topic_ids": []string{a.topic}, "enabled": true, "order": 1})["id"].(string)
	a.correspondent = alice.must(201, "POST", "/api/correspondents", map[string]any{"name": "AliceCorrespondent"})["correspondent"].(map[string]any)["id"].(string)
	a.docType = alice.must(201, "POST", "/api/document-types", map[string]any{"name": "AliceType"})["document_type"].(map[string]any)["id"].(string)
	a.field = alice.must(201, "POST", "/api/custom-fields", map[string]any{"name": "AliceField", "type": "text"})["custom_field"].(map[string]any)["id"].(string)
	a.view = alice.must(201, "POST", "/api/views", map[string]any{"name": "AliceView", "query": map[string]any{"q": "quokka"}})["view"].(map[string]any)["id"].(string)
	alice.must(200, "PATCH", "/api/documents/"+a.doc, map[string]any{"correspondent_id": a.correspondent, "document_type_id": a.docType,
		"custom_fields": []any{map[string]any{"field_id": a.field, "value": "zanzibar field"}}})
	lk := alice.must(201, "POST", "/api/documents/"+a.doc+"/links", map[string]any{"password": "alice link pass"})["link"].(map[string]any)
	a.link, a.linkURL = lk["id"].(string), lk["url"].(string)
	a.suggestion = "AliceSuggestion Zanzibar"
	if err := e.st.AddSuggestions(ctx, id, []model.TopicSuggestion{{Name: a.suggestion, Reason: "quokka papers",
		DocumentIDs: []string{a.doc}}}); err != nil {
		t.Fatal(err)
	}
	return alice, a
}

// normalized is a problem body without the fields that legitimately differ
// between two requests (request id, the echoed path) and with the probed
// id replaced, so that a foreign object's answer can be compared with a
// missing object's.
func normalized(t *testing.T, body []byte, id string) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		return string(body)
	}
	delete(p, "request_id")
	delete(p, "instance")
	b, _ := json.Marshal(p)
	return strings.ReplaceAll(string(b), id, "<ID>")
}

// Another user's object, of every type and on every method, answers
// exactly like an object that does not exist (404, same body), and none of
// its ids, names or content appear in the intruder's lists, search
// results, counts, suggestions or error messages. Alice's objects are
// unchanged afterwards.
func TestOtherUsersObjectsAreNotFound(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		alice, a := e.aliceWorld(t)
		mallory, malloryID := e.user("mallory@x.test")
		status, out := e.upload(mallory, "mine.txt", "mallory's own notes")
		if status != 201 {
			t.Fatal(status, out)
		}
		mine := out["document"].(map[string]any)["id"].(string)
		myTopic := mallory.must(201, "POST", "/api/topics", map[string]any{"name": "Mine"})["topic"].(map[string]any)["id"].(string)
		aliceMe := alice.must(200, "GET", "/api/me", nil)["user"].(map[string]any)
		myMail := mallory.must(201, "POST", "/api/mail/accounts", map[string]any{"host": e.imap.Host, "port": e.imap.StartTLSPort,
			"security": "starttls", "username": e.imap.User, "password": e.imap.Pass})["id"].(string)

		type probe struct {
			method, path, body string
			id                 string // Alice's id in path or body, swapped for a fresh one to compare
			status             int
			code               string
		}
		nf := func(method, path, body, id string) probe { return probe{method, path, body, id, 404, "not_found"} }
		probes := []probe{
			nf("GET", "/api/documents/"+a.doc, "", a.doc),
			nf("PATCH", "/api/documents/"+a.doc, `{"title":"pwned"}`, a.doc),
			nf("PATCH", "/api/documents/"+a.doc, `{"topic_ids":["`+myTopic+`"]}`, a.doc),
			nf("DELETE", "/api/documents/"+a.doc, "", a.doc),
			nf("GET", "/api/documents/"+a.doc+"/download", "", a.doc),
			nf("GET", "/api/documents/"+a.doc+"/download?redirect=true", "", a.doc),
			nf("GET", "/api/documents/"+a.doc+"/thumbnail", "", a.doc),
			nf("GET", "/api/documents/"+a.doc+"/pages/1", "", a.doc),
			nf("GET", "/api/documents/"+a.doc+"/pages/1?width=400", "", a.doc),
			nf("GET", "/api/documents/"+a.doc+"/text", "", a.doc),
			nf("POST", "/api/documents/"+a.doc+"/reprocess", "", a.doc),
			nf("POST", "/api/documents/"+a.doc+"/classify", "", a.doc),
			nf("GET", "/api/documents/"+a.doc+"/notes", "", a.doc),
			nf("POST", "/api/documents/"+a.doc+"/notes", `{"body":"pwned"}`, a.doc),
			nf("DELETE", "/api/documents/"+a.doc+"/notes/"+a.note, "", a.doc),
			// Alice's note named under Mallory's own document is not found.
			nf("DELETE", "/api/documents/"+mine+"/notes/"+a.note, "", a.note),
			nf("GET", "/api/documents/"+a.trashed, "", a.trashed),
			nf("POST", "/api/trash/"+a.trashed+"/restore", "", a.trashed),
			nf("DELETE", "/api/trash/"+a.trashed, "", a.trashed),
			nf("POST", "/api/trash/"+a.doc+"/restore", "", a.doc),
			nf("DELETE", "/api/trash/"+a.doc, "", a.doc),
			nf("POST", "/api/uploads/"+a.upload+"/complete", "", a.upload),
			nf("PATCH", "/api/topics/"+a.topic, `{"name":"pwned"}`, a.topic),
			nf("DELETE", "/api/topics/"+a.topic, "", a.topic),
			nf("POST", "/api/topics/suggestions/accept", `{"name":"`+a.suggestion+`"}`, a.suggestion),
			nf("DELETE", "/api/tokens/"+a.tokenID, "", a.tokenID),
			nf("DELETE", "/api/auth/sessions/"+a.session, "", a.session),
			nf("POST", "/api/cloud/"+a.account+"/test", "", a.account),
			nf("DELETE", "/api/cloud/"+a.account, "", a.account),
			nf("PUT", "/api/cloud/"+a.account, `{"server_url":"http://127.0.0.1:9/dav","username":"u","password":"p"}`, a.account),
			nf("PUT", "/api/settings/storage", `{"backend":"`+a.account+`"}`, a.account),
			nf("GET", "/api/cloud/google/authorize?account_id="+a.account, "", a.account),
			nf("PATCH", "/api/mail/accounts/"+a.mailAccount, `{"display_name":"pwned"}`, a.mailAccount),
			nf("DELETE", "/api/mail/accounts/"+a.mailAccount, "", a.mailAccount),
			nf("POST", "/api/mail/accounts/"+a.mailAccount+"/test", "", a.mailAccount),
			nf("POST", "/api/mail/accounts/"+a.mailAccount+"/poll", "", a.mailAccount),
			nf("GET", "/api/mail/rules?account_id="+a.mailAccount, "", a.mailAccount),
			nf("POST", "/api/mail/rules", `{"account_id":"`+a.mailAccount+`","name":"x","folder":"INBOX","consume":"attachments","after":"mark_read","enabled":true,"order":0}`, a.mailAccount),
			nf("PATCH", "/api/mail/rules/"+a.mailRule, `{"name":"pwned"}`, a.mailRule),
			nf("DELETE", "/api/mail/rules/"+a.mailRule, "", a.mailRule),
			nf("POST", "/api/documents/"+a.doc+"/links", `{}`, a.doc),
			nf("POST", "/api/documents/"+a.doc+"/links", `{"password":"mallory's","max_downloads":3}`, a.doc),
			nf("GET", "/api/documents/"+a.doc+"/links", "", a.doc),
			nf("DELETE", "/api/links/"+a.link, "", a.link),
			nf("POST", "/api/documents/"+a.trashed+"/links", `{}`, a.trashed),
			// Alice's topic in a rule of Mallory's own account is not found.
			nf("POST", "/api/mail/rules", `{"account_id":"`+myMail+`","name":"x","folder":"INBOX","consume":"attachments","after":"mark_read","topic_ids":["`+a.topic+`"],"enabled":true,"order":0}`, a.topic),
			nf("PATCH", "/api/correspondents/"+a.correspondent, `{"name":"pwned"}`, a.correspondent),
			nf("DELETE", "/api/correspondents/"+a.correspondent, "", a.correspondent),
			nf("PATCH", "/api/document-types/"+a.docType, `{"name":"pwned"}`, a.docType),
			nf("DELETE", "/api/document-types/"+a.docType, "", a.docType),
			nf("PATCH", "/api/custom-fields/"+a.field, `{"name":"pwned"}`, a.field),
			nf("DELETE", "/api/custom-fields/"+a.field, "", a.field),
			nf("PATCH", "/api/views/"+a.view, `{"name":"pwned"}`, a.view),
			nf("DELETE", "/api/views/"+a.view, "", a.view),
			nf("GET", "/api/correspondents?space_id="+a.userID, "", a.userID),
			nf("GET", "/api/document-types?space_id="+a.userID, "", a.userID),
			nf("GET", "/api/custom-fields?space_id="+a.userID, "", a.userID),
			nf("GET", "/api/views?space_id="+a.userID, "", a.userID),
			nf("POST", "/api/correspondents", `{"name":"x","space_id":"`+a.userID+`"}`, a.userID),
			nf("POST", "/api/custom-fields", `{"name":"x","type":"text","space_id":"`+a.userID+`"}`, a.userID),
			nf("POST", "/api/documents/bulk", `{"document_ids":["`+a.doc+`"],"action":"trash"}`, a.doc),
			nf("POST", "/api/documents/bulk", `{"document_ids":["`+mine+`","`+a.doc+`"],"action":"set_date","document_date":"2024-01-01"}`, a.doc),
			// Alice's objects on Mallory's own document are not found.
			nf("PATCH", "/api/documents/"+mine, `{"correspondent_id":"`+a.correspondent+`"}`, a.correspondent),
			nf("PATCH", "/api/documents/"+mine, `{"document_type_id":"`+a.docType+`"}`, a.docType),
			nf("PATCH", "/api/documents/"+mine, `{"custom_fields":[{"field_id":"`+a.field+`","value":"x"}]}`, a.field),
			nf("POST", "/api/documents/bulk", `{"document_ids":["`+mine+`"],"action":"add_topics","topic_ids":["`+a.topic+`"]}`, a.topic),
			nf("POST", "/api/documents/bulk", `{"document_ids":["`+mine+`"],"action":"set_correspondent","correspondent_id":"`+a.correspondent+`"}`, a.correspondent),
			// Alice's topic on Mallory's own document is refused like a missing topic.
			{"PATCH", "/api/documents/" + mine, `{"topic_ids":["` + a.topic + `"]}`, a.topic, 422, "invalid_input"},
		}
		secrets := a.secrets()
		for _, p := range probes {
			send := func(id string) (int, http.Header, []byte) {
				path, body := strings.ReplaceAll(p.path, p.id, id), strings.ReplaceAll(p.body, p.id, id)
				var rd io.Reader
				ct := ""
				if body != "" {
					rd, ct = strings.NewReader(body), "application/json"
				}
				return e.raw(mallory, p.method, path, rd, ct)
			}
			what := "mallory " + p.method + " " + p.path
			code, hdr, body := send(p.id)
			problem(t, what, code, hdr, body, p.status, p.code)
			fresh := store.NewID()
			if p.id == a.suggestion {
				fresh = "no such suggestion"
			}
			code2, _, body2 := send(fresh)
			if code2 != code || normalized(t, body, p.id) != normalized(t, body2, fresh) {
				t.Errorf("%s: another user's object answers differently from a missing one:\n  %d %s\n  %d %s", what, code, body, code2, body2)
			}
			var pb map[string]any
			_ = json.Unmarshal(body, &pb)
			delete(pb, "instance") // the path Mallory sent, echoed back
			leak, _ := json.Marshal(pb)
			for _, s := range secrets {
				if strings.Contains(string(leak), s) && !strings.Contains(p.path+p.body, s) { // Mallory's own input may be echoed
					t.Errorf("%s: the error reveals %q: %s", what, s, leak)
				}
			}
		}
		// An upload URL signed for Mallory's upload does not open Alice's.
		tk := mallory.must(201, "POST", "/api/uploads", map[string]any{"filename": "m.pdf", "size": 5})
		signed := tk["url"].(string)
		for _, id := range []string{a.upload, store.NewID()} {
			forged := strings.Replace(signed, "/api/uploads/"+tk["upload_id"].(string)+"/", "/api/uploads/"+id+"/", 1)
			req, _ := http.NewRequest("PUT", forged, strings.NewReader("%PDF-"))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			problem(t, "PUT content of another upload with my signature", res.StatusCode, res.Header, b, 403, "forbidden")
		}

		// Lists, search, counts and suggestions: Alice sees her objects
		// (so the check can fail), Mallory sees none of them.
		lists := []struct{ path, aliceHas string }{
			{"/api/documents", a.doc},
			{"/api/documents?q=zanzibar", a.doc},
			{"/api/documents?q=quokka&sort=relevance", a.doc},
			{"/api/documents?q=quok&prefix_last=true", a.doc},
			{"/api/documents?q=wombat", a.doc},        // a word of Alice's note
			{"/api/documents?q=zanzibaq", "zanzibar"}, // Alice's suggestion; Mallory's must not name her words
			{"/api/documents?topic_id=" + a.topic, a.doc},
			{"/api/trash", a.trashed},
			{"/api/topics", a.topic},
			{"/api/topics/suggestions", a.suggestion},
			{"/api/topics/suggestions?document_id=" + a.doc, a.suggestion},
			{"/api/tokens", a.tokenID},
			{"/api/auth/sessions", a.session},
			{"/api/cloud", a.account},
			{"/api/mail/accounts", a.mailAccount},
			{"/api/mail/rules", a.mailRule},
			{"/api/audit", a.doc},
			{"/api/audit?actor_id=" + a.userID, a.doc},
			{"/api/me", a.email},
			{"/api/settings/storage", `"backend"`},
			{"/api/settings/ai", `"provider"`},
			{"/api/ai/providers", `"local"`},
			{"/api/classifier", a.topic},
			{"/api/correspondents", a.correspondent},
			{"/api/document-types", a.docType},
			{"/api/custom-fields", a.field},
			{"/api/views", a.view},
			{"/api/documents?correspondent_id=" + a.correspondent, a.doc},
			{"/api/documents?q=correspondent:alicecorrespondent", a.doc},
			{"/api/documents?field=" + a.field + ":contains:zanzibar", a.doc},
		}
		for _, l := range lists {
			code, _, b := e.raw(alice, "GET", l.path, nil, "")
			if code != 200 || !strings.Contains(string(b), l.aliceHas) {
				t.Errorf("alice GET %s: %d, %q missing: %s", l.path, code, l.aliceHas, b)
			}
			code, _, b = e.raw(mallory, "GET", l.path, nil, "")
			if code != 200 {
				t.Errorf("mallory GET %s: %d %s", l.path, code, b)
			}
			for _, s := range secrets {
				if strings.Contains(string(b), s) {
					t.Errorf("mallory GET %s reveals %q: %s", l.path, s, b)
				}
			}
		}
		// Counts: Mallory's usage and topic count are hers alone; Alice's
		// usage did not move.
		me := mallory.must(200, "GET", "/api/me", nil)["user"].(map[string]any)
		if me["document_count"] != float64(1) || me["used_bytes"] != float64(len("mallory's own notes")) {
			t.Errorf("mallory's usage: %v", me)
		}
		for _, tp := range mallory.must(200, "GET", "/api/topics", nil)["items"].([]any) {
			if n := tp.(map[string]any)["document_count"]; n != float64(0) {
				t.Errorf("mallory's topic counts %v documents", n)
			}
		}
		storage := mallory.must(200, "GET", "/api/settings/storage", nil)
		var n float64
		for _, c := range storage["documents"].([]any) {
			n += c.(map[string]any)["count"].(float64)
		}
		if n != 1 || storage["backend"] != "system" {
			t.Errorf("mallory's storage counts: %v", storage)
		}
		if me2 := alice.must(200, "GET", "/api/me", nil)["user"].(map[string]any); me2["used_bytes"] != aliceMe["used_bytes"] ||
			me2["document_count"] != aliceMe["document_count"] {
			t.Errorf("alice's usage moved: %v -> %v", aliceMe, me2)
		}

		// Everything of Alice's is intact.
		code, _, b := e.raw(alice, "GET", "/api/documents/"+a.doc+"/download", nil, "")
		if code != 200 || string(b) != "zanzibar quokka treaty, signed at dawn" {
			t.Errorf("alice's download: %d %q", code, b)
		}
		doc := alice.must(200, "GET", "/api/documents/"+a.doc, nil)["document"].(map[string]any)
		if doc["title"] != "Alice Secret Title" || len(doc["topics"].([]any)) != 1 || doc["notes_count"] != float64(1) {
			t.Errorf("alice's document changed: %v", doc)
		}
		if code, hdr, _ := e.raw(alice, "GET", "/api/documents/"+a.doc+"/thumbnail", nil, ""); code != 200 || hdr.Get("Content-Type") != "image/png" {
			t.Errorf("alice's thumbnail: %d", code)
		}
		if _, err := st.TrashedDocument(context.Background(), a.userID, a.trashed); err != nil {
			t.Errorf("alice's trashed document: %v", err)
		}
		if tp, err := st.Topic(context.Background(), a.userID, a.topic); err != nil || tp.Name != "AliceTopic Quokka" || tp.DocumentCount != 1 {
			t.Errorf("alice's topic: %+v %v", tp, err)
		}
		if _, err := st.Upload(context.Background(), a.userID, a.upload); err != nil {
			t.Errorf("alice's upload: %v", err)
		}
		if links := alice.must(200, "GET", "/api/documents/"+a.doc+"/links", nil)["items"].([]any); len(links) != 1 ||
			links[0].(map[string]any)["id"] != a.link {
			t.Errorf("alice's links: %v", links)
		}
		if sg, _ := st.Suggestions(context.Background(), a.userID, ""); len(sg) != 1 {
			t.Errorf("alice's suggestions: %v", sg)
		}
		byToken := e.client(t)
		byToken.token = a.token
		byToken.must(200, "GET", "/api/me", nil)
		alice.must(200, "POST", "/api/auth/refresh", nil) // the session was not revoked
		if acc, err := st.CloudAccount(context.Background(), a.userID, a.account); err != nil || acc.Status != model.CloudOK {
			t.Errorf("alice's cloud account: %+v %v", acc, err)
		}
		if u, _ := st.UserByID(context.Background(), malloryID); u.StorageBackend != "system" {
			t.Errorf("mallory's storage backend became %q", u.StorageBackend)
		}
		// Mallory's attempts were not recorded as actions on Alice's objects.
		entries, _, _ := st.ListAudit(context.Background(), store.AuditFilter{ActorID: malloryID}, store.Page{Limit: 200})
		for _, en := range entries {
			if slices.Contains(secrets, en.TargetID) {
				t.Errorf("audit records mallory acting on alice's %s: %+v", en.TargetType, en)
			}
		}
	})
}

// Fields a client must never set: refused with 400 (unknown field), and
// the stored values do not move. Wrong JSON types are 400 too, never a
// silent conversion.
func TestMassAssignmentAndTypeConfusion(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ctx := context.Background()
		admin, _ := e.admin()
		ann, annID := e.user("ann@x.test")
		status, out := e.upload(ann, "a.txt", "ann's first document")
		if status != 201 {
			t.Fatal(status, out)
		}
		doc := out["document"].(map[string]any)["id"].(string)
		topic := ann.must(201, "POST", "/api/topics", map[string]any{"name": "Bills"})["topic"].(map[string]any)["id"].(string)
		userBefore, _ := st.UserByID(ctx, annID)
		docBefore, _ := st.Document(ctx, annID, doc)
		topicBefore, _ := st.Topic(ctx, annID, topic)

		forbidden := map[string]any{"role": "admin", "owner_id": store.NewID(), "quota_bytes": 1 << 40,
			"quota_documents": 1 << 30, "disabled": false, "used_bytes": 0, "document_count": 0, "id": store.NewID(),
			"email": "other@x.test", "totp_enabled": true, "password_hash": "x", "created_at": "2000-01-01T00:00:00Z",
			"sha256": strings.Repeat("0", 64), "size_bytes": 1, "status": "ready", "storage_backend": "x", "user_id": store.NewID()}
		refuse := func(c *client, method, path string, base map[string]any, field string) {
			t.Helper()
			body := maps.Clone(base)
			body[field] = forbidden[field]
			got, out := c.do(method, path, body)
			if got != 400 || code(out) != "invalid_input" {
				t.Errorf("%s %s with %q: %d %v", method, path, field, got, out)
				return
			}
			if errs, _ := out["errors"].(map[string]any); errs[field] != "unknown field" {
				t.Errorf("%s %s with %q: errors %v", method, path, field, out["errors"])
			}
		}
		fields := slices.Sorted(maps.Keys(forbidden))
		anon := e.client(t)
		for _, f := range fields {
			email := strings.ReplaceAll(f, "_", "") + "@x.test"
			if f != "email" {
				refuse(anon, "POST", "/api/auth/register", map[string]any{"email": email, "password": goodPassword}, f)
			}
			if _, err := st.UserByEmail(ctx, email); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("register with %q created the account: %v", f, err)
			}
			refuse(ann, "PATCH", "/api/me", map[string]any{"display_name": "Ann " + f}, f)
			refuse(ann, "PATCH", "/api/documents/"+doc, map[string]any{"title": "T " + f}, f)
			refuse(ann, "POST", "/api/topics", map[string]any{"name": "New " + f}, f)
			refuse(ann, "PATCH", "/api/topics/"+topic, map[string]any{"name": "Renamed " + f}, f)
			if f != "sha256" { // the announced checksum is a field of POST /api/uploads
				refuse(ann, "POST", "/api/uploads", map[string]any{"filename": "x.pdf", "size": 10}, f)
			}
			refuse(ann, "POST", "/api/tokens", map[string]any{"name": "t " + f}, f)
			if f != "role" && f != "disabled" && f != "quota_bytes" && f != "quota_documents" {
				refuse(admin, "PATCH", "/api/admin/users/"+annID, map[string]any{"quota_documents": 99}, f)
			}
			// A multipart form field that is not file, title or topic_ids.
			if status, out := e.upload(ann, "b.txt", "document via "+f, f, "x"); status != 400 || code(out) != "invalid_input" {
				t.Errorf("multipart field %q: %d %v", f, status, out)
			}
		}
		// Wrong JSON types.
		for _, tc := range []struct {
			c            *client
			method, path string
			body, field  string
		}{
			{admin, "PATCH", "/api/admin/users/" + annID, `{"disabled":"true"}`, "disabled"},
			{admin, "PATCH", "/api/admin/users/" + annID, `{"disabled":1}`, "disabled"},
			{admin, "PATCH", "/api/admin/users/" + annID, `{"quota_bytes":"5"}`, "quota_bytes"},
			{admin, "PATCH", "/api/admin/users/" + annID, `{"quota_bytes":1.5}`, "quota_bytes"},
			{admin, "PATCH", "/api/admin/users/" + annID, `{"quota_bytes":1e30}`, "quota_bytes"},
			{admin, "PATCH", "/api/admin/users/" + annID, `{"quota_documents":true}`, "quota_documents"},
			{admin, "PATCH", "/api/admin/users/" + annID, `{"role":1}`, "role"},
			{admin, "PATCH", "/api/admin/users/" + annID, `{"role":["admin"]}`, "role"},
			{ann, "PATCH", "/api/me", `{"display_name":1}`, "display_name"},
			{ann, "PATCH", "/api/me", `{"display_name":{"x":1}}`, "display_name"},
			{ann, "PATCH", "/api/documents/" + doc, `{"title":1}`, "title"},
			{ann, "PATCH", "/api/documents/" + doc, `{"topic_ids":"` + topic + `"}`, "topic_ids"},
			{ann, "PATCH", "/api/documents/" + doc, `{"topic_ids":[1]}`, "topic_ids"},
			{ann, "POST", "/api/topics", `{"name":true}`, "name"},
			{ann, "PATCH", "/api/topics/" + topic, `{"color":1}`, "color"},
			{ann, "POST", "/api/uploads", `{"filename":"a.pdf","size":"5"}`, "size"},
			{ann, "POST", "/api/uploads", `{"filename":1,"size":5}`, "filename"},
			{ann, "POST", "/api/tokens", `{"name":1}`, "name"},
			{ann, "PUT", "/api/settings/storage", `{"backend":1}`, "backend"},
			{ann, "PUT", "/api/settings/ai", `{"provider":true}`, "provider"},
			{ann, "POST", "/api/auth/password", `{"current_password":1,"new_password":2}`, "current_password"},
			{anon, "POST", "/api/auth/login", `{"email":["ann@x.test"],"password":"x"}`, "email"},
			{anon, "POST", "/api/auth/register", `{"email":"typed@x.test","password":12345678901234}`, "password"},
		} {
			got, out := tc.c.do(tc.method, tc.path, tc.body)
			if got != 400 || code(out) != "invalid_input" {
				t.Errorf("%s %s %s: %d %v", tc.method, tc.path, tc.body, got, out)
				continue
			}
			if errs, _ := out["errors"].(map[string]any); errs[tc.field] == nil {
				t.Errorf("%s %s %s: no error for %q: %v", tc.method, tc.path, tc.body, tc.field, out)
			}
		}
		userAfter, _ := st.UserByID(ctx, annID)
		if userAfter.Role != userBefore.Role || userAfter.Disabled || userAfter.QuotaBytes != userBefore.QuotaBytes ||
			userAfter.QuotaDocuments != userBefore.QuotaDocuments || userAfter.UsedBytes != userBefore.UsedBytes ||
			userAfter.DocumentCount != userBefore.DocumentCount || userAfter.DisplayName != userBefore.DisplayName ||
			userAfter.Email != userBefore.Email || userAfter.TOTPEnabled || userAfter.StorageBackend != userBefore.StorageBackend {
			t.Errorf("ann changed:\n before %+v\n after  %+v", userBefore, userAfter)
		}
		docAfter, err := st.Document(ctx, annID, doc)
		if err != nil || docAfter.Title != docBefore.Title || docAfter.SHA256 != docBefore.SHA256 || docAfter.SizeBytes != docBefore.SizeBytes ||
			docAfter.Status != docBefore.Status || len(docAfter.Topics) != 0 {
			t.Errorf("document changed: %+v %v", docAfter, err)
		}
		topicAfter, err := st.Topic(ctx, annID, topic)
		if err != nil || topicAfter.Name != topicBefore.Name || topicAfter.Color != topicBefore.Color {
			t.Errorf("topic changed: %+v %v", topicAfter, err)
		}
		if ts, _ := st.ListTopics(ctx, annID); len(ts) != 1 {
			t.Errorf("%d topics, want 1", len(ts))
		}
		if docs, _, _ := st.ListDocuments(ctx, annID, store.DocumentFilter{}, store.Page{}); len(docs) != 1 {
			t.Errorf("%d documents, want 1", len(docs))
		}
		if toks := ann.must(200, "GET", "/api/tokens", nil)["items"].([]any); len(toks) != 0 {
			t.Errorf("tokens created: %v", toks)
		}
		if n, _ := st.CountUsers(ctx); n != 2 {
			t.Errorf("%d users, want 2", n)
		}
	})
}

// Hostile JSON bodies on the JSON endpoints, signed in or not: oversized
// (413, also when chunked), nested deeper than the limit (400), trailing
// data (400), malformed (400), a non-JSON Content-Type (415). Nothing is
// stored by a refused request.
func TestHostileJSONBodies(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ctx := context.Background()
		admin, _ := e.admin()
		ann, annID := e.user("ann@x.test")
		status, out := e.upload(ann, "a.txt", "ann's document")
		if status != 201 {
			t.Fatal(status, out)
		}
		doc := out["document"].(map[string]any)["id"].(string)
		huge := `{"name":"` + strings.Repeat("a", api.MaxJSONBody+10) + `"}`
		deep := `{"name":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`
		deepObj := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
		endpoints := []struct {
			c            *client
			method, path string
		}{
			{nil, "POST", "/api/auth/register"},
			{nil, "POST", "/api/auth/login"},
			{nil, "POST", "/api/auth/password-reset/request"},
			{nil, "POST", "/api/auth/password-reset/confirm"},
			{ann, "PATCH", "/api/me"},
			{ann, "POST", "/api/topics"},
			{ann, "PATCH", "/api/documents/" + doc},
			{ann, "POST", "/api/uploads"},
			{ann, "POST", "/api/tokens"},
			{ann, "PUT", "/api/settings/ai"},
			{ann, "PUT", "/api/settings/storage"},
			{ann, "POST", "/api/cloud/webdav"},
			{ann, "POST", "/api/topics/suggestions/accept"},
			{ann, "POST", "/api/auth/password"},
			{admin, "PATCH", "/api/admin/users/" + annID},
		}
		cases := []struct {
			name, body, ct string
			chunked        bool
			status         int
			code           string
		}{
			{"over 1 MiB", huge, "application/json", false, 413, "file_too_large"},
			{"over 1 MiB, chunked", huge, "application/json", true, 413, "file_too_large"},
			{"nested arrays", deep, "application/json", false, 400, "invalid_input"},
			{"nested objects", deepObj, "application/json", false, 400, "invalid_input"},
			{"trailing garbage", `{"name":"x"} trailing`, "application/json", false, 400, "invalid_input"},
			{"two objects", `{"name":"x"}{"name":"y"}`, "application/json", false, 400, "invalid_input"},
			{"truncated", `{"name":"x"`, "application/json", false, 400, "invalid_input"},
			{"not json", `name=x`, "application/json", false, 400, "invalid_input"},
			{"empty", ``, "application/json", false, 400, "invalid_input"},
			{"array", `[{"name":"x"}]`, "application/json", false, 400, "invalid_input"},
			{"text/plain", `{"name":"x"}`, "text/plain", false, 415, "unsupported_type"},
			{"form", `{"name":"x"}`, "application/x-www-form-urlencoded", false, 415, "unsupported_type"},
			{"multipart", `{"name":"x"}`, "multipart/form-data; boundary=x", false, 415, "unsupported_type"},
			{"malformed type", `{"name":"x"}`, "application/json; charset", false, 415, "unsupported_type"},
		}
		usersBefore, _ := st.CountUsers(ctx)
		for _, ep := range endpoints {
			for _, tc := range cases {
				var body io.Reader = strings.NewReader(tc.body)
				if tc.chunked {
					body = io.MultiReader(strings.NewReader(tc.body)) // unknown length: sent chunked
				}
				req, _ := http.NewRequest(ep.method, e.srv.URL+ep.path, body)
				req.Header.Set("Content-Type", tc.ct)
				req.Header.Set("Origin", e.srv.URL)
				if ep.c != nil {
					req.Header.Set("Authorization", "Bearer "+ep.c.token)
					req.Header.Set("User-Agent", ep.c.ua)
					req.Header.Set("Accept-Language", ep.c.lang)
				}
				if tc.chunked && req.ContentLength != 0 {
					t.Fatal("the chunked case has a length")
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s %s (%s): %v", ep.method, ep.path, tc.name, err)
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				p := problem(t, ep.method+" "+ep.path+" ("+tc.name+")", res.StatusCode, res.Header, raw, tc.status, tc.code)
				if strings.HasPrefix(tc.name, "nested") && p != nil && !strings.Contains(p["detail"].(string), "nested") {
					t.Errorf("%s %s (%s): %v", ep.method, ep.path, tc.name, p)
				}
			}
		}
		// Brackets inside a string are not nesting.
		wantTopics := 0
		if got, out := ann.do("POST", "/api/topics", map[string]any{"name": strings.Repeat("[", 60)}); got == 400 {
			t.Errorf("brackets in a string counted as nesting: %v", out)
		} else if got == 201 {
			wantTopics = 1
		}
		// Nothing was stored by a refused request.
		if n, _ := st.CountUsers(ctx); n != usersBefore {
			t.Errorf("users %d -> %d", usersBefore, n)
		}
		if ts, _ := st.ListTopics(ctx, annID); len(ts) != wantTopics {
			t.Errorf("%d topics, want %d", len(ts), wantTopics)
		}
		if d, _ := st.Document(ctx, annID, doc); d.Title != "a" {
			t.Errorf("title %q", d.Title)
		}
	})
}

// spaceWorld is one shared space of an owner with an admin, an editor, a
// viewer and a spare viewer (the target of member changes), holding a live
// document (ready, with a thumbnail), a trashed one and a topic; plus the
// owner's personal space with the same objects, which the others cannot see.
type spaceWorld struct {
	space, doc, trashed, topic                         string
	personalDoc, personalTrashed, personalTopic, owner string
	spare                                              string
	notes                                              map[string]string // document id -> the owner's note on it
}

// spaceCast is the people of TestSpaceRolesOnEveryRoute.
type spaceCast struct {
	owner, admin, editor, viewer, outsider *client
	ownerID, adminID, editorID, viewerID   string
	spareID, extraEmail                    string
}

func (e *accessEnv) spaceObjects(t *testing.T, c *client, ownerID, space string) (doc, trashed, topic string) {
	ctx := context.Background()
	mk := func(name string) string {
		status, out := e.upload(c, name+".txt", "zanzibar "+name+" "+store.NewID(), "space_id", space)
		if status != 201 {
			t.Fatalf("upload into %s: %d %v", space, status, out)
		}
		return out["document"].(map[string]any)["id"].(string)
	}
	doc = mk("live")
	thumb := ownerID + "/" + doc + "/thumb.png"
	if _, err := e.blobs.Put(ctx, thumb, strings.NewReader("\x89PNG\r\n\x1a\nzz"), 10, "image/png"); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveExtraction(ctx, doc, model.Extraction{Text: "zanzibar live", PageCount: 1, Language: "en", ThumbnailKey: thumb}); err != nil {
		t.Fatal(err)
	}
	trashed = mk("trashed")
	c.must(204, "DELETE", "/api/documents/"+trashed, nil)
	topic = c.must(201, "POST", "/api/topics", map[string]any{"name": "T " + store.NewID(), "space_id": space})["topic"].(map[string]any)["id"].(string)
	return doc, trashed, topic
}

func (e *accessEnv) newSpaceWorld(t *testing.T, c spaceCast) spaceWorld {
	w := spaceWorld{owner: c.ownerID, spare: c.spareID}
	w.space = c.owner.must(201, "POST", "/api/spaces", map[string]any{"name": "Household"})["space"].(map[string]any)["id"].(string)
	for _, m := range []struct{ email, role string }{{"admin@s.test", "admin"}, {"editor@s.test", "editor"},
		{"viewer@s.test", "viewer"}, {"spare@s.test", "viewer"}} {
		c.owner.must(201, "POST", "/api/spaces/"+w.space+"/members", map[string]any{"email": m.email, "role": m.role})
	}
	w.doc, w.trashed, w.topic = e.spaceObjects(t, c.owner, c.ownerID, w.space)
	w.personalDoc, w.personalTrashed, w.personalTopic = e.spaceObjects(t, c.owner, c.ownerID, c.ownerID)
	w.notes = map[string]string{}
	for _, d := range []string{w.doc, w.personalDoc} {
		w.notes[d] = c.owner.must(201, "POST", "/api/documents/"+d+"/notes", map[string]any{"body": "the owner's note"})["note"].(map[string]any)["id"].(string)
	}
	return w
}

// Every document, topic and space route, for each kind of caller: the
// owner, an admin, an editor and a viewer of a shared space, someone who is
// not a member, and a member of the shared space reaching into the owner's
// personal space. A member with a role too low gets 403; a non-member and
// the personal space get exactly the 404 of a missing id. The table must
// name every such route (a new one fails until it is added here).
func TestSpaceRolesOnEveryRoute(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		var c spaceCast
		c.owner, c.ownerID = e.user("owner@s.test")
		c.admin, c.adminID = e.user("admin@s.test")
		c.editor, c.editorID = e.user("editor@s.test")
		c.viewer, c.viewerID = e.user("viewer@s.test")
		c.outsider, _ = e.user("outsider@s.test")
		_, c.spareID = e.user("spare@s.test")
		_, _ = e.user("extra@s.test")
		c.extraEmail = "extra@s.test"

		// obj picks the probed id from a world: the shared one, or (personal) the owner's personal one.
		type target func(w spaceWorld, personal bool) string
		doc := func(w spaceWorld, p bool) string { return map[bool]string{false: w.doc, true: w.personalDoc}[p] }
		trashed := func(w spaceWorld, p bool) string {
			return map[bool]string{false: w.trashed, true: w.personalTrashed}[p]
		}
		topic := func(w spaceWorld, p bool) string { return map[bool]string{false: w.topic, true: w.personalTopic}[p] }
		space := func(w spaceWorld, p bool) string { return map[bool]string{false: w.space, true: w.owner}[p] }
		type row struct {
			route string
			need  model.SpaceRole
			ok    int
			id    target
			// path and body from the probed id (and the caller's own id, for moves to their personal space)
			path func(id string) string
			body func(id, me string) any
			raw  bool // body is a multipart upload into the space id
		}
		p1 := func(prefix, suffix string) func(string) string {
			return func(id string) string { return prefix + id + suffix }
		}
		fixed := func(path string) func(string) string { return func(string) string { return path } }
		var cur spaceWorld // the world being probed
		noteOf := func(doc string) string {
			if n, ok := cur.notes[doc]; ok {
				return n
			}
			return store.NewID()
		}
		rows := []row{
			{"GET /api/documents", model.RoleViewer, 200, space, p1("/api/documents?space_id=", ""), nil, false},
			{"POST /api/documents", model.RoleEditor, 201, space, fixed("/api/documents"), nil, true},
			{"GET /api/documents/{id}", model.RoleViewer, 200, doc, p1("/api/documents/", ""), nil, false},
			{"PATCH /api/documents/{id}", model.RoleEditor, 200, doc, p1("/api/documents/", ""), func(string, string) any { return map[string]any{"title": "renamed"} }, false},
			{"DELETE /api/documents/{id}", model.RoleEditor, 204, doc, p1("/api/documents/", ""), nil, false},
			{"GET /api/documents/{id}/download", model.RoleViewer, 200, doc, p1("/api/documents/", "/download"), nil, false},
			{"GET /api/documents/{id}/thumbnail", model.RoleViewer, 200, doc, p1("/api/documents/", "/thumbnail"), nil, false},
			{"GET /api/documents/{id}/pages/{n}", model.RoleViewer, 200, doc, p1("/api/documents/", "/pages/1"), nil, false},
			{"GET /api/documents/{id}/text", model.RoleViewer, 200, doc, p1("/api/documents/", "/text"), nil, false},
			{"POST /api/documents/{id}/reprocess", model.RoleEditor, 202, doc, p1("/api/documents/", "/reprocess"), func(string, string) any { return map[string]any{} }, false},
			{"POST /api/documents/{id}/classify", model.RoleEditor, 202, doc, p1("/api/documents/", "/classify"), func(string, string) any { return map[string]any{} }, false},
			{"POST /api/documents/{id}/move", model.RoleEditor, 200, doc, p1("/api/documents/", "/move"), func(_, me string) any { return map[string]any{"space_id": me} }, false},
			{"GET /api/documents/{id}/notes", model.RoleViewer, 200, doc, p1("/api/documents/", "/notes"), nil, false},
			{"POST /api/documents/{id}/notes", model.RoleEditor, 201, doc, p1("/api/documents/", "/notes"), func(string, string) any { return map[string]any{"body": "a note"} }, false},
			// Someone else's note: its author or an admin of the space.
			{"DELETE /api/documents/{id}/notes/{note_id}", model.RoleAdmin, 204, doc, func(id string) string { return "/api/documents/" + id + "/notes/" + noteOf(id) }, nil, false},
			{"POST /api/documents/{id}/links", model.RoleEditor, 201, doc, p1("/api/documents/", "/links"), func(string, string) any { return map[string]any{} }, false},
			{"GET /api/documents/{id}/links", model.RoleEditor, 200, doc, p1("/api/documents/", "/links"), nil, false},
			{"POST /api/documents/bulk", model.RoleEditor, 200, doc, fixed("/api/documents/bulk"), func(id, _ string) any {
				return map[string]any{"document_ids": []string{id}, "action": "set_date", "document_date": "2024-03-05"}
			}, false},
			{"GET /api/trash", model.RoleViewer, 200, space, p1("/api/trash?space_id=", ""), nil, false},
			{"POST /api/trash/{id}/restore", model.RoleEditor, 200, trashed, p1("/api/trash/", "/restore"), func(string, string) any { return map[string]any{} }, false},
			{"DELETE /api/trash/{id}", model.RoleAdmin, 204, trashed, p1("/api/trash/", ""), nil, false},
			{"POST /api/uploads", model.RoleEditor, 201, space, fixed("/api/uploads"), func(id, _ string) any {
				return map[string]any{"filename": "a.pdf", "size": 10, "space_id": id}
			}, false},
			{"GET /api/topics", model.RoleViewer, 200, space, p1("/api/topics?space_id=", ""), nil, false},
			{"POST /api/topics", model.RoleEditor, 201, space, fixed("/api/topics"), func(id, _ string) any {
				return map[string]any{"name": "New " + store.NewID(), "space_id": id}
			}, false},
			{"PATCH /api/topics/{id}", model.RoleEditor, 200, topic, p1("/api/topics/", ""), func(string, string) any { return map[string]any{"color": "#123456"} }, false},
			{"DELETE /api/topics/{id}", model.RoleEditor, 204, topic, p1("/api/topics/", ""), nil, false},
			{"GET /api/classifier", model.RoleViewer, 200, space, p1("/api/classifier?space_id=", ""), nil, false},
			{"POST /api/classifier/train", model.RoleEditor, 202, space, fixed("/api/classifier/train"), func(id, _ string) any {
				return map[string]any{"space_id": id}
			}, false},
			{"GET /api/topics/suggestions", model.RoleViewer, 200, space, p1("/api/topics/suggestions?space_id=", ""), nil, false},
			{"GET /api/spaces/{id}", model.RoleViewer, 200, space, p1("/api/spaces/", ""), nil, false},
			{"PATCH /api/spaces/{id}", model.RoleOwner, 200, space, p1("/api/spaces/", ""), func(string, string) any { return map[string]any{"name": "Renamed"} }, false},
			{"DELETE /api/spaces/{id}", model.RoleOwner, 409, space, p1("/api/spaces/", ""), nil, false}, // not empty; the empty case is below
			{"PUT /api/spaces/{id}/storage", model.RoleOwner, 200, space, p1("/api/spaces/", "/storage"), func(string, string) any { return map[string]any{"backend": "system"} }, false},
			{"GET /api/spaces/{id}/members", model.RoleViewer, 200, space, p1("/api/spaces/", "/members"), nil, false},
			{"POST /api/spaces/{id}/members", model.RoleAdmin, 201, space, p1("/api/spaces/", "/members"), func(string, string) any {
				return map[string]any{"email": c.extraEmail, "role": "viewer"}
			}, false},
			{"PATCH /api/spaces/{id}/members/{user_id}", model.RoleAdmin, 200, space, p1("/api/spaces/", "/members/"+c.spareID), func(string, string) any {
				return map[string]any{"role": "editor"}
			}, false},
			{"DELETE /api/spaces/{id}/members/{user_id}", model.RoleAdmin, 204, space, p1("/api/spaces/", "/members/"+c.spareID), nil, false},
		}
		// Every document, topic, trash, upload-start and space route is in the table.
		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.route] = true
		}
		for _, r := range e.api.Routes() {
			_, p, _ := strings.Cut(r, " ")
			if (strings.HasPrefix(p, "/api/documents") || strings.HasPrefix(p, "/api/topics/{") || p == "/api/topics" ||
				strings.HasPrefix(p, "/api/trash") || strings.HasPrefix(p, "/api/spaces/") || r == "POST /api/uploads") && !covered[r] {
				t.Errorf("route %s is not in the spaces access table", r)
			}
		}

		callers := []struct {
			name     string
			c        *client
			me       string
			role     model.SpaceRole
			personal bool // probe the owner's personal space instead
		}{
			{"owner", c.owner, c.ownerID, model.RoleOwner, false},
			{"admin", c.admin, c.adminID, model.RoleAdmin, false},
			{"editor", c.editor, c.editorID, model.RoleEditor, false},
			{"viewer", c.viewer, c.viewerID, model.RoleViewer, false},
			{"non-member", c.outsider, "", model.RoleNone, false},
			{"other user's personal space", c.editor, c.editorID, model.RoleNone, true},
		}
		send := func(cl *client, r row, id, me string) (int, http.Header, []byte) {
			method, _, _ := strings.Cut(r.route, " ")
			if r.raw {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				_ = mw.WriteField("space_id", id)
				fw, _ := mw.CreateFormFile("file", "new.txt")
				_, _ = io.WriteString(fw, "new words "+store.NewID())
				mw.Close()
				return e.raw(cl, method, r.path(id), &buf, mw.FormDataContentType())
			}
			var body io.Reader
			ct := ""
			if r.body != nil {
				b, _ := json.Marshal(r.body(id, me))
				body, ct = bytes.NewReader(b), "application/json"
			}
			return e.raw(cl, method, r.path(id), body, ct)
		}
		for _, r := range rows {
			for _, who := range callers {
				w := e.newSpaceWorld(t, c)
				cur = w
				id := r.id(w, who.personal)
				status, hdr, raw := send(who.c, r, id, who.me)
				what := fmt.Sprintf("%s as %s", r.route, who.name)
				switch {
				case who.role == model.RoleNone:
					problem(t, what, status, hdr, raw, 404, "not_found")
					// Exactly the answer for an id that does not exist.
					fresh := store.NewID()
					_, _, missing := send(who.c, r, fresh, who.me)
					if normalized(t, raw, id) != normalized(t, missing, fresh) {
						t.Errorf("%s: %s differs from a missing id's %s", what, raw, missing)
					}
				case who.role < r.need:
					problem(t, what, status, hdr, raw, 403, "forbidden")
				default:
					if status != r.ok {
						t.Errorf("%s: %d %s, want %d", what, status, raw, r.ok)
					}
				}
			}
		}
		// The owner deletes an empty shared space; a personal space cannot be deleted.
		empty := c.owner.must(201, "POST", "/api/spaces", map[string]any{"name": "Empty"})["space"].(map[string]any)["id"].(string)
		c.owner.must(204, "DELETE", "/api/spaces/"+empty, nil)
		if status, _ := c.owner.do("DELETE", "/api/spaces/"+c.ownerID, nil); status != 422 {
			t.Errorf("delete a personal space: %d", status)
		}
	})
}

// A member removed from a space loses access on the very next request:
// the document, its download, thumbnail, page image and text, search
// results, lists and an upload started before. A member may leave.
func TestRemovedMemberLosesAccessAtOnce(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		owner, ownerID := e.user("owner@r.test")
		member, memberID := e.user("member@r.test")
		space := owner.must(201, "POST", "/api/spaces", map[string]any{"name": "Team"})["space"].(map[string]any)["id"].(string)
		owner.must(201, "POST", "/api/spaces/"+space+"/members", map[string]any{"email": "member@r.test", "role": "editor"})
		doc, _, _ := e.spaceObjects(t, owner, ownerID, space)
		up := member.must(201, "POST", "/api/uploads", map[string]any{"filename": "a.pdf", "size": 10, "space_id": space})["upload_id"].(string)
		reads := []string{"/api/documents/" + doc, "/api/documents/" + doc + "/download", "/api/documents/" + doc + "/thumbnail",
			"/api/documents/" + doc + "/pages/1", "/api/documents/" + doc + "/text", "/api/spaces/" + space}
		for _, p := range reads {
			if status, _, raw := e.raw(member, "GET", p, nil, ""); status != 200 {
				t.Fatalf("member GET %s: %d %s", p, status, raw)
			}
		}
		listed := func() (list, search int) {
			list = len(member.must(200, "GET", "/api/documents", nil)["items"].([]any))
			search = len(member.must(200, "GET", "/api/documents?q=zanzibar", nil)["items"].([]any))
			return
		}
		if l, s := listed(); l != 1 || s != 1 {
			t.Fatalf("member lists %d, finds %d", l, s)
		}
		owner.must(204, "DELETE", "/api/spaces/"+space+"/members/"+memberID, nil)
		for _, p := range reads {
			status, hdr, raw := e.raw(member, "GET", p, nil, "")
			problem(t, "removed member GET "+p, status, hdr, raw, 404, "not_found")
		}
		if l, s := listed(); l != 0 || s != 0 {
			t.Fatalf("removed member lists %d, finds %d", l, s)
		}
		if status, _ := member.do("GET", "/api/documents?space_id="+space, nil); status != 404 {
			t.Fatalf("removed member lists the space: %d", status)
		}
		if status, _ := member.do("POST", "/api/uploads/"+up+"/complete", map[string]any{}); status != 404 {
			t.Fatalf("removed member completes an upload: %d", status)
		}
		// Leaving: a viewer removes themself; the owner cannot.
		owner.must(201, "POST", "/api/spaces/"+space+"/members", map[string]any{"email": "member@r.test", "role": "viewer"})
		member.must(204, "DELETE", "/api/spaces/"+space+"/members/"+memberID, nil)
		if status, _ := owner.do("DELETE", "/api/spaces/"+space+"/members/"+ownerID, nil); status != 422 {
			t.Fatalf("owner leaves: %d", status)
		}
		if status, out := owner.do("POST", "/api/spaces/"+space+"/members", map[string]any{"email": "nobody@r.test", "role": "viewer"}); status != 422 ||
			out["errors"].(map[string]any)["email"] == nil {
			t.Fatalf("unknown email: %d %v", status, out)
		}
		if status, _ := owner.do("POST", "/api/spaces/"+ownerID+"/members", map[string]any{"email": "member@r.test", "role": "viewer"}); status != 422 {
			t.Fatalf("personal space gains a member: %d", status)
		}
		if status, _ := owner.do("POST", "/api/spaces/"+space+"/members", map[string]any{"email": "member@r.test", "role": "owner"}); status != 422 {
			t.Fatalf("added as owner: %d", status)
		}
		// The audit log has the space actions.
		var actions []string
		for _, it := range owner.must(200, "GET", "/api/audit?limit=200", nil)["items"].([]any) {
			actions = append(actions, it.(map[string]any)["action"].(string))
		}
		for _, want := range []string{"space.create", "space.member_add", "space.member_remove"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit lacks %s: %v", want, actions)
			}
		}
	})
}
