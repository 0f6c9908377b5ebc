package benchhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"
)

// client calls one server's API as one user.
type client struct {
	base  string
	token string
	http  *http.Client
}

// login signs in and returns a client carrying the access token.
func login(ctx context.Context, base, email, password string) (*client, error) {
	c := &client{base: base, http: &http.Client{Timeout: 5 * time.Minute}}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/auth/login", map[string]string{"email": email, "password": password}, &out); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	c.token = out.AccessToken
	// A personal API token does not expire in the middle of a long run.
	var tok struct {
		Token string `json:"token"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/tokens", map[string]string{"name": "bench"}, &tok); err != nil {
		return nil, fmt.Errorf("create API token: %w", err)
	}
	c.token = tok.Token
	return c, nil
}

// do sends a JSON request and decodes a 2xx JSON answer into out.
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

func (c *client) send(req *http.Request, out any) error {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// document is the part of the API's document the benchmark reads.
type document struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// upload posts one file as a multipart upload.
func (c *client) upload(ctx context.Context, name string, data []byte) (document, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return document{}, err
	}
	if _, err := fw.Write(data); err != nil {
		return document{}, err
	}
	if err := mw.Close(); err != nil {
		return document{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/documents", &buf)
	if err != nil {
		return document{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var out struct {
		Document document `json:"document"`
	}
	if err := c.send(req, &out); err != nil {
		return document{}, err
	}
	if out.Document.ID == "" {
		return document{}, fmt.Errorf("upload %s: no document id in the answer", name)
	}
	return out.Document, nil
}

// list returns one page of GET /api/documents with the given query.
func (c *client) list(ctx context.Context, q url.Values) ([]document, string, error) {
	var out struct {
		Items      []document `json:"items"`
		NextCursor *string    `json:"next_cursor"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/documents?"+q.Encode(), nil, &out); err != nil {
		return nil, "", err
	}
	next := ""
	if out.NextCursor != nil {
		next = *out.NextCursor
	}
	return out.Items, next, nil
}

// waitProcessed polls until no document is processing any more.
func (c *client) waitProcessed(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		items, _, err := c.list(ctx, url.Values{"status": {"processing"}, "limit": {"1"}})
		if err != nil {
			return fmt.Errorf("waiting for processing to finish: %w", err)
		}
		if len(items) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("documents still processing after %s", timeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// count returns how many documents match q, all pages.
func (c *client) count(ctx context.Context, q url.Values) (int, error) {
	n := 0
	q.Set("limit", "200")
	for {
		items, next, err := c.list(ctx, q)
		if err != nil {
			return 0, err
		}
		n += len(items)
		if next == "" {
			return n, nil
		}
		q.Set("cursor", next)
	}
}
