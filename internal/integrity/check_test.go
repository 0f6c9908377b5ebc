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
	"github.com/docuvault/docuvault/internal/integrity"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestCheckFindsAndRepairs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "b"))
		u := &model.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		var docs []*model.Document
		for i := range 4 {
			content := []byte(fmt.Sprintf("content number %d", i))
			sum := sha256.Sum256(content)
			d := &model.Document{ID: store.NewID(), OwnerID: u.ID, Title: "t", OriginalFilename: "f", MIMEType: "text/plain",
				SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
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
			docs = append(docs, d)
		}
		clean, err := integrity.Run(ctx, st, blobs, integrity.Options{OrphanGrace: time.Nanosecond, StuckAfter: time.Hour})
		if err != nil || clean.Problems() != 0 || clean.Documents != 4 || clean.BlobsChecked != 4 {
			t.Fatalf("clean instance: %+v %v", clean, err)
		}
		// A document whose owner_id is not its space's owner is found.
		if _, err := st.DB().ExecContext(ctx, `DELETE FROM space_members WHERE space_id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		if r, err := integrity.Run(ctx, st, blobs, integrity.Options{Quick: true, OrphanGrace: time.Hour}); err != nil || len(r.SpaceProblems) != 1 || r.Problems() != 1 {
			t.Fatalf("space without its owner row: %+v %v", r, err)
		}
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO space_members (space_id, user_id, role, added_at) VALUES ($1, $1, 'owner', $2)`,
			u.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		// Damage: a lost blob, a same-size corruption, an orphan, drifted usage.
		_ = blobs.Delete(ctx, docs[0].BlobKey)
		_, _ = blobs.Put(ctx, docs[1].BlobKey, strings.NewReader(strings.Repeat("X", int(docs[1].SizeBytes))), -1, "")
		_, _ = blobs.Put(ctx, u.ID+"/lost/orphan.bin", strings.NewReader("orphan"), -1, "")
		if err := st.ChargeUsage(ctx, u.ID, 999, 3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		var requeued []string
		rep, err := integrity.Run(ctx, st, blobs, integrity.Options{OrphanGrace: time.Nanosecond,
			StuckAfter: time.Nanosecond, Requeue: func(_ context.Context, ids []string) error { requeued = ids; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.MissingBlobs) != 1 || rep.MissingBlobs[0] != docs[0].ID || len(rep.ChecksumMismatch) != 1 ||
			len(rep.Orphans) != 1 || len(rep.UsageDrifts) != 1 || len(rep.StuckDocuments) != 4 {
			t.Fatalf("report: %+v", rep)
		}
		var out bytes.Buffer
		rep.Write(&out)
		if !strings.Contains(out.String(), "MISSING") || !strings.Contains(out.String(), "FOUND") {
			t.Fatalf("report text:\n%s", out.String())
		}
		fixed, err := integrity.Run(ctx, st, blobs, integrity.Options{Repair: true, OrphanGrace: time.Nanosecond,
			StuckAfter: time.Nanosecond, Requeue: func(_ context.Context, ids []string) error { requeued = ids; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if len(requeued) != 4 {
			t.Fatalf("requeued %v", requeued)
		}
		// What cannot be repaired stays reported: the lost and the corrupted original.
		if fixed.Problems() != 2 {
			t.Fatalf("after repair %d problems: %+v", fixed.Problems(), fixed)
		}
		after, _ := integrity.Run(ctx, st, blobs, integrity.Options{OrphanGrace: time.Nanosecond, StuckAfter: time.Hour})
		if len(after.Orphans) != 0 || len(after.UsageDrifts) != 0 {
			t.Fatalf("repair did not stick: %+v", after)
		}
	})
}

// A share link left open on a trashed document (the trash revokes links;
// a crash or an old import may not have) is found and revoked by repair;
// a row no server writes is reported.
func TestCheckShareLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "b"))
		u := &model.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		content := []byte("shared content")
		sum := sha256.Sum256(content)
		d := &model.Document{ID: store.NewID(), OwnerID: u.ID, Title: "t", OriginalFilename: "f", MIMEType: "text/plain",
			SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
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
		h := sha256.Sum256([]byte("token"))
		open := &model.ShareLink{DocumentID: d.ID, CreatedBy: u.ID, TokenHash: hex.EncodeToString(h[:])}
		if err := st.CreateShareLink(ctx, open); err != nil {
			t.Fatal(err)
		}
		opts := integrity.Options{OrphanGrace: time.Hour, StuckAfter: time.Hour}
		if rep, err := integrity.Run(ctx, st, blobs, opts); err != nil || rep.Problems() != 0 || rep.ShareLinks != 1 {
			t.Fatalf("clean: %+v %v", rep, err)
		}
		// Trashed behind the service's back: the link stays open.
		if err := st.TrashDocument(ctx, u.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		one := 1
		bad := &model.ShareLink{DocumentID: d.ID, CreatedBy: u.ID, TokenHash: "not-a-hash", MaxDownloads: &one, DownloadCount: 2,
			RevokedAt: &time.Time{}}
		if err := st.CreateShareLink(ctx, bad); err != nil {
			t.Fatal(err)
		}
		rep, err := integrity.Run(ctx, st, blobs, opts)
		if err != nil || len(rep.OpenLinksOnTrash) != 1 || len(rep.BadLinks) != 2 || rep.Problems() != 3 {
			t.Fatalf("damaged: %+v %v", rep, err)
		}
		opts.Repair = true
		if rep, err = integrity.Run(ctx, st, blobs, opts); err != nil || rep.Problems() != 2 {
			t.Fatalf("repair: %+v %v", rep, err)
		}
		opts.Repair = false
		if rep, err = integrity.Run(ctx, st, blobs, opts); err != nil || len(rep.OpenLinksOnTrash) != 0 {
			t.Fatalf("after repair: %+v %v", rep, err)
		}
		if err := st.RestoreDocument(ctx, u.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ShareLinkByToken(ctx, open.TokenHash, time.Now()); err == nil {
			t.Fatal("the repaired link works again after a restore")
		}
	})
}
