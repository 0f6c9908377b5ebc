package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/microsoft"
)

const (
	// DefaultGraphURL is Microsoft Graph v1.0.
	DefaultGraphURL = "https://graph.microsoft.com/v1.0"
	// OneDriveChunkSize is the upload session fragment size: 10 MiB, a
	// multiple of 320 KiB as Graph requires (32 × 320 KiB).
	OneDriveChunkSize = 10 * 1024 * 1024
	chunkUnit         = 320 * 1024
	// maxChunkRetries bounds the retries of one fragment.
	maxChunkRetries = 5
	maxJSONBody     = 1 << 20
)

// OneDriveOAuthConfig returns the authorization code flow configuration
// for OneDrive (ONEDRIVE_CLIENT_ID, ONEDRIVE_CLIENT_SECRET,
// ONEDRIVE_TENANT_ID; empty tenant means "common", i.e. personal and work
// accounts) with redirect {BACKEND_URL}/api/cloud/onedrive/callback.
// Tests replace Endpoint.
func OneDriveOAuthConfig(clientID, clientSecret, tenant, backendURL string) *oauth2.Config {
	if tenant == "" {
		tenant = "common"
	}
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     microsoft.AzureADEndpoint(tenant),
		RedirectURL:  strings.TrimSuffix(backendURL, "/") + "/api/cloud/onedrive/callback",
		Scopes:       []string{"offline_access", "Files.ReadWrite", "User.Read"},
	}
}

// OneDriveConfig configures a OneDrive.
type OneDriveConfig struct {
	OAuth      *oauth2.Config // from OneDriveOAuthConfig
	HTTPClient *http.Client   // base client; nil: http.DefaultClient
	GraphURL   string         // "" means DefaultGraphURL (tests point it at a local server)
	ChunkSize  int            // 0 means OneDriveChunkSize; must be a multiple of 320 KiB
}

// OneDrive is a Drive on OneDrive through Microsoft Graph over plain HTTP.
// Refs are drive item ids.
type OneDrive struct {
	api       *http.Client // adds the bearer token, does not follow redirects
	plain     *http.Client // upload session and download URLs: pre-authorised, no token
	base      string
	chunkSize int
	retryWait time.Duration
}

// NewOneDrive returns a drive acting with tok. onRefresh (may be nil)
// receives every refreshed token so the application can store it.
func NewOneDrive(cfg OneDriveConfig, tok *oauth2.Token, onRefresh TokenFunc) (*OneDrive, error) {
	if cfg.OAuth == nil || tok == nil {
		return nil, errors.New("cloud: onedrive needs an OAuth config and a token")
	}
	cs := cfg.ChunkSize
	if cs == 0 {
		cs = OneDriveChunkSize
	}
	if cs <= 0 || cs%chunkUnit != 0 {
		return nil, fmt.Errorf("cloud: onedrive chunk size %d is not a multiple of 320 KiB", cs)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	base := strings.TrimSuffix(cfg.GraphURL, "/")
	if base == "" {
		base = DefaultGraphURL
	}
	ts := newTokenSource(cfg.OAuth, hc, tok, onRefresh)
	return &OneDrive{
		api: &http.Client{
			Transport: &oauth2.Transport{Source: ts, Base: hc.Transport},
			// A redirect (content download) must not carry the token.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       hc.Timeout,
		},
		plain:     hc,
		base:      base,
		chunkSize: cs,
		retryWait: time.Second,
	}, nil
}

// driveItem is the part of a Graph driveItem the drive reads.
type driveItem struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Size   int64     `json:"size"`
	Folder *struct{} `json:"folder"`
}

type uploadStatus struct {
	UploadURL          string   `json:"uploadUrl"`
	NextExpectedRanges []string `json:"nextExpectedRanges"`
}

func itemPath(name string) string {
	return "/me/drive/root:/" + url.PathEscape(Folder) + "/" + url.PathEscape(name) + ":"
}

// Put uploads r as DocuVault/<clean name>, replacing a file of that name,
// through an upload session in fragments of the chunk size, resuming from
// the session's nextExpectedRanges after a failed fragment. An empty file
// (which a session cannot carry) is sent with a simple upload.
func (d *OneDrive) Put(ctx context.Context, name string, r io.Reader, size int64) (string, error) {
	clean, err := CleanName(name)
	if err != nil {
		return "", err
	}
	if size < 0 {
		return "", fmt.Errorf("onedrive put: negative size %d", size)
	}
	if size == 0 {
		var item driveItem
		if err := d.call(ctx, http.MethodPut, itemPath(clean)+"/content?@microsoft.graph.conflictBehavior=replace", http.NoBody, &item); err != nil {
			return "", fmt.Errorf("onedrive put: %w", err)
		}
		return item.ID, nil
	}
	body, _ := json.Marshal(map[string]any{"item": map[string]any{"@microsoft.graph.conflictBehavior": "replace"}})
	var sess uploadStatus
	if err := d.call(ctx, http.MethodPost, itemPath(clean)+"/createUploadSession", bytes.NewReader(body), &sess); err != nil {
		return "", fmt.Errorf("onedrive create upload session: %w", err)
	}
	if sess.UploadURL == "" {
		return "", fmt.Errorf("onedrive create upload session: %w: no uploadUrl", ErrUnavailable)
	}
	item, err := d.upload(ctx, sess.UploadURL, r, size)
	if err != nil {
		d.cancelSession(sess.UploadURL)
		return "", fmt.Errorf("onedrive upload: %w", err)
	}
	return item.ID, nil
}

// upload sends the fragments. buf holds the bytes [bufStart, bufStart+len)
// read from r so a failed fragment can be sent again.
func (d *OneDrive) upload(ctx context.Context, uploadURL string, r io.Reader, size int64) (*driveItem, error) {
	buf := make([]byte, 0, min(int64(d.chunkSize), size))
	var bufStart int64
	next := int64(0)
	retries := 0
	for {
		if next == bufStart+int64(len(buf)) { // buffer used up: read the next fragment
			bufStart = next
			n := min(int64(d.chunkSize), size-next)
			buf = buf[:n]
			if _, err := io.ReadFull(r, buf); err != nil {
				return nil, fmt.Errorf("read source at %d: %w", next, err)
			}
		}
		if next < bufStart || next >= bufStart+int64(len(buf)) {
			return nil, fmt.Errorf("%w: server expects offset %d, have %d-%d", ErrUnavailable, next, bufStart, bufStart+int64(len(buf)))
		}
		frag := buf[next-bufStart:]
		item, st, err := d.putFragment(ctx, uploadURL, frag, next, size)
		switch {
		case err == nil && item != nil:
			if item.Size != size {
				return item, fmt.Errorf("stored %d bytes, expected %d", item.Size, size)
			}
			return item, nil
		case err == nil:
			n, perr := firstExpected(st.NextExpectedRanges)
			if perr != nil {
				return nil, perr
			}
			if n <= next { // no progress: count it as a failure
				retries++
				if retries > maxChunkRetries {
					return nil, fmt.Errorf("%w: no progress at offset %d", ErrUnavailable, next)
				}
			} else {
				retries = 0
			}
			next = n
		default:
			if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
				return nil, err
			}
			retries++
			if retries > maxChunkRetries {
				return nil, fmt.Errorf("fragment at %d failed %d times: %w", next, retries, err)
			}
			if err := sleepCtx(ctx, d.retryWait*time.Duration(retries)); err != nil {
				return nil, err
			}
			st, err := d.sessionStatus(ctx, uploadURL)
			if err != nil {
				return nil, err
			}
			if next, err = firstExpected(st.NextExpectedRanges); err != nil {
				return nil, err
			}
		}
	}
}

// putFragment PUTs one fragment. It returns the item when the upload is
// complete, the session status on 202, or an error wrapping a sentinel.
func (d *OneDrive) putFragment(ctx context.Context, uploadURL string, frag []byte, off, size int64) (*driveItem, *uploadStatus, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, bytes.NewReader(frag))
	if err != nil {
		return nil, nil, err
	}
	req.ContentLength = int64(len(frag))
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+int64(len(frag))-1, size))
	resp, err := d.plain.Do(req)
	if err != nil {
		return nil, nil, transportErr(ctx, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated:
		var item driveItem
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBody)).Decode(&item); err != nil {
			return nil, nil, fmt.Errorf("decode item: %w", err)
		}
		return &item, nil, nil
	case http.StatusAccepted:
		var st uploadStatus
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBody)).Decode(&st); err != nil {
			return nil, nil, fmt.Errorf("decode upload status: %w", err)
		}
		return nil, &st, nil
	case http.StatusRequestedRangeNotSatisfiable, http.StatusConflict:
		// Fragment overlaps what the server has: ask it where to go on.
		return nil, nil, fmt.Errorf("%w: HTTP %d for fragment at %d", ErrUnavailable, resp.StatusCode, off)
	case http.StatusNotFound:
		return nil, nil, fmt.Errorf("upload session expired or cancelled (HTTP 404)")
	}
	return nil, nil, graphErr(resp)
}

// sessionStatus asks the upload session what it has (GET uploadUrl).
func (d *OneDrive) sessionStatus(ctx context.Context, uploadURL string) (*uploadStatus, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uploadURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := d.plain.Do(req)
	if err != nil {
		return nil, transportErr(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("upload session status: %w", graphErr(resp))
	}
	var st uploadStatus
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBody)).Decode(&st); err != nil {
		return nil, fmt.Errorf("decode upload status: %w", err)
	}
	return &st, nil
}

// cancelSession deletes an abandoned upload session, best effort.
func (d *OneDrive) cancelSession(uploadURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, uploadURL, nil)
	if err != nil {
		return
	}
	if resp, err := d.plain.Do(req); err == nil {
		resp.Body.Close()
	}
}

// firstExpected parses the start of the first "start-[end]" range.
func firstExpected(ranges []string) (int64, error) {
	if len(ranges) == 0 {
		return 0, fmt.Errorf("%w: upload session reports no expected ranges", ErrUnavailable)
	}
	start, _, _ := strings.Cut(ranges[0], "-")
	n, err := strconv.ParseInt(start, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: bad nextExpectedRanges %q", ErrUnavailable, ranges[0])
	}
	return n, nil
}

// Get streams the item's content. Graph answers with a redirect to a
// pre-authenticated download URL, which is fetched without the token.
func (d *OneDrive) Get(ctx context.Context, ref string) (io.ReadCloser, error) {
	if err := checkIDRef(ref); err != nil {
		return nil, err
	}
	resp, err := d.do(ctx, http.MethodGet, "/me/drive/items/"+url.PathEscape(ref)+"/content", nil)
	if err != nil {
		return nil, fmt.Errorf("onedrive get: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp.Body, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("onedrive get: redirect without location: %w", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
		if err != nil {
			return nil, err
		}
		dl, err := d.plain.Do(req)
		if err != nil {
			return nil, fmt.Errorf("onedrive download: %w", transportErr(ctx, err))
		}
		if dl.StatusCode != http.StatusOK {
			defer dl.Body.Close()
			return nil, fmt.Errorf("onedrive download: %w", graphErr(dl))
		}
		return dl.Body, nil
	}
	defer resp.Body.Close()
	return nil, fmt.Errorf("onedrive get: %w", graphErr(resp))
}

// Stat returns the item's size.
func (d *OneDrive) Stat(ctx context.Context, ref string) (int64, error) {
	if err := checkIDRef(ref); err != nil {
		return 0, err
	}
	var item driveItem
	if err := d.call(ctx, http.MethodGet, "/me/drive/items/"+url.PathEscape(ref)+"?$select=id,size,folder", nil, &item); err != nil {
		return 0, fmt.Errorf("onedrive stat: %w", err)
	}
	if item.Folder != nil {
		return 0, fmt.Errorf("onedrive stat: %w: is a folder", ErrNotFound)
	}
	return item.Size, nil
}

// Delete moves the item to the OneDrive recycle bin; a missing item is not
// an error.
func (d *OneDrive) Delete(ctx context.Context, ref string) error {
	if err := checkIDRef(ref); err != nil {
		return err
	}
	err := d.call(ctx, http.MethodDelete, "/me/drive/items/"+url.PathEscape(ref), nil, nil)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("onedrive delete: %w", err)
	}
	return nil
}

// Test checks the token works and the DocuVault folder exists, creating
// it if missing.
func (d *OneDrive) Test(ctx context.Context) error {
	var item driveItem
	err := d.call(ctx, http.MethodGet, "/me/drive/root:/"+url.PathEscape(Folder), nil, &item)
	switch {
	case err == nil && item.Folder == nil:
		return fmt.Errorf("onedrive: %q exists and is not a folder", Folder)
	case err == nil:
		return nil
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("onedrive test: %w", err)
	}
	body, _ := json.Marshal(map[string]any{"name": Folder, "folder": map[string]any{}, "@microsoft.graph.conflictBehavior": "fail"})
	err = d.call(ctx, http.MethodPost, "/me/drive/root/children", bytes.NewReader(body), nil)
	var ge *graphError
	if errors.As(err, &ge) && ge.Status == http.StatusConflict {
		return nil // created meanwhile
	}
	if err != nil {
		return fmt.Errorf("onedrive create folder: %w", err)
	}
	return nil
}

// do sends an authorised Graph request.
func (d *OneDrive) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil && body != http.NoBody {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.api.Do(req)
	if err != nil {
		return nil, transportErr(ctx, err)
	}
	return resp, nil
}

// call sends a Graph request and decodes a 2xx JSON answer into out.
func (d *OneDrive) call(ctx context.Context, method, path string, body io.Reader, out any) error {
	resp, err := d.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return graphErr(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBody)).Decode(out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

// graphError is a failed Graph call.
type graphError struct {
	Status int
	Code   string
	kind   error
}

func (e *graphError) Error() string {
	s := fmt.Sprintf("graph HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.kind != nil {
		s = e.kind.Error() + ": " + s
	}
	return s
}

func (e *graphError) Unwrap() error { return e.kind }

// graphErr reads a Graph error answer {"error": {"code": ...}}.
func graphErr(resp *http.Response) error {
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	e := &graphError{Status: resp.StatusCode, Code: body.Error.Code, kind: statusErr(resp.StatusCode)}
	if resp.StatusCode == http.StatusForbidden && body.Error.Code == "accessDenied" {
		e.kind = ErrUnauthorized
	}
	return e
}

// transportErr classifies a failed round trip.
func transportErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
