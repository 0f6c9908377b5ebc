package store_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestCloudAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@example.com", 0, 0)
		b := mkUser(t, s, "b@example.com", 0, 0)
		acc := &model.CloudAccount{OwnerID: a.ID, Kind: "webdav", DisplayName: "home", Credentials: []byte{1, 2, 3}}
		if err := s.CreateCloudAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		if acc.Status != model.CloudOK || acc.ID == "" {
			t.Fatalf("defaults: %+v", acc)
		}
		got, err := s.CloudAccount(ctx, a.ID, acc.ID)
		if err != nil || !bytes.Equal(got.Credentials, []byte{1, 2, 3}) || got.DisplayName != "home" {
			t.Fatalf("get: %+v %v", got, err)
		}
		// Owner scoping: B sees, changes and deletes nothing of A's.
		if _, err := s.CloudAccount(ctx, b.ID, acc.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other owner get: %v", err)
		}
		for name, err := range map[string]error{
			"credentials":   s.SetCloudCredentials(ctx, b.ID, acc.ID, []byte{9}),
			"status":        s.SetCloudStatus(ctx, b.ID, acc.ID, model.CloudError, "x"),
			"disconnecting": s.MarkCloudDisconnecting(ctx, b.ID, acc.ID),
			"delete":        s.DeleteCloudAccount(ctx, b.ID, acc.ID),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("other owner %s: %v", name, err)
			}
		}
		if l, _ := s.ListCloudAccounts(ctx, b.ID); len(l) != 0 {
			t.Fatalf("B lists %d accounts", len(l))
		}
		if err := s.SetCloudStatus(ctx, a.ID, acc.ID, model.CloudReconnect, "token revoked"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.CloudAccount(ctx, a.ID, acc.ID)
		if got.Status != model.CloudReconnect || got.StatusError != "token revoked" {
			t.Fatalf("status: %+v", got)
		}
		// New credentials make the account ok again.
		if err := s.SetCloudCredentials(ctx, a.ID, acc.ID, []byte{7}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.CloudAccount(ctx, a.ID, acc.ID)
		if got.Status != model.CloudOK || got.StatusError != "" || !bytes.Equal(got.Credentials, []byte{7}) {
			t.Fatalf("after reconnect: %+v", got)
		}
		// Disconnecting is final: status updates do not undo it.
		if err := s.MarkCloudDisconnecting(ctx, a.ID, acc.ID); err != nil {
			t.Fatal(err)
		}
		_ = s.SetCloudStatus(ctx, a.ID, acc.ID, model.CloudOK, "")
		_ = s.SetCloudCredentials(ctx, a.ID, acc.ID, []byte{8})
		if got, _ = s.CloudAccount(ctx, a.ID, acc.ID); got.Status != model.CloudDisconnecting {
			t.Fatalf("disconnecting was undone: %+v", got)
		}
		l, err := s.ListCloudAccounts(ctx, a.ID)
		if err != nil || len(l) != 1 {
			t.Fatalf("list: %d %v", len(l), err)
		}
		if err := s.DeleteCloudAccount(ctx, a.ID, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CloudAccountForJob(ctx, acc.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestOAuthStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@example.com", 0, 0)
		now := time.Now()
		for _, st := range []*store.OAuthState{
			{State: "live", OwnerID: a.ID, Kind: "google_drive", Verifier: []byte("v"), ExpiresAt: now.Add(10 * time.Minute)},
			{State: "old", OwnerID: a.ID, Kind: "onedrive", Verifier: []byte("w"), ExpiresAt: now.Add(-time.Minute)},
		} {
			if err := s.CreateOAuthState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.TakeOAuthState(ctx, "live", now)
		if err != nil || got.OwnerID != a.ID || got.Kind != "google_drive" || string(got.Verifier) != "v" {
			t.Fatalf("take: %+v %v", got, err)
		}
		if _, err := s.TakeOAuthState(ctx, "live", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second take: %v", err)
		}
		if _, err := s.TakeOAuthState(ctx, "old", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired take: %v", err)
		}
		_ = s.CreateOAuthState(ctx, &store.OAuthState{State: "old2", OwnerID: a.ID, Kind: "onedrive", Verifier: []byte("w"), ExpiresAt: now.Add(-time.Minute)})
		if n, err := s.DeleteExpiredOAuthStates(ctx, now); err != nil || n != 1 {
			t.Fatalf("delete expired: %d %v", n, err)
		}
	})
}

func TestDocumentPlacement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@example.com", 0, 0)
		b := mkUser(t, s, "b@example.com", 0, 0)
		acc := &model.CloudAccount{OwnerID: a.ID, Kind: "webdav", Credentials: []byte{1}}
		bacc := &model.CloudAccount{OwnerID: b.ID, Kind: "webdav", Credentials: []byte{1}}
		for _, c := range []*model.CloudAccount{acc, bacc} {
			if err := s.CreateCloudAccount(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		d1, d2, d3 := mkDoc(t, s, a.ID, "one", 1), mkDoc(t, s, a.ID, "two", 2), mkDoc(t, s, a.ID, "three", 3)
		for _, d := range []*model.Document{d1, d2} {
			if err := s.SetDocumentStatus(ctx, d.ID, model.StatusReady, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Another owner's account never receives A's document.
		if ok, err := s.MarkDocumentPlaced(ctx, d1.ID, bacc.ID, "DocuVault/x"); err != nil || ok {
			t.Fatalf("placed on another owner's account: %v %v", ok, err)
		}
		if ok, err := s.MarkDocumentPlaced(ctx, d1.ID, acc.ID, "DocuVault/one.txt"); err != nil || !ok {
			t.Fatalf("place: %v %v", ok, err)
		}
		// Already placed: a second placement changes nothing.
		if ok, _ := s.MarkDocumentPlaced(ctx, d1.ID, acc.ID, "DocuVault/other"); ok {
			t.Fatal("placed twice")
		}
		if err := s.SetDocumentPlacement(ctx, d2.ID, model.BackendSystem, model.StoragePending, "", "drive unavailable"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Document(ctx, a.ID, d2.ID)
		if got.StorageState != model.StoragePending || got.StorageError != "drive unavailable" {
			t.Fatalf("pending: %+v", got)
		}
		ids, err := s.DocumentIDsByStorage(ctx, a.ID, store.StorageFilter{Backend: acc.ID}, "", 10)
		if err != nil || !slices.Equal(ids, []string{d1.ID}) {
			t.Fatalf("on account: %v %v", ids, err)
		}
		ids, _ = s.DocumentIDsByStorage(ctx, a.ID, store.StorageFilter{NotBackend: acc.ID, ReadyOnly: true}, "", 10)
		if !slices.Equal(ids, []string{d2.ID}) {
			t.Fatalf("ready, not on account: %v", ids)
		}
		ids, _ = s.DocumentIDsByStorage(ctx, a.ID, store.StorageFilter{States: []string{model.StorageStored}}, "", 10)
		if !slices.Equal(ids, []string{d3.ID}) {
			t.Fatalf("stored: %v", ids)
		}
		if ids, _ = s.DocumentIDsByStorage(ctx, b.ID, store.StorageFilter{}, "", 10); len(ids) != 0 {
			t.Fatalf("B sees %v", ids)
		}
		counts, err := s.CountDocumentsByStorage(ctx, a.ID)
		want := []store.StorageCount{{acc.ID, model.StoragePlaced, 1}, {"system", model.StoragePending, 1}, {"system", model.StorageStored, 1}}
		if err != nil || !slices.Equal(counts, want) {
			t.Fatalf("counts: %+v %v", counts, err)
		}
		// Returned only while still recorded at that ref.
		if ok, _ := s.MarkDocumentReturned(ctx, d1.ID, acc.ID, "DocuVault/wrong"); ok {
			t.Fatal("returned with a stale ref")
		}
		if ok, err := s.MarkDocumentReturned(ctx, d1.ID, acc.ID, "DocuVault/one.txt"); err != nil || !ok {
			t.Fatalf("return: %v %v", ok, err)
		}
		// A disconnecting account takes no new document.
		if err := s.MarkCloudDisconnecting(ctx, a.ID, acc.ID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.MarkDocumentPlaced(ctx, d1.ID, acc.ID, "DocuVault/one.txt"); ok {
			t.Fatal("placed on a disconnecting account")
		}
	})
}
