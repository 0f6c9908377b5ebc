package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Migration 00050 on a database filled by the version before it: every
// user gets a personal space (id = the user's id) with an owner row, their
// documents and topics go into it with created_by = the owner, assignments
// and the full-text index keep working, and topic names become unique per
// space.
func TestMigrationSpaces(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := openAtVersion(t, d, 40)
			db := s.DB()
			now := time.Now().UTC().Truncate(time.Second)
			users := []string{store.NewID(), store.NewID()}
			for i, id := range users {
				if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, created_at, updated_at, used_bytes, document_count)
					VALUES ($1, $2, 'x', $3, $3, 5, 1)`, id, []string{"a@example.com", "b@example.com"}[i], now); err != nil {
					t.Fatal(err)
				}
			}
			topic, doc := store.NewID(), store.NewID()
			if _, err := db.ExecContext(ctx, `INSERT INTO topics (id, owner_id, name, name_key, created_at, updated_at)
				VALUES ($1, $2, 'Tax', 'tax', $3, $3)`, topic, users[0], now); err != nil {
				t.Fatal(err)
			}
			// The old way of writing a document: through the store of the
			// version before (no space columns yet).
			if err := s.ImportDocumentBeforeSpaces(ctx, doc, users[0], "Tax return 2025", now); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, created_at)
				VALUES ($1, $2, 'user', $3)`, doc, topic, now); err != nil {
				t.Fatal(err)
			}

			if err := s.Migrate(ctx, ""); err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				sp, err := s.Space(ctx, u, u)
				if err != nil || sp.Kind != model.SpacePersonal || sp.OwnerID != u || sp.Role != model.RoleOwner || sp.MemberCount != 1 {
					t.Fatalf("personal space of %s: %+v %v", u, sp, err)
				}
				ids, err := s.MemberSpaceIDs(ctx, u)
				if err != nil || !slices.Equal(ids, []string{u}) {
					t.Fatalf("member spaces of %s: %v %v", u, ids, err)
				}
			}
			got, err := s.Document(ctx, users[0], doc)
			if err != nil || got.SpaceID != users[0] || got.OwnerID != users[0] || got.CreatedBy != users[0] ||
				len(got.Topics) != 1 || got.Topics[0].TopicID != topic {
				t.Fatalf("migrated document: %+v %v", got, err)
			}
			if _, err := s.Document(ctx, users[1], doc); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the other user sees it: %v", err)
			}
			hits, _, err := s.SearchDocuments(ctx, users[0], words("tax"), store.DocumentFilter{}, store.Page{})
			if err != nil || len(hits) != 1 {
				t.Fatalf("search after migration: %d %v", len(hits), err)
			}
			if hits, _, _ := s.SearchDocuments(ctx, users[1], words("tax"), store.DocumentFilter{}, store.Page{}); len(hits) != 0 {
				t.Fatal("the other user finds it")
			}
			tp, err := s.Topic(ctx, users[0], topic)
			if err != nil || tp.SpaceID != users[0] || tp.DocumentCount != 1 {
				t.Fatalf("migrated topic: %+v %v", tp, err)
			}
			u, _ := s.UserByID(ctx, users[0])
			if u.UsedBytes != 5 || u.DocumentCount != 1 {
				t.Fatalf("usage changed: %+v", u)
			}
			// Topic names are unique per space now: the same name in a shared space is fine.
			sh := &model.Space{Name: "Home", OwnerID: users[0]}
			if err := s.CreateSpace(ctx, sh); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateTopic(ctx, &model.Topic{OwnerID: users[0], SpaceID: sh.ID, Name: "tax"}); err != nil {
				t.Fatalf("same name in another space: %v", err)
			}
			if err := s.CreateTopic(ctx, &model.Topic{OwnerID: users[0], Name: "TAX"}); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate in the personal space: %v", err)
			}
			// Deleting the user still cascades through spaces, documents and topics.
			if err := s.DeleteUser(ctx, users[0]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DocumentForJob(ctx, doc); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("document left after its owner: %v", err)
			}
		})
	}
}

func TestSpacesMembersAndAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		c := mkUser(t, s, "c@x.test", 0, 0)
		// New accounts get their personal space in the same transaction.
		if r, err := s.SpaceRoleOf(ctx, a.ID, a.ID); err != nil || r != model.RoleOwner {
			t.Fatalf("personal space role: %v %v", r, err)
		}
		sh := &model.Space{Name: "Household", OwnerID: a.ID}
		if err := s.CreateSpace(ctx, sh); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddSpaceMember(ctx, a.ID, b.ID, model.RoleEditor); !errors.Is(err, store.ErrPersonalSpace) {
			t.Fatalf("personal space gains a member: %v", err)
		}
		if _, err := s.AddSpaceMember(ctx, sh.ID, b.ID, model.RoleOwner); !errors.Is(err, store.ErrOwnerRole) {
			t.Fatalf("added as owner: %v", err)
		}
		m, err := s.AddSpaceMember(ctx, sh.ID, b.ID, model.RoleViewer)
		if err != nil || m.Role != model.RoleViewer || m.Email != "b@x.test" {
			t.Fatalf("add: %+v %v", m, err)
		}
		if _, err := s.AddSpaceMember(ctx, sh.ID, b.ID, model.RoleEditor); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("added twice: %v", err)
		}
		if m, err := s.UpdateSpaceMember(ctx, sh.ID, b.ID, model.RoleEditor); err != nil || m.Role != model.RoleEditor {
			t.Fatalf("update: %+v %v", m, err)
		}
		if _, err := s.UpdateSpaceMember(ctx, sh.ID, a.ID, model.RoleViewer); !errors.Is(err, store.ErrOwnerRole) {
			t.Fatalf("owner demoted: %v", err)
		}
		if err := s.RemoveSpaceMember(ctx, sh.ID, a.ID); !errors.Is(err, store.ErrOwnerRole) {
			t.Fatalf("owner removed: %v", err)
		}
		spaces, err := s.ListSpaces(ctx, b.ID)
		if err != nil || len(spaces) != 2 || spaces[0].ID != b.ID || spaces[1].ID != sh.ID ||
			spaces[1].Role != model.RoleEditor || spaces[1].MemberCount != 2 || spaces[1].OwnerID != a.ID {
			t.Fatalf("b's spaces: %+v %v", spaces, err)
		}
		if _, err := s.Space(ctx, c.ID, sh.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("non-member sees the space: %v", err)
		}

		// b uploads into the shared space: it counts against a's quota.
		d := &model.Document{OwnerID: a.ID, SpaceID: sh.ID, CreatedBy: b.ID, Title: "lease", OriginalFilename: "lease.txt",
			MIMEType: "text/plain", SizeBytes: 7, SHA256: "ab", BlobKey: "k/lease"}
		if err := s.WithTx(ctx, func(tx *store.Store) error {
			if err := tx.ChargeUsage(ctx, d.OwnerID, 7, 1); err != nil {
				return err
			}
			return tx.CreateDocument(ctx, d)
		}); err != nil {
			t.Fatal(err)
		}
		own := mkDoc(t, s, b.ID, "diary", 3)
		list := func(u, space string) []string {
			docs, _, err := s.ListDocuments(ctx, u, store.DocumentFilter{SpaceID: space}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range docs {
				ids = append(ids, d.ID)
			}
			slices.Sort(ids)
			return ids
		}
		if got := list(b.ID, ""); len(got) != 2 {
			t.Fatalf("b lists %v", got)
		}
		if got := list(b.ID, sh.ID); !slices.Equal(got, []string{d.ID}) {
			t.Fatalf("b lists the shared space: %v", got)
		}
		if got := list(a.ID, ""); !slices.Equal(got, []string{d.ID}) {
			t.Fatalf("a lists %v (b's diary must not show)", got)
		}
		if got := list(c.ID, sh.ID); len(got) != 0 {
			t.Fatalf("non-member lists the shared space: %v", got)
		}
		got, err := s.Document(ctx, sh.ID, d.ID)
		if err != nil || got.CreatedBy != b.ID || got.CreatedByName != "" || got.SpaceID != sh.ID {
			t.Fatalf("shared document: %+v %v", got, err)
		}
		ua, _ := s.UserByID(ctx, a.ID)
		ub, _ := s.UserByID(ctx, b.ID)
		if ua.UsedBytes != 7 || ub.UsedBytes != 3 {
			t.Fatalf("quota: owner %d, uploader %d", ua.UsedBytes, ub.UsedBytes)
		}
		if hits, _, err := s.SearchDocuments(ctx, b.ID, words("lease"), store.DocumentFilter{}, store.Page{}); err != nil || len(hits) != 1 {
			t.Fatalf("b searches the shared space: %d %v", len(hits), err)
		}

		// Removal is immediate: lists and search of b no longer show it.
		if err := s.RemoveSpaceMember(ctx, sh.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if got := list(b.ID, ""); !slices.Equal(got, []string{own.ID}) {
			t.Fatalf("after removal b lists %v", got)
		}
		if hits, _, _ := s.SearchDocuments(ctx, b.ID, words("lease"), store.DocumentFilter{}, store.Page{}); len(hits) != 0 {
			t.Fatal("after removal b still finds it")
		}
		if r, _ := s.SpaceRoleOf(ctx, sh.ID, b.ID); r != model.RoleNone {
			t.Fatalf("role after removal: %v", r)
		}

		// Move into b's personal space: usage follows the new owner, topics
		// not in the target go, the search entry follows.
		tp := &model.Topic{OwnerID: a.ID, SpaceID: sh.ID, Name: "Home"}
		if err := s.CreateTopic(ctx, tp); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserTopics(ctx, sh.ID, d.ID, []string{tp.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserTopics(ctx, sh.ID, d.ID, []string{tp.ID, own.ID}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a topic of another space: %v", err)
		}
		if err := s.DeleteSpace(ctx, sh.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("delete a space with documents: %v", err)
		}
		target, _ := s.SpaceByID(ctx, b.ID)
		if err := s.MoveDocument(ctx, got, target); err != nil {
			t.Fatal(err)
		}
		moved, err := s.Document(ctx, b.ID, d.ID)
		if err != nil || moved.OwnerID != b.ID || len(moved.Topics) != 0 {
			t.Fatalf("moved: %+v %v", moved, err)
		}
		ua, _ = s.UserByID(ctx, a.ID)
		ub, _ = s.UserByID(ctx, b.ID)
		if ua.UsedBytes != 0 || ub.UsedBytes != 10 || ub.DocumentCount != 2 {
			t.Fatalf("quota after move: a %d, b %d/%d", ua.UsedBytes, ub.UsedBytes, ub.DocumentCount)
		}
		if hits, _, _ := s.SearchDocuments(ctx, b.ID, words("lease"), store.DocumentFilter{}, store.Page{}); len(hits) != 1 {
			t.Fatal("moved document not found by its new space")
		}
		if hits, _, _ := s.SearchDocuments(ctx, a.ID, words("lease"), store.DocumentFilter{}, store.Page{}); len(hits) != 0 {
			t.Fatal("moved document still found in the old space")
		}
		if err := s.DeleteSpace(ctx, sh.ID); err != nil {
			t.Fatalf("delete the empty space: %v", err)
		}
		if err := s.DeleteSpace(ctx, a.ID); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("delete a personal space: %v", err)
		}
	})
}

// Migration 00102 on a database filled by the version before it: a shared
// space keeps its documents where its owner kept them (the owner's setting
// becomes the space's own), a personal space still reads its user's
// setting, and a later change of the user's setting leaves the shared
// space alone.
func TestMigrationSpaceStorage(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := openAtVersion(t, d, 100)
			db := s.DB()
			now := time.Now().UTC().Truncate(time.Second)
			owner, plain, shared, plainShared := store.NewID(), store.NewID(), store.NewID(), store.NewID()
			for i, u := range []string{owner, plain} {
				backend := []string{"acc-1", "system"}[i]
				if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, created_at, updated_at, storage_backend)
					VALUES ($1, $2, 'x', $3, $3, $4)`, u, u+"@example.com", now, backend); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, `INSERT INTO spaces (id, name, kind, owner_id, created_at) VALUES ($1, 'Personal', 'personal', $1, $2)`,
					u, now); err != nil {
					t.Fatal(err)
				}
			}
			for sp, o := range map[string]string{shared: owner, plainShared: plain} {
				if _, err := db.ExecContext(ctx, `INSERT INTO spaces (id, name, kind, owner_id, created_at) VALUES ($1, 'Home', 'shared', $2, $3)`,
					sp, o, now); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx, ""); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{owner: "acc-1", plain: "system", shared: "acc-1", plainShared: "system"}
			for id, backend := range want {
				sp, err := s.SpaceByID(ctx, id)
				if err != nil || sp.StorageBackend != backend {
					t.Fatalf("space %s after the migration: %+v %v, want storage %q", id, sp, err, backend)
				}
			}
			sys := "system"
			if _, err := s.UpdateUser(ctx, owner, store.UserUpdate{StorageBackend: &sys}); err != nil {
				t.Fatal(err)
			}
			if sp, err := s.SpaceByID(ctx, owner); err != nil || sp.StorageBackend != "system" {
				t.Fatalf("personal space after its user's change: %+v %v", sp, err)
			}
			if sp, err := s.SpaceByID(ctx, shared); err != nil || sp.StorageBackend != "acc-1" {
				t.Fatalf("shared space after its owner's personal change: %+v %v", sp, err)
			}
			if err := s.SetSpaceStorage(ctx, owner, "acc-1"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("setting a personal space's own storage: %v", err)
			}
		})
	}
}
