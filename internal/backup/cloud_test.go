package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/backup"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/cloud/davtest"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// noJobs stands in for the job engine: the test calls the service's steps.
type noJobs struct{}

func (noJobs) EnqueuePlace(context.Context, *store.Store, string) error   { return nil }
func (noJobs) EnqueueMigrate(context.Context, *store.Store, string) error { return nil }
func (noJobs) EnqueueDrain(context.Context, *store.Store, string) error   { return nil }

// placedEnv is an instance whose user keeps documents in a real WebDAV
// (Nextcloud layout) server: three ready documents, two placed in the
// drive (their system copies removed), one left in system storage.
type placedEnv struct {
	st     *store.Store
	blobs  blob.Store
	svc    *cloud.Service
	dav    *davtest.Server
	user   *model.User
	acc    *model.CloudAccount
	docs   []*model.Document
	bodies map[string][]byte
}

func newPlacedEnv(t *testing.T, st *store.Store) *placedEnv {
	t.Helper()
	ctx := context.Background()
	e := &placedEnv{st: st, blobs: localBlobs(t), dav: davtest.NewNextcloud(t, "alice", "app-pass"), bodies: map[string][]byte{}}
	sealer, err := seal.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	guard, err := ssrf.New([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.svc, err = cloud.NewService(st, e.blobs, sealer, guard, noJobs{}, nil, cloud.ServiceConfig{OpTimeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.user = &model.User{Email: "alice@x.test", PasswordHash: "argon2id$hash"}
	if err := st.CreateUser(ctx, e.user); err != nil {
		t.Fatal(err)
	}
	actor := cloud.Actor{UserID: e.user.ID}
	if e.acc, err = e.svc.ConnectWebDAV(ctx, actor, cloud.KindNextcloud, cloud.WebDAVInput{ServerURL: e.dav.URL, Username: "alice", Password: "app-pass"}); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"Rechnung März.pdf", "contract.txt", "kept at home.txt"} {
		content := []byte(fmt.Sprintf("%s\n%s", name, strings.Repeat("data ", 200*(i+1))))
		sum := sha256.Sum256(content)
		d := &model.Document{ID: store.NewID(), OwnerID: e.user.ID, Title: name, OriginalFilename: name, MIMEType: "text/plain",
			SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Status: model.StatusReady}
		d.BlobKey = e.user.ID + "/" + d.ID + "/blob.txt"
		if _, err := e.blobs.Put(ctx, d.BlobKey, bytes.NewReader(content), d.SizeBytes, "text/plain"); err != nil {
			t.Fatal(err)
		}
		if err := st.WithTx(ctx, func(tx *store.Store) error {
			if err := tx.ChargeUsage(ctx, e.user.ID, d.SizeBytes, 1); err != nil {
				return err
			}
			return tx.CreateDocument(ctx, d)
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveExtraction(ctx, d.ID, model.Extraction{Text: string(content), PageCount: 1, Language: "en"}); err != nil {
			t.Fatal(err)
		}
		e.docs = append(e.docs, d)
		e.bodies[d.ID] = content
	}
	if err := e.svc.SetBackend(ctx, e.user.ID, e.acc.ID); err != nil {
		t.Fatal(err)
	}
	for _, d := range e.docs[:2] {
		if err := e.svc.Place(ctx, d.ID, false); err != nil {
			t.Fatal(err)
		}
		got, err := st.DocumentForJob(ctx, d.ID)
		if err != nil || got.StorageState != model.StoragePlaced {
			t.Fatalf("document %s not placed: %+v %v", d.ID, got, err)
		}
		if _, _, err := e.blobs.Get(ctx, d.BlobKey, nil); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("the system copy of a placed document is still there: %v", err)
		}
	}
	if files := e.dav.Files(t, cloud.Folder); len(files) != 2 {
		t.Fatalf("drive folder: %v", files)
	}
	return e
}

func TestExportReadsPlacedDocumentsFromTheDrive(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, store.SQLite)
	e := newPlacedEnv(t, src)
	dir := filepath.Join(t.TempDir(), "backup")
	m, err := backup.Export(ctx, src, e.blobs, dir, backup.ExportOptions{AppVersion: "test", Remote: e.svc})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Documents) != 3 || len(m.Skipped) != 0 {
		t.Fatalf("manifest: %d documents, skipped %v", len(m.Documents), m.Skipped)
	}
	for _, bd := range m.Documents {
		b, err := os.ReadFile(filepath.Join(dir, bd.Blob))
		if err != nil || !bytes.Equal(b, e.bodies[bd.ID]) {
			t.Fatalf("backup file of %s (%q): %d bytes, %v", bd.ID, bd.Title, len(b), err)
		}
		wantPlaced := bd.ID != e.docs[2].ID
		if (bd.PlacedIn == e.acc.ID) != wantPlaced {
			t.Fatalf("document %q placed_in %q", bd.Title, bd.PlacedIn)
		}
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run("into "+string(d), func(t *testing.T) {
			dst := storetest.Open(t, d)
			dstBlobs := localBlobs(t)
			if _, err := backup.Import(ctx, dst, dstBlobs, dir, false, nil); err != nil {
				t.Fatal(err)
			}
			// Every original is back in system storage, byte-identical.
			for _, orig := range e.docs {
				got, err := dst.DocumentForJob(ctx, orig.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.StorageBackend != model.BackendSystem || got.StorageState != model.StorageStored {
					t.Fatalf("imported %q lives in %s/%s", got.Title, got.StorageBackend, got.StorageState)
				}
				rc, _, err := dstBlobs.Get(ctx, got.BlobKey, nil)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(b, e.bodies[orig.ID]) {
					t.Fatalf("imported %q differs", got.Title)
				}
			}
			// The cloud account is not in the backup: new documents go to system storage.
			u, err := dst.UserByID(ctx, e.user.ID)
			if err != nil || u.StorageBackend != model.BackendSystem || u.UsedBytes == 0 || u.DocumentCount != 3 {
				t.Fatalf("imported user: %+v %v", u, err)
			}
		})
	}
}

func TestExportWithAnUnreachableDrive(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, store.SQLite)
	e := newPlacedEnv(t, src)
	e.dav.SetDown(true)

	// By default the export stops and names the document and the drive.
	dir := filepath.Join(t.TempDir(), "backup")
	_, err := backup.Export(ctx, src, e.blobs, dir, backup.ExportOptions{Remote: e.svc})
	if !errors.Is(err, backup.ErrUnreachable) || !strings.Contains(err.Error(), e.docs[0].ID) ||
		!strings.Contains(err.Error(), e.acc.ID) || !strings.Contains(err.Error(), "Rechnung März.pdf") {
		t.Fatalf("export with the drive down: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a failed export must not write a manifest")
	}
	// Without a way to reach drives at all, the same.
	if _, err := backup.Export(ctx, src, e.blobs, dir, backup.ExportOptions{}); !errors.Is(err, backup.ErrUnreachable) {
		t.Fatalf("export without a remote: %v", err)
	}

	// With SkipUnreachable the placed documents are left out and listed.
	m, err := backup.Export(ctx, src, e.blobs, dir, backup.ExportOptions{Remote: e.svc, SkipUnreachable: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Documents) != 1 || m.Documents[0].ID != e.docs[2].ID || len(m.Skipped) != 2 ||
		m.Skipped[0].Title == "" || m.Skipped[0].Reason == "" {
		t.Fatalf("manifest: documents %+v skipped %+v", m.Documents, m.Skipped)
	}
	dst := storetest.Open(t, store.SQLite)
	if _, err := backup.Import(ctx, dst, localBlobs(t), dir, false, nil); err != nil {
		t.Fatalf("import of a backup with skipped documents: %v", err)
	}
	if u, _ := dst.UserByID(ctx, e.user.ID); u == nil || u.DocumentCount != 1 {
		t.Fatalf("imported user counts: %+v", u)
	}

	// Once the drive is back, exporting again into the same folder resumes
	// and completes the backup.
	e.dav.SetDown(false)
	m, err = backup.Export(ctx, src, e.blobs, dir, backup.ExportOptions{Remote: e.svc})
	if err != nil || len(m.Documents) != 3 || len(m.Skipped) != 0 {
		t.Fatalf("export after the drive came back: %v", err)
	}

	// A drive copy that no longer matches the recorded checksum is refused.
	e.dav.Write(t, cloud.Folder+"/"+cloud.DriveName(e.docs[1]), bytes.Repeat([]byte("Z"), int(e.docs[1].SizeBytes)))
	if _, err := backup.Export(ctx, src, e.blobs, t.TempDir(), backup.ExportOptions{Remote: e.svc}); !errors.Is(err, backup.ErrChecksum) ||
		!strings.Contains(err.Error(), e.docs[1].ID) {
		t.Fatalf("tampered drive copy: %v", err)
	}
}
