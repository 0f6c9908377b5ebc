package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func mkLink(t *testing.T, s *store.Store, docID, by, hash string, expires *time.Time, maxDL *int) *model.ShareLink {
	t.Helper()
	l := &model.ShareLink{DocumentID: docID, CreatedBy: by, TokenHash: hash, ExpiresAt: expires, MaxDownloads: maxDL}
	if err := s.CreateShareLink(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestShareLinkLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: "a@x.test", PasswordHash: "h", DisplayName: "Ann"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		d := mkDoc(t, s, u.ID, "invoice", 42)
		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		two := 2
		l := mkLink(t, s, d.ID, u.ID, "hash-1", &exp, &two)
		now := time.Now()

		got, err := s.ShareLinkByToken(ctx, "hash-1", now)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != l.ID || got.DocumentName != "invoice.txt" || got.DocumentSize != 42 || got.DocumentSpace != d.SpaceID ||
			got.CreatorName != "Ann" || !got.ExpiresAt.Equal(exp) || *got.MaxDownloads != 2 || got.DownloadCount != 0 {
			t.Fatalf("by token: %+v", got)
		}
		if _, err := s.ShareLinkByToken(ctx, "hash-unknown", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		// Expiry to the second: alive one second before, dead at the instant.
		if _, err := s.ShareLinkByToken(ctx, "hash-1", exp.Add(-time.Second)); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		if _, err := s.ShareLinkByToken(ctx, "hash-1", exp); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("at expiry: %v", err)
		}
		if err := s.ReserveShareDownload(ctx, l.ID, exp); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reserve at expiry: %v", err)
		}

		// Two downloads, the third refused; a released one can be taken again.
		for i := range 2 {
			if err := s.ReserveShareDownload(ctx, l.ID, now); err != nil {
				t.Fatalf("download %d: %v", i, err)
			}
		}
		if err := s.ReserveShareDownload(ctx, l.ID, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("third download: %v", err)
		}
		if _, err := s.ShareLinkByToken(ctx, "hash-1", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("used-up link found: %v", err)
		}
		if err := s.ReleaseShareDownload(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.ReserveShareDownload(ctx, l.ID, now); err != nil {
			t.Fatalf("after a release: %v", err)
		}

		// Listing shows it (used up, not revoked); revoking hides it.
		list, next, err := s.ShareLinks(ctx, d.ID, store.Page{})
		if err != nil || len(list) != 1 || next != "" || list[0].DownloadCount != 2 || list[0].CreatorName != "Ann" {
			t.Fatalf("list: %+v %q %v", list, next, err)
		}
		if got, err := s.ShareLink(ctx, l.ID); err != nil || got.DocumentID != d.ID {
			t.Fatalf("by id: %+v %v", got, err)
		}
		if err := s.RevokeShareLink(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeShareLink(ctx, l.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked twice: %v", err)
		}
		if _, err := s.ShareLink(ctx, l.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked link by id: %v", err)
		}
		if list, _, _ := s.ShareLinks(ctx, d.ID, store.Page{}); len(list) != 0 {
			t.Fatalf("revoked link listed: %+v", list)
		}

		// A link without limits works until its document is trashed, and
		// the trash's revocation outlives a restore.
		open := mkLink(t, s, d.ID, u.ID, "hash-2", nil, nil)
		for range 5 {
			if err := s.ReserveShareDownload(ctx, open.ID, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.TrashDocument(ctx, u.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ShareLinkByToken(ctx, "hash-2", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("link of a trashed document: %v", err)
		}
		if err := s.ReserveShareDownload(ctx, open.ID, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("download of a trashed document: %v", err)
		}
		if n, err := s.RevokeDocumentLinks(ctx, d.ID); err != nil || n != 1 {
			t.Fatalf("revoke document links: %d %v", n, err)
		}
		if err := s.RestoreDocument(ctx, u.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ShareLinkByToken(ctx, "hash-2", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a restore brought the link back: %v", err)
		}

		// Token hashes are unique; links go with their document.
		if err := s.CreateShareLink(ctx, &model.ShareLink{DocumentID: d.ID, CreatedBy: u.ID, TokenHash: "hash-2"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate token hash: %v", err)
		}
	})
}

// Of many simultaneous downloads of a one-download link, exactly one gets it.
func TestShareLinkOneDownloadUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mkUser(t, s, "a@x.test", 0, 0)
		d := mkDoc(t, s, u.ID, "once", 1)
		one := 1
		l := mkLink(t, s, d.ID, u.ID, "hash-once", nil, &one)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, lost := 0, 0
		start := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := s.ReserveShareDownload(ctx, l.ID, time.Now())
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, store.ErrNotFound):
					lost++
				default:
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if won != 1 || lost != 7 {
			t.Fatalf("won %d, lost %d", won, lost)
		}
		got, _, err := s.ShareLinks(ctx, d.ID, store.Page{})
		if err != nil || got[0].DownloadCount != 1 {
			t.Fatalf("count: %+v %v", got, err)
		}
	})
}

// A bulk trash revokes the links of every document it trashes, in one
// statement, and leaves other documents' links alone; a restore does not
// bring them back.
func TestTrashDocumentsRevokesTheirLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: "b@x.test", PasswordHash: "h"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		a, b, keep := mkDoc(t, s, u.ID, "a", 1), mkDoc(t, s, u.ID, "b", 2), mkDoc(t, s, u.ID, "keep", 3)
		mkLink(t, s, a.ID, u.ID, "hash-a", nil, nil)
		mkLink(t, s, b.ID, u.ID, "hash-b", nil, nil)
		mkLink(t, s, keep.ID, u.ID, "hash-keep", nil, nil)
		if err := s.TrashDocuments(ctx, []string{a.ID, b.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.RestoreDocument(ctx, a.SpaceID, a.ID); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for _, h := range []string{"hash-a", "hash-b"} {
			if _, err := s.ShareLinkByToken(ctx, h, now); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("link %s after the bulk trash: %v", h, err)
			}
		}
		if _, err := s.ShareLinkByToken(ctx, "hash-keep", now); err != nil {
			t.Errorf("another document's link: %v", err)
		}
	})
}
