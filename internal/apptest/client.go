package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
)

// Password is the password of the accounts User creates.
const Password = "correct horse battery staple"

// Client is a signed-in user of the application: its id, its access token
// and a browser-like HTTP client (own cookie jar).
type Client struct {
	ID    string
	Email string
	Token string
	HTTP  *http.Client
	a     *App
}

// User registers an account with Password through the API and signs it
// in. The first test account is an ordinary user; see Admin.
func (a *App) User(email string) *Client {
	a.t.Helper()
	c := a.Anonymous()
	c.Email = email
	if status, out := c.JSON("POST", "/api/auth/register", map[string]any{"email": email, "password": Password}); status != http.StatusCreated {
		a.t.Fatalf("apptest: register %s: %d %v", email, status, out)
	}
	return c.signIn(email, Password)
}

// Admin makes email an administrator (as ADMIN_EMAIL does at start) and
// signs it in.
func (a *App) Admin(email string) *Client {
	a.t.Helper()
	if err := a.Accounts.EnsureAdmin(a.t.Context(), email, Password); err != nil {
		a.t.Fatalf("apptest: admin %s: %v", email, err)
	}
	c := a.Anonymous()
	c.Email = email
	return c.signIn(email, Password)
}

// Anonymous is a client without credentials.
func (a *App) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{HTTP: &http.Client{Jar: jar}, a: a}
}

func (c *Client) signIn(email, password string) *Client {
	c.a.t.Helper()
	status, out := c.JSON("POST", "/api/auth/login", map[string]any{"email": email, "password": password})
	if status != http.StatusOK {
		c.a.t.Fatalf("apptest: sign in %s: %d %v", email, status, out)
	}
	c.Token, _ = out["access_token"].(string)
	if u, ok := out["user"].(map[string]any); ok {
		c.ID, _ = u["id"].(string)
	}
	if c.Token == "" || c.ID == "" {
		c.a.t.Fatalf("apptest: sign in %s: no token or user id: %v", email, out)
	}
	return c
}

// Do sends a request to the application as c: body is a JSON value, a
// string or []byte sent as is, or nil. The response body is read and closed.
func (c *Client) Do(method, path string, body any) (*http.Response, []byte) {
	c.a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.a.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(c.a.t.Context(), method, c.a.URL+path, rd)
	if err != nil {
		c.a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", c.a.URL) // a same-origin browser request
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.a.t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.a.t.Fatalf("apptest: %s %s: read the response: %v", method, path, err)
	}
	return res, raw
}

// JSON is Do for a JSON (or problem JSON) answer: the status and the
// decoded object (nil for an empty body). A body that is not JSON fails.
func (c *Client) JSON(method, path string, body any) (int, map[string]any) {
	c.a.t.Helper()
	res, raw := c.Do(method, path, body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.a.t.Fatalf("apptest: %s %s: %d, not JSON: %.200s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, out
}

// Must is JSON that fails the test unless the status is want.
func (c *Client) Must(want int, method, path string, body any) map[string]any {
	c.a.t.Helper()
	status, out := c.JSON(method, path, body)
	if status != want {
		c.a.t.Fatalf("apptest: %s %s: status %d, want %d: %v", method, path, status, want, out)
	}
	return out
}
