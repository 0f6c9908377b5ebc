package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestProcessedQueuesTheNextSteps: the transaction that marks a document
// ready queues its classification and, only when its space keeps documents
// in a drive, marks it pending and queues its placement.
func TestProcessedQueuesTheNextSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, st); err != nil {
			t.Fatal(err)
		}
		e, err := jobs.New(st, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		l := New(e)
		if err := l.Register(Workers{}); err != nil {
			t.Fatal(err)
		}
		newDoc := func(owner string) *model.Document {
			d := &model.Document{OwnerID: owner, Title: "t", OriginalFilename: "t.txt", MIMEType: "text/plain",
				SizeBytes: 1, SHA256: strings.Repeat("0", 64), BlobKey: owner + "/" + store.NewID()}
			if err := st.CreateDocument(ctx, d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		sys := &model.User{Email: storetest.Name("sys") + "@example.com", PasswordHash: "x"}
		drv := &model.User{Email: storetest.Name("drv") + "@example.com", PasswordHash: "x"}
		for _, u := range []*model.User{sys, drv} {
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		acc := &model.CloudAccount{OwnerID: drv.ID, Kind: "webdav", DisplayName: "Drive", Credentials: []byte("x")}
		if err := st.CreateCloudAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateUser(ctx, drv.ID, store.UserUpdate{StorageBackend: &acc.ID}); err != nil {
			t.Fatal(err)
		}
		inSystem, toDrive := newDoc(sys.ID), newDoc(drv.ID)
		// Shared spaces follow their own choice, not their owner's personal
		// setting: drv's space on system storage, sys's space on sys's drive.
		acc2 := &model.CloudAccount{OwnerID: sys.ID, Kind: "webdav", DisplayName: "Other", Credentials: []byte("x")}
		if err := st.CreateCloudAccount(ctx, acc2); err != nil {
			t.Fatal(err)
		}
		inShared := func(owner, backend string) *model.Document {
			sp := &model.Space{Name: "Shared", OwnerID: owner}
			if err := st.CreateSpace(ctx, sp); err != nil {
				t.Fatal(err)
			}
			if err := st.SetSpaceStorage(ctx, sp.ID, backend); err != nil {
				t.Fatal(err)
			}
			d := &model.Document{OwnerID: owner, SpaceID: sp.ID, Title: "s", OriginalFilename: "s.txt", MIMEType: "text/plain",
				SizeBytes: 1, SHA256: strings.Repeat("0", 64), BlobKey: owner + "/" + store.NewID()}
			if err := st.CreateDocument(ctx, d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		sharedSystem, sharedDrive := inShared(drv.ID, model.BackendSystem), inShared(sys.ID, acc2.ID)
		for _, d := range []*model.Document{inSystem, toDrive, sharedSystem, sharedDrive} {
			if err := st.WithTx(ctx, func(tx *store.Store) error { return l.Processed(ctx, tx, d.ID) }); err != nil {
				t.Fatal(err)
			}
		}
		queued := map[string][]string{} // kind -> document ids
		col := "args"
		if st.Dialect() == store.SQLite {
			col = "json(args)" // River keeps SQLite's args as JSONB
		}
		rows, err := st.DB().QueryContext(ctx, `SELECT kind, `+col+` FROM river_job ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var kind string
			var args []byte
			if err := rows.Scan(&kind, &args); err != nil {
				t.Fatal(err)
			}
			var a struct {
				DocumentID string `json:"document_id"`
			}
			if err := json.Unmarshal(args, &a); err != nil {
				t.Fatal(err)
			}
			queued[kind] = append(queued[kind], a.DocumentID)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if got := queued["document.classify"]; len(got) != 4 {
			t.Errorf("classification queued for %v, want all four documents", got)
		}
		if got := queued["document.place"]; len(got) != 2 || got[0] != toDrive.ID || got[1] != sharedDrive.ID {
			t.Errorf("placement queued for %v, want only %s and %s", got, toDrive.ID, sharedDrive.ID)
		}
		for d, want := range map[*model.Document]string{inSystem: model.StorageStored, toDrive: model.StoragePending,
			sharedSystem: model.StorageStored, sharedDrive: model.StoragePending} {
			got, err := st.DocumentForJob(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.StorageState != want || got.StorageBackend != model.BackendSystem {
				t.Errorf("document of %s: storage %s/%s, want system/%s", got.OwnerID, got.StorageBackend, got.StorageState, want)
			}
		}
	})
}

type permanent struct{}

func (permanent) Error() string   { return "broken" }
func (permanent) Permanent() bool { return true }

func TestPermanent(t *testing.T) {
	if !Permanent(errors.Join(errors.New("x"), permanent{})) || Permanent(errors.New("x")) || Permanent(nil) {
		t.Fatal("Permanent does not read the Permanent method through wrapping")
	}
}
