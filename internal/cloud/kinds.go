package cloud

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/internal/cloud/ssrf"
)

// Account kinds as the API and the cloud_accounts table name them.
const (
	KindGoogleDrive = "google_drive"
	KindOneDrive    = "onedrive"
	KindNextcloud   = "nextcloud"
	KindWebDAV      = "webdav"
)

// Kinds is the one table of cloud drive providers, in the order the API
// lists them. The service, the API's connect routes and openapi.json
// (api/cloud.go, api/openapi.go), GET /api/cloud's providers and the kind
// check on new accounts all loop over it (the database does not check
// kinds); adding a provider is its own file plus an entry here (and, for
// an OAuth provider, its operator settings in config and app/cloud.go).
// TestNoKindSwitchOutsideTable fails on a switch per kind anywhere else;
// TestEveryKindConnects fails for a kind without a test fake.
var Kinds = []Kind{
	{
		Name: KindGoogleDrive, Slug: "google", DisplayName: "Google Drive",
		Settings: "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET",
		OAuthConfig: func(c OAuthClient, backendURL string) *oauth2.Config {
			return GoogleOAuthConfig(c.ID, c.Secret, backendURL)
		},
		// Google sends a refresh token again only when asked to show consent.
		AuthOptions: []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "consent")},
		OpenToken: func(e DriveEnv, tok *oauth2.Token) (Drive, error) {
			return NewGoogleDrive(context.Background(), GoogleDriveConfig{OAuth: e.OAuth, HTTPClient: e.Client,
				BaseURL: e.APIURL, ChunkSize: e.ChunkSize}, tok, e.OnRefresh)
		},
	},
	{
		Name: KindOneDrive, Slug: "onedrive", DisplayName: "OneDrive",
		Settings: "ONEDRIVE_CLIENT_ID and ONEDRIVE_CLIENT_SECRET",
		OAuthConfig: func(c OAuthClient, backendURL string) *oauth2.Config {
			return OneDriveOAuthConfig(c.ID, c.Secret, c.Tenant, backendURL)
		},
		OpenToken: func(e DriveEnv, tok *oauth2.Token) (Drive, error) {
			return NewOneDrive(OneDriveConfig{OAuth: e.OAuth, HTTPClient: e.Client, GraphURL: e.APIURL,
				ChunkSize: e.ChunkSize}, tok, e.OnRefresh)
		},
	},
	{
		Name: KindWebDAV, Slug: "webdav", DisplayName: "WebDAV",
		OpenPassword: func(e DriveEnv, c WebDAVCredentials) (Drive, error) { return NewWebDAV(c, e.Guard, e.RT) },
	},
	{
		Name: KindNextcloud, Slug: "nextcloud", DisplayName: "Nextcloud", NamePrefix: "Nextcloud ",
		OpenPassword: func(e DriveEnv, c WebDAVCredentials) (Drive, error) { return NewNextcloud(c, e.Guard, e.RT) },
	},
}

// Kind is one cloud drive provider. Exactly one of OpenToken (an OAuth
// provider, connected through GET /api/cloud/{Slug}/authorize and
// /callback) and OpenPassword (a server URL, user name and password
// posted to POST /api/cloud/{Slug}, a form) is set.
type Kind struct {
	Name        string // the account kind: "google_drive"
	Slug        string // the word in its connect routes: "google"
	DisplayName string // for people: "Google Drive"

	// NamePrefix starts the default display name of a form account
	// ("Nextcloud " + user@host).
	NamePrefix string

	// OAuth providers.
	//
	// Settings names the operator settings that enable the provider, for
	// the message saying it is not configured.
	Settings string
	// OAuthConfig builds the authorization code flow configuration from
	// the operator's client registration; its redirect is
	// {backendURL}/api/cloud/{Slug}/callback.
	OAuthConfig func(c OAuthClient, backendURL string) *oauth2.Config
	// AuthOptions are added to the consent URL.
	AuthOptions []oauth2.AuthCodeOption
	// OpenToken builds the drive acting with a stored token.
	OpenToken func(e DriveEnv, tok *oauth2.Token) (Drive, error)

	// Form providers: OpenPassword builds the drive from the server URL,
	// user name and password the user entered; the URL must pass e.Guard.
	OpenPassword func(e DriveEnv, c WebDAVCredentials) (Drive, error)
}

// Auth styles of a Kind, as GET /api/cloud lists them.
const (
	AuthOAuth = "oauth" // the provider's consent page
	AuthForm  = "form"  // a form: server URL, user name and (app) password
)

// Auth is how a user connects an account of this kind: AuthOAuth or
// AuthForm.
func (k *Kind) Auth() string {
	if k.OpenToken != nil {
		return AuthOAuth
	}
	return AuthForm
}

// OAuthClient is an operator's client registration with an OAuth provider.
type OAuthClient struct {
	ID, Secret string
	Tenant     string // OneDrive: the Entra ID tenant; "" means "common"
}

// DriveEnv is what a Kind builds a drive with.
type DriveEnv struct {
	// Form providers: the SSRF guard and its shared transport.
	Guard *ssrf.Guard
	RT    http.RoundTripper
	// OAuth providers: the flow configuration, the client for token and
	// API calls (nil: http.DefaultClient) and the function that stores
	// refreshed tokens.
	OAuth     *oauth2.Config
	Client    *http.Client
	OnRefresh TokenFunc
	// APIURL and ChunkSize replace the provider's API root and upload
	// chunk size when set (tests).
	APIURL    string
	ChunkSize int
}

// LookupKind returns the provider of an account kind.
func LookupKind(name string) (*Kind, bool) {
	for i := range Kinds {
		if Kinds[i].Name == name {
			return &Kinds[i], true
		}
	}
	return nil, false
}

// OAuthConfigs builds the flow configuration of every OAuth provider
// whose client id is set in clients (by kind name), for
// ServiceConfig.OAuth.
func OAuthConfigs(clients map[string]OAuthClient, backendURL string) map[string]*oauth2.Config {
	out := map[string]*oauth2.Config{}
	for _, k := range Kinds {
		if c := clients[k.Name]; k.OAuthConfig != nil && c.ID != "" {
			out[k.Name] = k.OAuthConfig(c, backendURL)
		}
	}
	return out
}

// kindLabel is the display name of a kind (the kind itself if unknown).
func kindLabel(kind string) string {
	if k, ok := LookupKind(kind); ok {
		return k.DisplayName
	}
	return kind
}

// passwordKinds lists the form providers' names: "webdav or nextcloud".
func passwordKinds() string {
	var names []string
	for _, k := range Kinds {
		if k.OpenPassword != nil {
			names = append(names, k.Name)
		}
	}
	return strings.Join(names, " or ")
}

// Provider is a Kind as GET /api/cloud lists it.
type Provider struct {
	Kind        string
	Slug        string
	DisplayName string
	Auth        string // AuthOAuth or AuthForm
	// Configured: the operator has set the provider's client id (always
	// true for form providers).
	Configured bool
}

// Providers lists every kind in table order, saying which this server
// can connect.
func (s *Service) Providers() []Provider {
	out := make([]Provider, len(Kinds))
	for i := range Kinds {
		k := &Kinds[i]
		cfg := s.cfg.OAuth[k.Name]
		out[i] = Provider{Kind: k.Name, Slug: k.Slug, DisplayName: k.DisplayName, Auth: k.Auth(),
			Configured: k.OpenPassword != nil || (cfg != nil && cfg.ClientID != "")}
	}
	return out
}
