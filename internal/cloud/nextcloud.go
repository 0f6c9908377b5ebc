package cloud

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/docuvault/docuvault/internal/cloud/ssrf"
)

// NewNextcloud returns a WebDAV drive on a Nextcloud (or ownCloud) server.
// creds.ServerURL is the instance's base URL ("https://cloud.example.com"
// or ".../nextcloud"); a pasted WebDAV URL containing "/remote.php/" is cut
// back to that base. Files go to
// {base}/remote.php/dav/files/{username}/DocuVault/. Use an app password.
// rt as for NewWebDAV. Errors wrap ssrf.ErrForbiddenAddress or ErrBadName.
func NewNextcloud(creds WebDAVCredentials, guard *ssrf.Guard, rt http.RoundTripper) (*WebDAV, error) {
	u, err := checkServerURL(creds.ServerURL, guard)
	if err != nil {
		return nil, err
	}
	if creds.Username == "" || strings.ContainsAny(creds.Username, "/\\") || strings.ContainsFunc(creds.Username, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, fmt.Errorf("%w: Nextcloud user name %q", ErrBadName, creds.Username)
	}
	base := u.Path
	if i := strings.Index(base, "/remote.php/"); i >= 0 {
		base = base[:i]
	} else {
		base = strings.TrimSuffix(base, "/remote.php")
	}
	c := *u
	c.Path = strings.TrimSuffix(base, "/") + "/remote.php/dav/files/" + creds.Username + "/"
	c.RawPath = ""
	return newWebDAV(KindNextcloud, &c, creds, guard, rt), nil
}
