package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/share"
	"github.com/docuvault/docuvault/internal/store"
)

const linkFile = "the quarterly zanzibar ledger, all figures"

// linkWorld is a user with one document to share.
func linkWorld(t *testing.T, e *accessEnv) (*client, string, string) {
	ann, annID := e.user("ann@x.test")
	status, out := e.upload(ann, "ledger 2026.txt", linkFile, "title", "Secret Ledger Title")
	if status != 201 {
		t.Fatalf("upload: %d %v", status, out)
	}
	doc := out["document"].(map[string]any)["id"].(string)
	if err := e.st.SaveExtraction(context.Background(), doc, model.Extraction{Text: linkFile + " and hidden words", PageCount: 1}); err != nil {
		t.Fatal(err)
	}
	return ann, annID, doc
}

// pub sends an anonymous request to a share link path; html asks as a
// browser does. form is the POST form (nil: GET).
func (e *accessEnv) pub(method, path string, form url.Values, html bool) (int, http.Header, []byte) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if html {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func linkPath(u string) string {
	p, _ := url.Parse(u)
	return p.Path
}

// withoutRequestID drops the per-request id from a body, to compare two
// answers.
func withoutRequestID(b []byte) string {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return string(b)
	}
	delete(m, "request_id")
	out, _ := json.Marshal(m)
	return string(out)
}

func TestShareLinkCreateListRevoke(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ann, annID, doc := linkWorld(t, e)
		ctx := context.Background()
		exp := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		lk := ann.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{"expires_at": exp, "password": "open sesame",
			"max_downloads": 3})["link"].(map[string]any)
		u := lk["url"].(string)
		token, ok := strings.CutPrefix(u, e.srv.URL+"/s/")
		if !ok || len(token) != 43 || strings.ContainsAny(token, "+/=") {
			t.Fatalf("url %q", u)
		}
		if lk["has_password"] != true || lk["max_downloads"] != float64(3) || lk["download_count"] != float64(0) ||
			lk["expires_at"] != exp.Format(time.RFC3339) || lk["created_at"] == nil {
			t.Fatalf("link %v", lk)
		}
		if by := lk["created_by"].(map[string]any); by["id"] != annID || by["display_name"] == nil {
			t.Fatalf("created_by %v", by)
		}
		// Stored by hash only; the password by Argon2id.
		l, err := st.ShareLinkByToken(ctx, share.HashToken(token), time.Now())
		if err != nil || l.TokenHash == token || !strings.HasPrefix(l.PasswordHash, "$argon2id$") {
			t.Fatalf("stored %+v %v", l, err)
		}
		// Listed without the secret; a second, plain link too.
		plain := ann.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{})["link"].(map[string]any)
		if plain["expires_at"] != nil || plain["max_downloads"] != nil || plain["has_password"] != false {
			t.Fatalf("plain link %v", plain)
		}
		code, _, raw := e.raw(ann, "GET", "/api/documents/"+doc+"/links", nil, "")
		if code != 200 || strings.Contains(string(raw), token) || strings.Contains(string(raw), `"url"`) ||
			strings.Contains(string(raw), "argon2") || strings.Contains(string(raw), l.TokenHash) {
			t.Fatalf("list: %d %s", code, raw)
		}
		var list struct{ Items []map[string]any }
		_ = json.Unmarshal(raw, &list)
		if len(list.Items) != 2 || list.Items[0]["id"] != lk["id"] {
			t.Fatalf("list %s", raw)
		}

		// Validation.
		for _, c := range []struct {
			body  string
			field string
		}{
			{`{"expires_at":"` + time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) + `"}`, "expires_at"},
			{`{"max_downloads":0}`, "max_downloads"},
			{`{"max_downloads":-4}`, "max_downloads"},
			{`{"max_downloads":"two"}`, "max_downloads"},
			{`{"password":"short"}`, "password"},
		} {
			code, hdr, raw := e.raw(ann, "POST", "/api/documents/"+doc+"/links", strings.NewReader(c.body), "application/json")
			p := problem(t, c.body, code, hdr, raw, 422, "invalid_input")
			if errs, _ := p["errors"].(map[string]any); errs[c.field] == nil {
				t.Errorf("%s: errors %v", c.body, p["errors"])
			}
		}
		code, hdr, raw := e.raw(ann, "POST", "/api/documents/"+doc+"/links", strings.NewReader(`{"token":"mine"}`), "application/json")
		problem(t, "unknown field", code, hdr, raw, 400, "invalid_input")
		code, hdr, raw = e.raw(ann, "POST", "/api/documents/"+store.NewID()+"/links", strings.NewReader(`{}`), "application/json")
		problem(t, "unknown document", code, hdr, raw, 404, "not_found")

		// Revoke: 204, then the link is gone from the list and the web, and
		// answers exactly like a token that never existed.
		ann.must(204, "DELETE", "/api/links/"+plain["id"].(string), nil)
		code, hdr, raw = e.raw(ann, "DELETE", "/api/links/"+plain["id"].(string), nil, "")
		problem(t, "revoke twice", code, hdr, raw, 404, "not_found")
		if items := ann.must(200, "GET", "/api/documents/"+doc+"/links", nil)["items"].([]any); len(items) != 1 {
			t.Fatalf("after revoke: %v", items)
		}
		revoked := linkPath(plain["url"].(string))
		fake := "/s/" + strings.Repeat("A", 43)
		for _, sfx := range []string{"", "/download"} {
			for _, html := range []bool{false, true} {
				c1, h1, b1 := e.pub("GET", revoked+sfx, nil, html)
				c2, h2, b2 := e.pub("GET", fake+sfx, nil, html)
				c3, _, b3 := e.pub("GET", "/s/short"+sfx, nil, html)
				if c1 != 404 || c2 != 404 || c3 != 404 || withoutRequestID(b1) != withoutRequestID(b2) || withoutRequestID(b1) != withoutRequestID(b3) ||
					h1.Get("Content-Type") != h2.Get("Content-Type") {
					t.Errorf("revoked vs unknown %q html=%v: %d %s | %d %s | %d %s", sfx, html, c1, b1, c2, b2, c3, b3)
				}
				if strings.Contains(string(b1), strings.TrimPrefix(revoked, "/s/")) || h1.Get("Content-Disposition") != "" {
					t.Errorf("the 404 echoes the token or is an attachment: %s", b1)
				}
			}
			c1, _, b1 := e.pub("POST", revoked+sfx, url.Values{"password": {"x"}}, false)
			if sfx == "/download" && (c1 != 404 || !strings.Contains(string(b1), `"not_found"`)) {
				t.Errorf("POST to a revoked link: %d %s", c1, b1)
			}
		}

		// Audit: create and revoke, by Ann.
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{ActorID: annID}, store.Page{Limit: 200})
		seen := map[string]int{}
		for _, en := range entries {
			seen[en.Action]++
			if strings.HasPrefix(en.Action, "link.") && (en.TargetType != "link" || en.IP == "") {
				t.Errorf("audit entry %+v", en)
			}
			if b, _ := json.Marshal(en); strings.Contains(string(b), token) || strings.Contains(string(b), "open sesame") {
				t.Errorf("audit holds a secret: %s", b)
			}
		}
		if seen["link.create"] != 2 || seen["link.revoke"] != 1 {
			t.Fatalf("audit %v", seen)
		}
	})
}

func TestShareLinkDownloads(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ann, _, doc := linkWorld(t, e)
		ctx := context.Background()

		// The page names the file and its size, nothing else of the document.
		open := ann.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{})["link"].(map[string]any)
		p := linkPath(open["url"].(string))
		code, hdr, page := e.pub("GET", p, nil, true)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "ledger 2026.txt") ||
			!strings.Contains(string(page), fmt.Sprintf("%d bytes", len(linkFile))) || strings.Contains(string(page), "Secret Ledger Title") ||
			strings.Contains(string(page), "zanzibar") || strings.Contains(string(page), "hidden words") ||
			strings.Contains(string(page), `name="password"`) || !strings.Contains(string(page), `action="`+p+`/download"`) {
			t.Fatalf("page: %d %s", code, page)
		}
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || hdr.Get("X-Frame-Options") != "DENY" ||
			hdr.Get("Referrer-Policy") != "no-referrer" || hdr.Get("Cache-Control") != "no-store" {
			t.Fatalf("page headers %v", hdr)
		}
		// Page views do not count; GET and POST both download a link
		// without a password.
		for _, method := range []string{"GET", "POST"} {
			var form url.Values
			if method == "POST" {
				form = url.Values{}
			}
			code, hdr, b := e.pub(method, p+"/download", form, false)
			if code != 200 || string(b) != linkFile || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment;") ||
				!strings.Contains(hdr.Get("Content-Disposition"), "ledger") || hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("%s download: %d %v %q", method, code, hdr, b)
			}
		}
		if l := ann.must(200, "GET", "/api/documents/"+doc+"/links", nil)["items"].([]any)[0].(map[string]any); l["download_count"] != float64(2) {
			t.Fatalf("count %v", l)
		}
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: "link.download"}, store.Page{Limit: 200})
		if len(entries) != 2 || entries[0].IP != "127.0.0.1" || entries[0].TargetID != open["id"] || entries[0].Details["document_id"] != doc {
			t.Fatalf("download audit %+v", entries)
		}

		// A password: missing or wrong is 401 (problem JSON for clients, the
		// page with a message for browsers); right downloads.
		locked := ann.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{"password": "open sesame"})["link"].(map[string]any)
		lp := linkPath(locked["url"].(string))
		if code, _, page := e.pub("GET", lp, nil, true); code != 200 || !strings.Contains(string(page), `name="password"`) {
			t.Fatalf("locked page: %d %s", code, page)
		}
		code, hdr, b := e.pub("GET", lp+"/download", nil, false)
		problem(t, "GET without password", code, hdr, b, 401, "unauthorized")
		code, hdr, b = e.pub("POST", lp+"/download", url.Values{}, false)
		problem(t, "POST without password", code, hdr, b, 401, "unauthorized")
		code, hdr, b = e.pub("POST", lp+"/download", url.Values{"password": {"open says me"}}, false)
		problem(t, "wrong password", code, hdr, b, 401, "unauthorized")
		code, hdr, b = e.pub("POST", lp+"/download", url.Values{"password": {"wrong again"}}, true)
		if code != 401 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "The password is wrong") {
			t.Fatalf("browser wrong password: %d %s", code, b)
		}
		code, _, b = e.pub("POST", lp+"/download", url.Values{"password": {"open sesame"}}, true)
		if code != 200 || string(b) != linkFile {
			t.Fatalf("right password: %d %q", code, b)
		}

		// Used up and expired links answer like unknown ones.
		one := 1
		usedUp := &model.ShareLink{DocumentID: doc, CreatedBy: open["created_by"].(map[string]any)["id"].(string),
			TokenHash: share.HashToken(strings.Repeat("u", 43)), MaxDownloads: &one, DownloadCount: 1}
		past := time.Now().Add(-time.Second)
		expired := &model.ShareLink{DocumentID: doc, CreatedBy: usedUp.CreatedBy, TokenHash: share.HashToken(strings.Repeat("x", 43)), ExpiresAt: &past}
		for _, l := range []*model.ShareLink{usedUp, expired} {
			if err := st.CreateShareLink(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		_, _, unknown := e.pub("GET", "/s/"+strings.Repeat("n", 43)+"/download", nil, false)
		for _, tok := range []string{strings.Repeat("u", 43), strings.Repeat("x", 43)} {
			for _, sfx := range []string{"", "/download"} {
				code, _, b := e.pub("GET", "/s/"+tok+sfx, nil, false)
				if code != 404 || (sfx != "" && withoutRequestID(b) != withoutRequestID(unknown)) {
					t.Errorf("dead link %s%s: %d %s", tok[:1], sfx, code, b)
				}
			}
		}

		// Trashing the document kills its links, and a restore does not
		// bring them back.
		ann.must(204, "DELETE", "/api/documents/"+doc, nil)
		for _, path := range []string{p, p + "/download"} {
			if code, _, b := e.pub("GET", path, nil, false); code != 404 {
				t.Fatalf("link of a trashed document %s: %d %s", path, code, b)
			}
		}
		ann.must(200, "POST", "/api/trash/"+doc+"/restore", nil)
		if code, _, b := e.pub("GET", p+"/download", nil, false); code != 404 {
			t.Fatalf("link after restore: %d %s", code, b)
		}
		if items := ann.must(200, "GET", "/api/documents/"+doc+"/links", nil)["items"].([]any); len(items) != 0 {
			t.Fatalf("links after trash and restore: %v", items)
		}
	})
}

// Two simultaneous downloads of a one-download link: exactly one gets the
// file, the other the same 404 as an unknown link.
func TestShareLinkOneDownloadConcurrent(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ann, _, doc := linkWorld(t, e)
		for round := range 3 {
			lk := ann.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{"max_downloads": 1})["link"].(map[string]any)
			p := linkPath(lk["url"].(string)) + "/download"
			var wg sync.WaitGroup
			codes := make([]int, 4)
			bodies := make([][]byte, 4)
			start := make(chan struct{})
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					defer res.Body.Close()
					bodies[i], _ = io.ReadAll(res.Body)
					codes[i] = res.StatusCode
				}()
			}
			close(start)
			wg.Wait()
			ok, gone := 0, 0
			for i, c := range codes {
				switch {
				case c == 200 && string(bodies[i]) == linkFile:
					ok++
				case c == 404:
					gone++
				default:
					t.Errorf("round %d: %d %s", round, c, bodies[i])
				}
			}
			if ok != 1 || gone != 3 {
				t.Fatalf("round %d: %d downloads, %d refused: %v", round, ok, gone, codes)
			}
			if code, _, _ := e.pub("GET", p, nil, false); code != 404 {
				t.Fatalf("used-up link: %d", code)
			}
			items := ann.must(200, "GET", "/api/documents/"+doc+"/links", nil)["items"].([]any)
			if last := items[len(items)-1].(map[string]any); last["download_count"] != float64(1) {
				t.Fatalf("count %v", last)
			}
		}
	})
}

// Wrong passwords are limited per link and address: after 10 the answer
// is 429 with Retry-After, even for the right password, from that address;
// another address still gets in, and another link is not affected.
func TestShareLinkPasswordRateLimit(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ann, _, doc := linkWorld(t, e)
		lp := linkPath(ann.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{"password": "open sesame"})["link"].(map[string]any)["url"].(string))
		other := linkPath(ann.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{"password": "open sesame"})["link"].(map[string]any)["url"].(string))
		for i := range 10 {
			code, hdr, b := e.pub("POST", lp+"/download", url.Values{"password": {"guess"}}, false)
			problem(t, "guess", code, hdr, b, 401, "unauthorized")
			_ = i
		}
		for _, pw := range []string{"guess", "open sesame"} {
			code, hdr, b := e.pub("POST", lp+"/download", url.Values{"password": {pw}}, false)
			problem(t, "over the limit", code, hdr, b, 429, "rate_limited")
			if hdr.Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
		}
		code, hdr, b := e.pub("POST", lp+"/download", url.Values{"password": {"guess"}}, true)
		if code != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(string(b), "Too many") {
			t.Fatalf("browser over the limit: %d %s", code, b)
		}
		if code, _, b := e.pub("POST", other+"/download", url.Values{"password": {"open sesame"}}, false); code != 200 || string(b) != linkFile {
			t.Fatalf("another link: %d %s", code, b)
		}
		// Another address.
		c := e.client(t).at("127.0.0.2")
		req, _ := http.NewRequest("POST", e.srv.URL+lp+"/download", strings.NewReader("password=open+sesame"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(got) != linkFile {
			t.Fatalf("from another address: %d %s", res.StatusCode, got)
		}
	})
}

// A link an editor makes on a document of a shared space (not theirs, not
// in their personal space) downloads the file; moving the document to
// another space kills the link.
func TestShareLinkInSharedSpace(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		owner, ownerID := e.user("owner@link.test")
		editor, _ := e.user("editor@link.test")
		space := owner.must(201, "POST", "/api/spaces", map[string]any{"name": "Office"})["space"].(map[string]any)["id"].(string)
		owner.must(201, "POST", "/api/spaces/"+space+"/members", map[string]any{"email": "editor@link.test", "role": "editor"})
		status, out := e.upload(owner, "contract.txt", linkFile, "space_id", space)
		if status != 201 {
			t.Fatalf("upload: %d %v", status, out)
		}
		doc := out["document"].(map[string]any)["id"].(string)
		l := editor.must(201, "POST", "/api/documents/"+doc+"/links", map[string]any{"password": "open sesame"})["link"].(map[string]any)
		p := linkPath(l["url"].(string))
		if code, hdr, b := e.pub("POST", p+"/download", url.Values{"password": {"open sesame"}}, false); code != 200 || string(b) != linkFile {
			t.Fatalf("download of a shared space's document: %d %v %s", code, hdr, b)
		}
		owner.must(200, "POST", "/api/documents/"+doc+"/move", map[string]any{"space_id": ownerID})
		code, hdr, b := e.pub("POST", p+"/download", url.Values{"password": {"open sesame"}}, false)
		problem(t, "download after a move", code, hdr, b, 404, "not_found")
	})
}
