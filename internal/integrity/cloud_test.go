package integrity_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/cloud/davtest"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/integrity"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

type noJobs struct{}

func (noJobs) EnqueuePlace(context.Context, *store.Store, string) error   { return nil }
func (noJobs) EnqueueMigrate(context.Context, *store.Store, string) error { return nil }
func (noJobs) EnqueueDrain(context.Context, *store.Store, string) error   { return nil }

// TestCheckPlacedDocuments: documents placed in a real WebDAV drive are
// verified there (checksum, or size with Quick), not reported as missing
// blobs; a file removed or changed in the drive is a problem; an
// unreachable drive is a note.
func TestCheckPlacedDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "b"))
		dav := davtest.New(t, "/dav", "alice", "app-pass")
		sealer, _ := seal.New([]byte("0123456789abcdef0123456789abcdef"))
		guard, _ := ssrf.New([]string{"127.0.0.1"})
		svc, err := cloud.NewService(st, blobs, sealer, guard, noJobs{}, nil, cloud.ServiceConfig{OpTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		u := &model.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		acc, err := svc.ConnectWebDAV(ctx, cloud.Actor{UserID: u.ID}, cloud.KindWebDAV,
			cloud.WebDAVInput{ServerURL: dav.RootURL(), Username: "alice", Password: "app-pass"})
		if err != nil {
			t.Fatal(err)
		}
		var docs []*model.Document
		for i := range 3 {
			content := []byte(fmt.Sprintf("placed content number %d", i))
			sum := sha256.Sum256(content)
			d := &model.Document{ID: store.NewID(), OwnerID: u.ID, Title: "t", OriginalFilename: fmt.Sprintf("f%d.txt", i),
				MIMEType: "text/plain", SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Status: model.StatusReady}
			d.BlobKey = u.ID + "/" + d.ID + "/o.txt"
			if _, err := blobs.Put(ctx, d.BlobKey, bytes.NewReader(content), -1, ""); err != nil {
				t.Fatal(err)
			}
			if err := st.WithTx(ctx, func(tx *store.Store) error {
				if err := tx.ChargeUsage(ctx, u.ID, d.SizeBytes, 1); err != nil {
					return err
				}
				return tx.CreateDocument(ctx, d)
			}); err != nil {
				t.Fatal(err)
			}
			if err := st.SaveExtraction(ctx, d.ID, model.Extraction{Text: string(content), PageCount: 1}); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, d)
		}
		if err := svc.SetBackend(ctx, u.ID, acc.ID); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs[:2] {
			if err := svc.Place(ctx, d.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		opts := integrity.Options{OrphanGrace: time.Nanosecond, StuckAfter: time.Hour, Remote: svc}

		clean, err := integrity.Run(ctx, st, blobs, opts)
		if err != nil || clean.Problems() != 0 || clean.PlacedChecked != 2 || clean.BlobsChecked != 1 || len(clean.PlacedUnverified) != 0 {
			t.Fatalf("clean instance with placed documents: %+v %v", clean, err)
		}
		quick := opts
		quick.Quick = true
		if r, err := integrity.Run(ctx, st, blobs, quick); err != nil || r.Problems() != 0 || r.PlacedChecked != 2 {
			t.Fatalf("quick: %+v %v", r, err)
		}

		// Without a way to reach drives: a note, not a missing blob.
		noRemote := opts
		noRemote.Remote = nil
		r, err := integrity.Run(ctx, st, blobs, noRemote)
		if err != nil || r.Problems() != 0 || len(r.PlacedUnverified) != 2 || len(r.MissingBlobs) != 0 {
			t.Fatalf("without remote: %+v %v", r, err)
		}

		// The drive is down: a note naming the documents, still no problem.
		dav.SetDown(true)
		r, err = integrity.Run(ctx, st, blobs, opts)
		if err != nil || r.Problems() != 0 || len(r.PlacedUnverified) != 2 || !strings.Contains(r.PlacedUnverified[0], acc.ID) {
			t.Fatalf("drive down: %+v %v", r, err)
		}
		var out bytes.Buffer
		r.Write(&out)
		if !strings.Contains(out.String(), "NOT BE VERIFIED") || !strings.Contains(out.String(), "OK") {
			t.Fatalf("report text:\n%s", out.String())
		}
		dav.SetDown(false)

		// A file changed in the drive, and one removed from it, are problems.
		dav.Write(t, cloud.Folder+"/"+cloud.DriveName(docs[0]), bytes.Repeat([]byte("X"), int(docs[0].SizeBytes)))
		dav.Remove(t, cloud.Folder+"/"+cloud.DriveName(docs[1]))
		r, err = integrity.Run(ctx, st, blobs, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.ChecksumMismatch) != 1 || !strings.HasPrefix(r.ChecksumMismatch[0], docs[0].ID) ||
			len(r.MissingBlobs) != 1 || !strings.HasPrefix(r.MissingBlobs[0], docs[1].ID) || r.Problems() != 2 {
			t.Fatalf("damaged drive: %+v", r)
		}
		dav.Write(t, cloud.Folder+"/"+cloud.DriveName(docs[0]), []byte("short"))
		if r, _ := integrity.Run(ctx, st, blobs, quick); len(r.SizeMismatches) != 1 || len(r.MissingBlobs) != 1 {
			t.Fatalf("quick, damaged drive: %+v", r)
		}
	})
}
