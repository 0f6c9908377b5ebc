package cloud

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Every entry of the provider table is complete and consistent: unique
// names and route words, exactly one way to connect, and an OAuth
// provider's redirect is its own callback route.
func TestKindsTable(t *testing.T) {
	names, slugs := map[string]bool{}, map[string]bool{}
	for _, k := range Kinds {
		if k.Name == "" || k.Slug == "" || k.DisplayName == "" || names[k.Name] || slugs[k.Slug] {
			t.Errorf("kind %+v: empty or repeated name, slug or display name", k)
		}
		names[k.Name], slugs[k.Slug] = true, true
		if (k.OpenToken == nil) == (k.OpenPassword == nil) {
			t.Errorf("kind %s: exactly one of OpenToken and OpenPassword must be set", k.Name)
		}
		if k.OpenToken != nil {
			if k.OAuthConfig == nil || k.Settings == "" {
				t.Errorf("kind %s: an OAuth provider needs OAuthConfig and Settings", k.Name)
				continue
			}
			cfg := k.OAuthConfig(OAuthClient{ID: "id", Secret: "s"}, "https://docs.example.com/")
			if want := "https://docs.example.com/api/cloud/" + k.Slug + "/callback"; cfg.RedirectURL != want {
				t.Errorf("kind %s: redirect %q, want %q", k.Name, cfg.RedirectURL, want)
			}
		}
	}
	if l := passwordKinds(); l != "webdav or nextcloud" {
		t.Errorf("password kinds %q", l)
	}
}

// No kind is switched on outside the table: in the non-test Go files of
// internal/cloud, internal/api and internal/app, no string literal is a
// kind's name or route word and no Kind* constant is compared or used as
// a case, except in kinds.go.
func TestNoKindSwitchOutsideTable(t *testing.T) {
	words := map[string]bool{}
	for _, k := range Kinds {
		words[k.Name], words[k.Slug] = true, true
	}
	consts := map[string]bool{"KindGoogleDrive": true, "KindOneDrive": true, "KindNextcloud": true, "KindWebDAV": true}
	isKindConst := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.Ident:
			return consts[x.Name]
		case *ast.SelectorExpr:
			return consts[x.Sel.Name]
		}
		return false
	}
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range []string{".", "../api", "../app"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "kinds.go" && dir == "." {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.BasicLit:
					if x.Kind == token.STRING {
						if s, err := strconv.Unquote(x.Value); err == nil && words[s] {
							t.Errorf("%s: the kind word %q belongs in cloud.Kinds (kinds.go)", fset.Position(x.Pos()), s)
						}
					}
				case *ast.BinaryExpr:
					if (x.Op == token.EQL || x.Op == token.NEQ) && (isKindConst(x.X) || isKindConst(x.Y)) {
						t.Errorf("%s: a comparison with a kind belongs in cloud.Kinds (kinds.go)", fset.Position(x.Pos()))
					}
				case *ast.CaseClause:
					for _, e := range x.List {
						if isKindConst(e) {
							t.Errorf("%s: a case per kind belongs in cloud.Kinds (kinds.go)", fset.Position(e.Pos()))
						}
					}
				}
				return true
			})
		}
	}
	if checked < 10 {
		t.Fatalf("only %d files checked", checked)
	}
}

// Every kind of the table connects, tests and stores a file through the
// service against its test fake; a kind without a fake fails.
func TestEveryKindConnects(t *testing.T) {
	type fake struct {
		srv     *httptest.Server
		connect func(e *svcEnv, userID string) *model.CloudAccount
	}
	dav := func(t *testing.T, kind, prefix, path string) fake {
		srv, _ := davServer(t, prefix)
		return fake{srv, func(e *svcEnv, userID string) *model.CloudAccount {
			acc, err := e.s.ConnectWebDAV(ctxT(t), Actor{UserID: userID}, kind,
				WebDAVInput{ServerURL: srv.URL + path, Username: "alice", Password: "app-pass"})
			if err != nil {
				t.Fatal(err)
			}
			return acc
		}}
	}
	oauth := func(fo *fakeOAuth, srv *httptest.Server, kind string) fake {
		return fake{srv, func(e *svcEnv, userID string) *model.CloudAccount { return e.connect(fo, userID, kind) }}
	}
	fakes := map[string]func(t *testing.T) fake{
		KindWebDAV:    func(t *testing.T) fake { return dav(t, KindWebDAV, "/dav", "/dav/") },
		KindNextcloud: func(t *testing.T) fake { return dav(t, KindNextcloud, "/remote.php/dav/files/alice", "") },
		KindGoogleDrive: func(t *testing.T) fake {
			fo := newFakeOAuth()
			_, srv := newFakeGoogle(t, fo)
			return oauth(fo, srv, KindGoogleDrive)
		},
		KindOneDrive: func(t *testing.T) fake {
			fo := newFakeOAuth()
			_, srv := newFakeGraph(t, fo)
			return oauth(fo, srv, KindOneDrive)
		},
	}
	st := storetest.Open(t, store.SQLite)
	for _, k := range Kinds {
		t.Run(k.Name, func(t *testing.T) {
			mk, ok := fakes[k.Name]
			if !ok {
				t.Fatalf("kind %s has no test fake in TestEveryKindConnects", k.Name)
			}
			ctx := ctxT(t)
			f := mk(t)
			e := newSvcEnv(t, st, f.srv)
			u := &model.User{Email: k.Name + "@x.test", PasswordHash: "x"}
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			acc := f.connect(e, u.ID)
			if acc.Kind != k.Name {
				t.Fatalf("account kind %q", acc.Kind)
			}
			if res, err := e.s.TestAccount(ctx, u.ID, acc.ID); err != nil || !res.OK {
				t.Fatalf("test: %+v %v", res, err)
			}
			d, err := e.s.openDrive(acc)
			if err != nil {
				t.Fatal(err)
			}
			content := []byte("Kontoauszug " + k.DisplayName)
			ref, err := d.Put(ctx, "a.txt", bytes.NewReader(content), int64(len(content)))
			if err != nil {
				t.Fatal(err)
			}
			rc, err := d.Get(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, content) {
				t.Fatalf("read back %q", got)
			}
		})
	}
}

// The database no longer checks the kind: the service refuses to store an
// account whose kind is not in the table, and one stored behind its back
// opens no drive.
func TestUnknownKindIsNotStored(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := ctxT(t)
	srv := httptest.NewServer(nil)
	defer srv.Close()
	e := newSvcEnv(t, st, srv)
	u := &model.User{Email: "k@x.test", PasswordHash: "x"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := createAccount(ctx, st, &model.CloudAccount{ID: store.NewID(), OwnerID: u.ID, Kind: "ftp", Credentials: []byte{1}}); err == nil {
		t.Fatal("an account of an unknown kind was stored")
	}
	if l, err := st.ListCloudAccounts(ctx, u.ID); err != nil || len(l) != 0 {
		t.Fatalf("accounts: %v %v", l, err)
	}
	if err := createAccount(ctx, st, &model.CloudAccount{ID: store.NewID(), OwnerID: u.ID, Kind: KindWebDAV, Credentials: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.ConnectWebDAV(ctx, Actor{UserID: u.ID}, "ftp", WebDAVInput{ServerURL: srv.URL, Username: "a", Password: "b"}); err == nil {
		t.Fatal("connected an unknown kind")
	}
	acc := &model.CloudAccount{ID: store.NewID(), OwnerID: u.ID, Kind: "ftp"}
	plain, _ := json.Marshal(WebDAVCredentials{ServerURL: srv.URL, Username: "a", Password: "b"})
	var err error
	if acc.Credentials, err = e.s.sealer.Seal(u.ID, seal.PurposeCloudCreds, acc.ID, plain); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCloudAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	if d, err := e.s.openDrive(acc); err == nil || d != nil {
		t.Fatalf("an unknown kind opened a drive: %v", err)
	}
	if res, err := e.s.TestAccount(ctx, u.ID, acc.ID); err != nil || res.OK {
		t.Fatalf("test of an unknown kind: %+v %v", res, err)
	}
}

// Providers lists every kind in table order and says which OAuth
// providers the operator has configured.
func TestProviders(t *testing.T) {
	srv := httptest.NewServer(nil)
	defer srv.Close()
	e := newSvcEnv(t, storetest.Open(t, store.SQLite), srv)
	delete(e.s.cfg.OAuth, KindOneDrive)
	ps := e.s.Providers()
	if len(ps) != len(Kinds) {
		t.Fatalf("providers %+v", ps)
	}
	for i, p := range ps {
		k := Kinds[i]
		want := k.Name != KindOneDrive
		if p.Kind != k.Name || p.DisplayName != k.DisplayName || p.Auth != k.Auth() || p.Configured != want {
			t.Errorf("provider %+v, want kind %s configured %v", p, k.Name, want)
		}
	}
	if _, err := e.s.StartAuthorize(ctxT(t), "u", KindOneDrive, ""); err == nil ||
		!strings.Contains(err.Error(), "ONEDRIVE_CLIENT_ID and ONEDRIVE_CLIENT_SECRET") {
		t.Fatalf("unconfigured provider: %v", err)
	}
}
