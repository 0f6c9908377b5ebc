package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/drive/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

const folderMime = "application/vnd.google-apps.folder"

// DefaultGoogleChunkSize is the resumable upload chunk size: files larger
// than one chunk are sent with the resumable protocol, smaller ones in one
// multipart request.
const DefaultGoogleChunkSize = 8 << 20

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
		Endpoint:     google.Endpoint,
		RedirectURL:  strings.TrimSuffix(backendURL, "/") + "/api/cloud/google/callback",
		Scopes:       []string{drive.DriveFileScope},
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
	svc       *drive.Service
	chunkSize int

	mu       sync.Mutex
	folderID string
}

// NewGoogleDrive returns a drive acting with tok. onRefresh (may be nil)
// receives every refreshed token so the application can store it.
func NewGoogleDrive(ctx context.Context, cfg GoogleDriveConfig, tok *oauth2.Token, onRefresh TokenFunc) (*GoogleDrive, error) {
	if cfg.OAuth == nil || tok == nil {
		return nil, errors.New("cloud: google drive needs an OAuth config and a token")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	ts := newTokenSource(cfg.OAuth, hc, tok, onRefresh)
	api := &http.Client{
		Transport:     &oauth2.Transport{Source: ts, Base: hc.Transport},
		CheckRedirect: hc.CheckRedirect,
		Timeout:       hc.Timeout,
	}
	opts := []option.ClientOption{option.WithHTTPClient(api)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(cfg.BaseURL, "/")+"/drive/v3/"))
	}
	svc, err := drive.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cloud: google drive: %w", err)
	}
	cs := cfg.ChunkSize
	if cs <= 0 {
		cs = DefaultGoogleChunkSize
	}
	return &GoogleDrive{svc: svc, chunkSize: cs}, nil
}

// Put uploads r into DocuVault/ (created if missing) and returns the file
// id. Drive allows several files of one name, so a retried Put may leave a
// duplicate; callers delete by ref.
func (d *GoogleDrive) Put(ctx context.Context, name string, r io.Reader, size int64) (string, error) {
	clean, err := CleanName(name)
	if err != nil {
		return "", err
	}
	folder, err := d.folder(ctx)
	if err != nil {
		return "", err
	}
	f, err := d.svc.Files.Create(&drive.File{Name: clean, Parents: []string{folder}}).
		Media(r, googleapi.ChunkSize(d.chunkSize), googleapi.ContentType("application/octet-stream")).
		Fields("id", "size").Context(ctx).Do()
	if err != nil {
		return "", gdriveErr(ctx, "put", err)
	}
	if size >= 0 && f.Size != size {
		_ = d.Delete(ctx, f.Id) // best effort: do not leave a truncated copy
		return "", fmt.Errorf("google drive put: stored %d bytes, expected %d", f.Size, size)
	}
	return f.Id, nil
}

// Get streams the file's content.
func (d *GoogleDrive) Get(ctx context.Context, ref string) (io.ReadCloser, error) {
	if err := checkIDRef(ref); err != nil {
		return nil, err
	}
	res, err := d.svc.Files.Get(ref).Context(ctx).Download()
	if err != nil {
		return nil, gdriveErr(ctx, "get", err)
	}
	return res.Body, nil
}

// Stat returns the file's size; a trashed file counts as not found.
func (d *GoogleDrive) Stat(ctx context.Context, ref string) (int64, error) {
	if err := checkIDRef(ref); err != nil {
		return 0, err
	}
	f, err := d.svc.Files.Get(ref).Fields("id", "size", "trashed").Context(ctx).Do()
	if err != nil {
		return 0, gdriveErr(ctx, "stat", err)
	}
	if f.Trashed {
		return 0, fmt.Errorf("google drive stat: %w: in trash", ErrNotFound)
	}
	return f.Size, nil
}

// Delete removes the file for good; a missing file is not an error.
func (d *GoogleDrive) Delete(ctx context.Context, ref string) error {
	if err := checkIDRef(ref); err != nil {
		return err
	}
	if err := d.svc.Files.Delete(ref).Context(ctx).Do(); err != nil {
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
	if _, err := d.svc.About.Get().Fields("user").Context(ctx).Do(); err != nil {
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
	q := fmt.Sprintf("name = '%s' and mimeType = '%s' and 'root' in parents and trashed = false", Folder, folderMime)
	list, err := d.svc.Files.List().Q(q).Spaces("drive").Fields("files(id)").PageSize(1).Context(ctx).Do()
	if err != nil {
		return "", gdriveErr(ctx, "find folder", err)
	}
	if len(list.Files) > 0 {
		d.folderID = list.Files[0].Id
		return d.folderID, nil
	}
	f, err := d.svc.Files.Create(&drive.File{Name: Folder, MimeType: folderMime, Parents: []string{"root"}}).
		Fields("id").Context(ctx).Do()
	if err != nil {
		return "", gdriveErr(ctx, "create folder", err)
	}
	d.folderID = f.Id
	return d.folderID, nil
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
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		if ge.Code == http.StatusForbidden {
			for _, e := range ge.Errors {
				switch e.Reason {
				case "rateLimitExceeded", "userRateLimitExceeded":
					return fmt.Errorf("google drive %s: %w: %s", op, ErrUnavailable, e.Reason)
				case "storageQuotaExceeded":
					return fmt.Errorf("google drive %s: storage quota exceeded", op)
				}
			}
			return fmt.Errorf("google drive %s: %w: access denied (HTTP 403)", op, ErrUnauthorized)
		}
		if s := statusErr(ge.Code); s != nil {
			return fmt.Errorf("google drive %s: %w (HTTP %d)", op, s, ge.Code)
		}
		return fmt.Errorf("google drive %s: HTTP %d: %s", op, ge.Code, ge.Message)
	}
	return fmt.Errorf("google drive %s: %w: %w", op, ErrUnavailable, err)
}
