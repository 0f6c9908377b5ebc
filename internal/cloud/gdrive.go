package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"
)

// Google Drive v3 over plain net/http and x/oauth2: the calls a drive makes
// (files.list, files.create with multipart and resumable uploads, files.get,
// files.delete, about.get) are few, and Google's generated client pulled
// about seventy gRPC and OpenTelemetry packages into the binary.

const (
	folderMime = "application/vnd.google-apps.folder"
	// googleDriveFileScope lets the app see only the files it created.
	googleDriveFileScope = "https://www.googleapis.com/auth/drive.file"
	googleAPIBase        = "https://www.googleapis.com/"
)

// DefaultGoogleChunkSize is the resumable upload chunk size: files larger
// than one chunk are sent with the resumable protocol, smaller ones in one
// multipart request.
const DefaultGoogleChunkSize = 8 << 20

// googleChunkUnit is the granularity Drive requires of resumable chunks.
const googleChunkUnit = 256 << 10

// GoogleOAuthConfig returns the authorization code flow configuration for
// Google Drive (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET) with scope
// drive.file (only files the app created) and redirect
// {BACKEND_URL}/api/cloud/google/callback. Tests replace Endpoint. Pass
// oauth2.SetAuthURLParam("prompt", "consent") to StartAuth so Google
// returns a refresh token on reconnect too.
func GoogleOAuthConfig(clientID, clientSecret, backendURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     endpoints.Google,
		RedirectURL:  strings.TrimSuffix(backendURL, "/") + "/api/cloud/google/callback",
		Scopes:       []string{googleDriveFileScope},
	}
}

// GoogleDriveConfig configures a Google Drive.
type GoogleDriveConfig struct {
	OAuth      *oauth2.Config // from GoogleOAuthConfig
	HTTPClient *http.Client   // base client for API and token calls; nil: http.DefaultClient
	// BaseURL replaces "https://www.googleapis.com/" (tests). The API is
	// at {BaseURL}drive/v3/ and uploads at {BaseURL}upload/drive/v3/.
	BaseURL   string
	ChunkSize int // resumable chunk size; 0: DefaultGoogleChunkSize; rounded up to 256 KiB
}

// GoogleDrive is a Drive on Google Drive v3. Refs are file ids.
type GoogleDrive struct {
	api       *http.Client // adds the OAuth token, refreshing it when needed
	base      string       // ends in "/"
	chunkSize int

	mu       sync.Mutex
	folderID string
}

// gfileMeta is the part of a Drive file resource the drive reads.
type gfileMeta struct {
	ID      string `json:"id"`
	Size    string `json:"size"` // int64 as a JSON string
	Trashed bool   `json:"trashed"`
}

func (f *gfileMeta) size() (int64, error) {
	if f.Size == "" {
		return 0, nil
	}
	return strconv.ParseInt(f.Size, 10, 64)
}

// NewGoogleDrive returns a drive acting with tok. onRefresh (may be nil)
// receives every refreshed token so the application can store it.
func NewGoogleDrive(_ context.Context, cfg GoogleDriveConfig, tok *oauth2.Token, onRefresh TokenFunc) (*GoogleDrive, error) {
	if cfg.OAuth == nil || tok == nil {
		return nil, errors.New("cloud: google drive needs an OAuth config and a token")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	ts := newTokenSource(cfg.OAuth, hc, tok, onRefresh)
	base := googleAPIBase
	if cfg.BaseURL != "" {
		base = strings.TrimSuffix(cfg.BaseURL, "/") + "/"
	}
	cs := cfg.ChunkSize
	if cs <= 0 {
		cs = DefaultGoogleChunkSize
	}
	cs = (cs + googleChunkUnit - 1) / googleChunkUnit * googleChunkUnit
	return &GoogleDrive{
		api: &http.Client{
			Transport:     &oauth2.Transport{Source: ts, Base: hc.Transport},
			CheckRedirect: hc.CheckRedirect,
			Timeout:       hc.Timeout,
		},
		base:      base,
		chunkSize: cs,
	}, nil
}

// Put uploads r into DocuVault/ (created if missing) and returns the file
// id: in one multipart request when it fits in a chunk, otherwise with the
// resumable protocol. Drive allows several files of one name, so a retried
// Put may leave a duplicate; callers delete by ref.
func (d *GoogleDrive) Put(ctx context.Context, name string, r io.Reader, size int64) (string, error) {
	clean, err := CleanName(name)
	if err != nil {
		return "", err
	}
	folder, err := d.folder(ctx)
	if err != nil {
		return "", err
	}
	meta := map[string]any{"name": clean, "parents": []string{folder}}
	chunk := make([]byte, d.chunkSize)
	n, err := io.ReadFull(r, chunk)
	var f *gfileMeta
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		f, err = d.putMultipart(ctx, meta, chunk[:n])
	case err != nil:
		return "", fmt.Errorf("google drive put: read: %w", err)
	default:
		f, err = d.putResumable(ctx, meta, chunk, r)
	}
	if err != nil {
		return "", gdriveErr(ctx, "put", err)
	}
	got, err := f.size()
	if err != nil {
		return "", fmt.Errorf("google drive put: size %q: %w", f.Size, err)
	}
	if size >= 0 && got != size {
		_ = d.Delete(ctx, f.ID) // best effort: do not leave a truncated copy
		return "", fmt.Errorf("google drive put: stored %d bytes, expected %d", got, size)
	}
	return f.ID, nil
}

// putMultipart sends metadata and content in one multipart/related request.
func (d *GoogleDrive) putMultipart(ctx context.Context, meta map[string]any, data []byte) (*gfileMeta, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mb, _ := json.Marshal(meta)
	pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json; charset=UTF-8"}})
	_, _ = pw.Write(mb)
	pw, _ = mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/octet-stream"}})
	_, _ = pw.Write(data)
	_ = mw.Close()
	var f gfileMeta
	err := d.call(ctx, http.MethodPost, d.base+"upload/drive/v3/files?uploadType=multipart&fields=id,size",
		"multipart/related; boundary="+mw.Boundary(), &body, &f)
	return &f, err
}

// putResumable starts a resumable session and sends first (a full chunk)
// and then the rest of r, chunk by chunk; the total is given with the last.
func (d *GoogleDrive) putResumable(ctx context.Context, meta map[string]any, first []byte, r io.Reader) (*gfileMeta, error) {
	mb, _ := json.Marshal(meta)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		d.base+"upload/drive/v3/files?uploadType=resumable&fields=id,size", bytes.NewReader(mb))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("X-Upload-Content-Type", "application/octet-stream")
	resp, err := d.api.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, readGoogleError(resp)
	}
	resp.Body.Close()
	session := resp.Header.Get("Location")
	if session == "" {
		return nil, errors.New("resumable upload: no session URL")
	}
	chunk, off := first, int64(0)
	var peek [1]byte
	for {
		// One byte more tells whether this chunk is the last.
		pn, perr := io.ReadFull(r, peek[:])
		if perr != nil && perr != io.EOF {
			return nil, fmt.Errorf("read: %w", perr)
		}
		last := pn == 0
		total := "*"
		if last {
			total = strconv.FormatInt(off+int64(len(chunk)), 10)
		}
		f, acked, err := d.sendChunk(ctx, session, chunk, off, total)
		if err != nil {
			return nil, err
		}
		if f != nil {
			return f, nil
		}
		if acked != off+int64(len(chunk)) {
			return nil, fmt.Errorf("resumable upload: the server kept %d of %d bytes", acked, off+int64(len(chunk)))
		}
		if last {
			return nil, errors.New("resumable upload: no file after the last chunk")
		}
		off = acked
		chunk = chunk[:cap(chunk)]
		chunk[0] = peek[0]
		n, err := io.ReadFull(r, chunk[1:])
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("read: %w", err)
		}
		chunk = chunk[:1+n]
	}
}

// sendChunk PUTs one chunk at off. It returns the file when the upload is
// complete, otherwise how many bytes the server holds.
func (d *GoogleDrive) sendChunk(ctx context.Context, session string, chunk []byte, off int64, total string) (*gfileMeta, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, session, bytes.NewReader(chunk))
	if err != nil {
		return nil, 0, err
	}
	req.ContentLength = int64(len(chunk))
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%s", off, off+int64(len(chunk))-1, total))
	// Answer 200 with an override header instead of 308, which HTTP
	// clients may take for a redirect.
	req.Header.Set("X-GUploader-No-308", "yes")
	resp, err := d.api.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusPermanentRedirect ||
		(resp.StatusCode == http.StatusOK && resp.Header.Get("X-HTTP-Status-Code-Override") == "308") {
		return nil, rangeEnd(resp.Header.Get("Range")), nil
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return nil, 0, readGoogleError(resp)
	}
	var f gfileMeta
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBody)).Decode(&f); err != nil {
		return nil, 0, fmt.Errorf("decode upload answer: %w", err)
	}
	return &f, 0, nil
}

// rangeEnd turns "bytes=0-N" into N+1, the bytes received; none is 0.
func rangeEnd(h string) int64 {
	_, end, ok := strings.Cut(strings.TrimPrefix(h, "bytes="), "-")
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(end, 10, 64)
	if err != nil {
		return 0
	}
	return n + 1
}

// Get streams the file's content.
func (d *GoogleDrive) Get(ctx context.Context, ref string) (io.ReadCloser, error) {
	if err := checkIDRef(ref); err != nil {
		return nil, err
	}
	resp, err := d.do(ctx, http.MethodGet, d.fileURL(ref)+"?alt=media", "", nil)
	if err != nil {
		return nil, gdriveErr(ctx, "get", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, gdriveErr(ctx, "get", readGoogleError(resp))
	}
	return resp.Body, nil
}

// Stat returns the file's size; a trashed file counts as not found.
func (d *GoogleDrive) Stat(ctx context.Context, ref string) (int64, error) {
	if err := checkIDRef(ref); err != nil {
		return 0, err
	}
	var f gfileMeta
	if err := d.call(ctx, http.MethodGet, d.fileURL(ref)+"?fields=id,size,trashed", "", nil, &f); err != nil {
		return 0, gdriveErr(ctx, "stat", err)
	}
	if f.Trashed {
		return 0, fmt.Errorf("google drive stat: %w: in trash", ErrNotFound)
	}
	return f.size()
}

// Delete removes the file for good; a missing file is not an error.
func (d *GoogleDrive) Delete(ctx context.Context, ref string) error {
	if err := checkIDRef(ref); err != nil {
		return err
	}
	if err := d.call(ctx, http.MethodDelete, d.fileURL(ref), "", nil, nil); err != nil {
		err = gdriveErr(ctx, "delete", err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// Test checks the token works and the DocuVault folder exists.
func (d *GoogleDrive) Test(ctx context.Context) error {
	if err := d.call(ctx, http.MethodGet, d.base+"drive/v3/about?fields=user", "", nil, nil); err != nil {
		return gdriveErr(ctx, "test", err)
	}
	_, err := d.folder(ctx)
	return err
}

// folder finds or creates DocuVault/ in the drive root and caches its id.
func (d *GoogleDrive) folder(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.folderID != "" {
		return d.folderID, nil
	}
	q := url.Values{
		"q":        {fmt.Sprintf("name = '%s' and mimeType = '%s' and 'root' in parents and trashed = false", Folder, folderMime)},
		"spaces":   {"drive"},
		"fields":   {"files(id)"},
		"pageSize": {"1"},
	}
	var list struct {
		Files []gfileMeta `json:"files"`
	}
	if err := d.call(ctx, http.MethodGet, d.base+"drive/v3/files?"+q.Encode(), "", nil, &list); err != nil {
		return "", gdriveErr(ctx, "find folder", err)
	}
	if len(list.Files) > 0 {
		d.folderID = list.Files[0].ID
		return d.folderID, nil
	}
	mb, _ := json.Marshal(map[string]any{"name": Folder, "mimeType": folderMime, "parents": []string{"root"}})
	var f gfileMeta
	if err := d.call(ctx, http.MethodPost, d.base+"drive/v3/files?fields=id", "application/json; charset=UTF-8", bytes.NewReader(mb), &f); err != nil {
		return "", gdriveErr(ctx, "create folder", err)
	}
	d.folderID = f.ID
	return d.folderID, nil
}

func (d *GoogleDrive) fileURL(ref string) string {
	return d.base + "drive/v3/files/" + url.PathEscape(ref)
}

// do sends an authorised request.
func (d *GoogleDrive) do(ctx context.Context, method, u, ctype string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return d.api.Do(req)
}

// call sends a request and decodes a 2xx JSON answer into out (may be nil).
func (d *GoogleDrive) call(ctx context.Context, method, u, ctype string, body io.Reader, out any) error {
	resp, err := d.do(ctx, method, u, ctype, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readGoogleError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBody)).Decode(out); err != nil {
		return fmt.Errorf("decode %s answer: %w", method, err)
	}
	return nil
}

// googleError is a failed Drive call: its status and the reasons Google
// gives ({"error": {"code", "message", "errors": [{"reason"}]}}).
type googleError struct {
	Code    int
	Message string
	Reasons []string
}

func (e *googleError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func readGoogleError(resp *http.Response) error {
	var body struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	e := &googleError{Code: resp.StatusCode, Message: truncateUTF8(body.Error.Message, 200)}
	for _, r := range body.Error.Errors {
		e.Reasons = append(e.Reasons, r.Reason)
	}
	return e
}

// checkIDRef accepts provider item ids: letters, digits, '-', '_', '!' and
// '.', at most 256 bytes.
func checkIDRef(ref string) error {
	if ref == "" || len(ref) > 256 {
		return fmt.Errorf("%w: ref %q", ErrBadName, ref)
	}
	for _, c := range ref {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune("-_!.", c) {
			return fmt.Errorf("%w: ref %q", ErrBadName, ref)
		}
	}
	return nil
}

// gdriveErr maps Drive API errors to the package sentinels.
func gdriveErr(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("google drive %s: %w", op, ctxErr)
	}
	if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("google drive %s: %w", op, err)
	}
	var ge *googleError
	if errors.As(err, &ge) {
		if ge.Code == http.StatusForbidden {
			for _, reason := range ge.Reasons {
				switch reason {
				case "rateLimitExceeded", "userRateLimitExceeded":
					return fmt.Errorf("google drive %s: %w: %s", op, ErrUnavailable, reason)
				case "storageQuotaExceeded":
					return fmt.Errorf("google drive %s: storage quota exceeded", op)
				}
			}
			return fmt.Errorf("google drive %s: %w: access denied (HTTP 403)", op, ErrUnauthorized)
		}
		if s := statusErr(ge.Code); s != nil {
			return fmt.Errorf("google drive %s: %w (HTTP %d)", op, s, ge.Code)
		}
		return fmt.Errorf("google drive %s: %w", op, ge)
	}
	return fmt.Errorf("google drive %s: %w: %w", op, ErrUnavailable, err)
}
