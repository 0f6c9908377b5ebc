package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func newUpload(owner string, size int64, expires time.Time) *model.Upload {
	return &model.Upload{OwnerID: owner, DocumentID: store.NewID(), Filename: "f.pdf", SizeBytes: size,
		BlobKey: owner + "/up/" + store.NewID(), ExpiresAt: expires}
}

// reservation reads the owner's reserved bytes and pending uploads.
func reservation(t *testing.T, s *store.Store, owner string) (int64, int64) {
	t.Helper()
	u, err := s.UserByID(context.Background(), owner)
	if err != nil {
		t.Fatal(err)
	}
	return u.ReservedBytes, u.PendingUploads
}

// startAll starts n uploads of size bytes at once and counts the outcomes.
func startAll(t *testing.T, s *store.Store, owner string, n int, size int64, maxPending int) map[string]int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		out   = map[string]int{}
		start = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := s.CreateUpload(context.Background(), newUpload(owner, size, time.Now().Add(time.Hour)), maxPending)
			key := "ok"
			switch {
			case errors.Is(err, store.ErrQuota):
				key = "quota"
			case errors.Is(err, store.ErrTooManyPending):
				key = "pending"
			case err != nil:
				key = err.Error()
			}
			mu.Lock()
			out[key]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// Concurrent starts cannot reserve more than the quota: 30 uploads of 100
// bytes against 1,000 bytes of quota, 50 already used, leave exactly 9.
func TestUploadReservationsCannotOversubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mkUser(t, s, "a@x.test", 1000, 0)
		mkDoc(t, s, u.ID, "used", 50)
		got := startAll(t, s, u.ID, 30, 100, 0)
		if got["ok"] != 9 || got["quota"] != 21 {
			t.Fatalf("outcomes %v, want 9 ok and 21 quota", got)
		}
		if b, n := reservation(t, s, u.ID); b != 900 || n != 9 {
			t.Fatalf("reserved %d bytes in %d uploads, want 900 in 9", b, n)
		}
		// A multipart upload's charge counts the reservations too.
		err := s.WithTx(ctx, func(tx *store.Store) error { return tx.ChargeUsage(ctx, u.ID, 51, 1) })
		if !errors.Is(err, store.ErrQuota) {
			t.Fatalf("charge past the reservations: %v, want ErrQuota", err)
		}
		if err := s.WithTx(ctx, func(tx *store.Store) error { return tx.ChargeUsage(ctx, u.ID, 50, 1) }); err != nil {
			t.Fatalf("charge within the quota: %v", err)
		}

		// The document quota counts pending uploads as documents.
		d := mkUser(t, s, "d@x.test", 0, 5)
		mkDoc(t, s, d.ID, "one", 1)
		got = startAll(t, s, d.ID, 10, 1, 0)
		if got["ok"] != 4 || got["quota"] != 6 {
			t.Fatalf("document quota: outcomes %v, want 4 ok and 6 quota", got)
		}
		err = s.WithTx(ctx, func(tx *store.Store) error { return tx.ChargeUsage(ctx, d.ID, 1, 1) })
		if !errors.Is(err, store.ErrQuota) {
			t.Fatalf("document charge past the pending uploads: %v, want ErrQuota", err)
		}

		if err := s.CreateUpload(ctx, newUpload(store.NewID(), 1, time.Now().Add(time.Hour)), 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("upload of an unknown user: %v, want ErrNotFound", err)
		}
	})
}

// At most maxPending uploads are pending at once, whatever the quota.
func TestPendingUploadCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		u := mkUser(t, s, "a@x.test", 0, 0)
		got := startAll(t, s, u.ID, 25, 1000, 10)
		if got["ok"] != 10 || got["pending"] != 15 {
			t.Fatalf("outcomes %v, want 10 ok and 15 pending", got)
		}
		if _, n := reservation(t, s, u.ID); n != 10 {
			t.Fatalf("%d pending uploads, want 10", n)
		}
		exp, err := s.OldestPendingExpiry(context.Background(), u.ID)
		if err != nil || time.Until(exp) <= 0 {
			t.Fatalf("oldest pending expiry %v %v", exp, err)
		}
		if _, err := s.OldestPendingExpiry(context.Background(), store.NewID()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("oldest pending expiry without uploads: %v", err)
		}
	})
}

// Deleting an upload's row (completion, expiry, cleanup) releases its
// reservation exactly once, and inside the caller's transaction.
func TestUploadReservationReleased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mkUser(t, s, "a@x.test", 1000, 0)
		a := newUpload(u.ID, 600, time.Now().Add(time.Hour))
		if err := s.CreateUpload(ctx, a, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUpload(ctx, newUpload(u.ID, 600, time.Now().Add(time.Hour)), 0); !errors.Is(err, store.ErrQuota) {
			t.Fatalf("second 600 of 1000: %v, want ErrQuota", err)
		}
		b := newUpload(u.ID, 300, time.Now().Add(-time.Minute))
		if err := s.CreateUpload(ctx, b, 0); err != nil {
			t.Fatal(err)
		}
		exp, err := s.ExpiredUploadsOf(ctx, u.ID, time.Now(), 10)
		if err != nil || len(exp) != 1 || exp[0].ID != b.ID {
			t.Fatalf("expired uploads of the owner: %v %v", exp, err)
		}
		// Expiry / cleanup: the row goes, and so does its reservation; a
		// second delete (a racing cleanup) releases nothing.
		if err := s.DeleteUpload(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUpload(ctx, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v, want ErrNotFound", err)
		}
		if r, n := reservation(t, s, u.ID); r != 600 || n != 1 {
			t.Fatalf("after cleanup: %d bytes in %d uploads reserved, want 600 in 1", r, n)
		}
		// A rolled-back completion keeps the reservation.
		boom := fmt.Errorf("boom")
		err = s.WithTx(ctx, func(tx *store.Store) error {
			if err := tx.DeleteUpload(ctx, a.ID); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if r, n := reservation(t, s, u.ID); r != 600 || n != 1 {
			t.Fatalf("after rollback: %d bytes in %d uploads reserved, want 600 in 1", r, n)
		}
		// Completion: release and charge the real size in one transaction.
		err = s.WithTx(ctx, func(tx *store.Store) error {
			if err := tx.DeleteUpload(ctx, a.ID); err != nil {
				return err
			}
			return tx.ChargeUsage(ctx, u.ID, 600, 1)
		})
		if err != nil {
			t.Fatalf("complete: %v", err)
		}
		got, _ := s.UserByID(ctx, u.ID)
		if got.ReservedBytes != 0 || got.PendingUploads != 0 || got.UsedBytes != 600 || got.DocumentCount != 1 {
			t.Fatalf("after completion: %+v", got)
		}
		if err := s.CreateUpload(ctx, newUpload(u.ID, 400, time.Now().Add(time.Hour)), 0); err != nil {
			t.Fatalf("400 more of 1000 with 600 used: %v", err)
		}
	})
}

// Reservation counters that drifted from the pending uploads are reported
// and recounted by the integrity check's store calls.
func TestReservationDriftFixed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mkUser(t, s, "a@x.test", 0, 0)
		if err := s.CreateUpload(ctx, newUpload(u.ID, 70, time.Now().Add(time.Hour)), 0); err != nil {
			t.Fatal(err)
		}
		if drifts, err := s.UsageDrifts(ctx); err != nil || len(drifts) != 0 {
			t.Fatalf("drifts before damage: %+v %v", drifts, err)
		}
		if _, err := s.DB().ExecContext(ctx, `UPDATE users SET reserved_bytes = 5000, pending_uploads = 9 WHERE id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		drifts, err := s.UsageDrifts(ctx)
		if err != nil || len(drifts) != 1 || drifts[0].StoredReserved != 5000 || drifts[0].ActualReserved != 70 ||
			drifts[0].StoredPending != 9 || drifts[0].ActualPending != 1 {
			t.Fatalf("drifts: %+v %v", drifts, err)
		}
		if err := s.FixUsage(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if r, n := reservation(t, s, u.ID); r != 70 || n != 1 {
			t.Fatalf("after fix: %d bytes in %d uploads", r, n)
		}
	})
}
