package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func mkUser(t *testing.T, s *store.Store, email string, quotaBytes, quotaDocs int64) *model.User {
	t.Helper()
	u := &model.User{Email: email, PasswordHash: "h", QuotaBytes: quotaBytes, QuotaDocuments: quotaDocs}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func mkDoc(t *testing.T, s *store.Store, owner, title string, size int64) *model.Document {
	t.Helper()
	ctx := context.Background()
	d := &model.Document{OwnerID: owner, Title: title, OriginalFilename: title + ".txt", MIMEType: "text/plain",
		SizeBytes: size, SHA256: fmt.Sprintf("%064d", time.Now().UnixNano()), BlobKey: owner + "/x/" + title}
	err := s.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.ChargeUsage(ctx, owner, size, 1); err != nil {
			return err
		}
		return tx.CreateDocument(ctx, d)
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDocumentsAreOwnerScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		d := mkDoc(t, s, a.ID, "invoice", 10)
		if _, err := s.Document(ctx, b.ID, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other owner reads: %v", err)
		}
		if err := s.UpdateDocumentTitle(ctx, b.ID, d.ID, "pwned"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other owner renames: %v", err)
		}
		if err := s.TrashDocument(ctx, b.ID, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other owner trashes: %v", err)
		}
		got, err := s.Document(ctx, a.ID, d.ID)
		if err != nil || got.Title != "invoice" || got.Status != model.StatusProcessing || len(got.Topics) != 0 {
			t.Fatalf("owner reads: %+v %v", got, err)
		}
		list, _, err := s.ListDocuments(ctx, b.ID, store.DocumentFilter{}, store.Page{})
		if err != nil || len(list) != 0 {
			t.Fatalf("other owner lists %d docs", len(list))
		}
	})
}

func TestTrashRestorePurgeKeepUsageExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		d1 := mkDoc(t, s, a.ID, "one", 100)
		mkDoc(t, s, a.ID, "two", 50)
		usage := func() (int64, int64) {
			u, err := s.UserByID(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u.UsedBytes, u.DocumentCount
		}
		if b, n := usage(); b != 150 || n != 2 {
			t.Fatalf("usage %d %d", b, n)
		}
		if err := s.TrashDocument(ctx, a.ID, d1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Document(ctx, a.ID, d1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("trashed document still visible")
		}
		trash, _, _ := s.ListDocuments(ctx, a.ID, store.DocumentFilter{Trashed: true}, store.Page{})
		if len(trash) != 1 || trash[0].ID != d1.ID || trash[0].DeletedAt == nil {
			t.Fatalf("trash: %+v", trash)
		}
		if b, n := usage(); b != 150 || n != 2 {
			t.Fatalf("trash must keep usage until purge: %d %d", b, n)
		}
		if err := s.RestoreDocument(ctx, a.ID, d1.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RestoreDocument(ctx, a.ID, d1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("restoring twice: %v", err)
		}
		if err := s.TrashDocument(ctx, a.ID, d1.ID); err != nil {
			t.Fatal(err)
		}
		td, err := s.TrashedDocument(ctx, a.ID, d1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WithTx(ctx, func(tx *store.Store) error { return tx.DeleteDocumentRow(ctx, td) }); err != nil {
			t.Fatal(err)
		}
		if b, n := usage(); b != 50 || n != 1 {
			t.Fatalf("after purge: %d %d", b, n)
		}
		old, _ := s.ExpiredTrash(ctx, time.Now().Add(time.Hour), 10)
		if len(old) != 0 {
			t.Fatalf("purged document still in trash: %d", len(old))
		}
	})
}

func TestQuotaRaceNeverExceeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "q@x.test", 1000, 7)
		var ok, refused atomic.Int64
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.WithTx(ctx, func(tx *store.Store) error {
					if err := tx.ChargeUsage(ctx, a.ID, 100, 1); err != nil {
						return err
					}
					return tx.CreateDocument(ctx, &model.Document{OwnerID: a.ID, Title: fmt.Sprint(i), OriginalFilename: "f",
						MIMEType: "text/plain", SizeBytes: 100, SHA256: fmt.Sprint(i), BlobKey: fmt.Sprint("k", i)})
				})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, store.ErrQuota):
					refused.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		u, _ := s.UserByID(ctx, a.ID)
		if ok.Load() != 7 || refused.Load() != 13 || u.DocumentCount != 7 || u.UsedBytes != 700 {
			t.Fatalf("ok %d refused %d usage %d/%d", ok.Load(), refused.Load(), u.UsedBytes, u.DocumentCount)
		}
		list, _, _ := s.ListDocuments(ctx, a.ID, store.DocumentFilter{}, store.Page{})
		if len(list) != 7 {
			t.Fatalf("%d rows", len(list))
		}
	})
}

func TestListDocumentsSortsAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		titles := []string{"delta", "alpha", "echo", "charlie", "bravo"}
		for _, ti := range titles {
			mkDoc(t, s, a.ID, ti, 1)
		}
		for _, tc := range []struct {
			sort string
			want string
		}{
			{"title", "alpha bravo charlie delta echo"},
			{"-title", "echo delta charlie bravo alpha"},
			{"created_at", "delta alpha echo charlie bravo"},
			{"-created_at", "bravo charlie echo alpha delta"},
		} {
			var got []string
			cursor := ""
			for {
				docs, next, err := s.ListDocuments(ctx, a.ID, store.DocumentFilter{Sort: tc.sort}, store.Page{Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range docs {
					got = append(got, d.Title)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if fmt.Sprint(got) != "["+tc.want+"]" {
				t.Errorf("sort %s: got %v want %s", tc.sort, got, tc.want)
			}
		}
		if _, _, err := s.ListDocuments(ctx, a.ID, store.DocumentFilter{Sort: "size"}, store.Page{}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad sort: %v", err)
		}
	})
}

func TestTopicsAndAssignments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		tax := &model.Topic{OwnerID: a.ID, Name: "Taxes"}
		if err := s.CreateTopic(ctx, tax); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTopic(ctx, &model.Topic{OwnerID: a.ID, Name: " taxes"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate name any case: %v", err)
		}
		if err := s.CreateTopic(ctx, &model.Topic{OwnerID: b.ID, Name: "Taxes"}); err != nil {
			t.Fatalf("another owner may use the same name: %v", err)
		}
		bt := &model.Topic{OwnerID: b.ID, Name: "Secret"}
		if err := s.CreateTopic(ctx, bt); err != nil {
			t.Fatal(err)
		}
		d := mkDoc(t, s, a.ID, "return", 5)
		if err := s.SetUserTopics(ctx, a.ID, d.ID, []string{bt.ID}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("assigning another owner's topic: %v", err)
		}
		if err := s.SetUserTopics(ctx, a.ID, d.ID, []string{tax.ID, tax.ID}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Document(ctx, a.ID, d.ID)
		if len(got.Topics) != 1 || got.Topics[0].Name != "Taxes" || got.Topics[0].Source != "user" {
			t.Fatalf("topics %+v", got.Topics)
		}
		byTopic, _, _ := s.ListDocuments(ctx, a.ID, store.DocumentFilter{TopicID: tax.ID}, store.Page{})
		if len(byTopic) != 1 {
			t.Fatalf("filter by topic: %d", len(byTopic))
		}
		tt, _ := s.Topic(ctx, a.ID, tax.ID)
		if tt.DocumentCount != 1 {
			t.Fatalf("topic count %d", tt.DocumentCount)
		}
		name := "Steuern"
		if _, err := s.UpdateTopic(ctx, b.ID, tax.ID, store.TopicUpdate{Name: &name}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other owner updates topic: %v", err)
		}
		if err := s.DeleteTopic(ctx, a.ID, tax.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Document(ctx, a.ID, d.ID)
		if len(got.Topics) != 0 {
			t.Fatal("assignment survived topic deletion")
		}
	})
}

func TestUploadsAndUserDeletionCascade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		up := &model.Upload{OwnerID: a.ID, DocumentID: store.NewID(), Filename: "f.pdf", SizeBytes: 9, BlobKey: "k/1",
			ExpiresAt: time.Now().Add(-time.Minute)}
		if err := s.CreateUpload(ctx, up, 0); err != nil {
			t.Fatal(err)
		}
		exp, err := s.ExpiredUploads(ctx, time.Now(), 10)
		if err != nil || len(exp) != 1 || exp[0].ID != up.ID {
			t.Fatalf("expired: %v %v", exp, err)
		}
		if p, _ := s.IsPendingUploadKey(ctx, "k/1"); !p {
			t.Fatal("pending key not known")
		}
		mkDoc(t, s, a.ID, "doc", 3)
		if err := s.DeleteUser(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UploadByID(ctx, up.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("upload survived its owner: %v", err)
		}
	})
}
