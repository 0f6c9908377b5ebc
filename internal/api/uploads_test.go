package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// startUpload announces a direct upload and returns the status and body.
func (e *docEnv) startUpload(user, filename string, size int) (int, map[string]any) {
	e.t.Helper()
	res, b := e.do(user, "POST", "/api/uploads", strings.NewReader(fmt.Sprintf(`{"filename":%q,"size":%d}`, filename, size)), "application/json")
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m
}

// putBody PUTs body to a ticket's URL; chunked sends it without a
// Content-Length.
func putBody(t *testing.T, url string, body []byte, chunked bool) (int, map[string]any) {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if chunked {
		r = io.MultiReader(r) // hides the length: sent chunked
	}
	req, err := http.NewRequest("PUT", url, r)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m
}

func textOf(n int) []byte {
	return bytes.Repeat([]byte("a line of text\n"), n/15+1)[:n]
}

// A started direct upload holds its size against the quota until it
// completes or is cleaned up: with 1 MiB of quota, a second pending 1 MiB
// upload, and any multipart upload, are refused.
func TestDirectUploadReservesQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const mib = 1 << 20
		ctx := context.Background()
		e := newDocEnv(t, st, 2*mib)
		alice := e.user("alice@x.test", mib, 0)
		code, tk := e.startUpload(alice, "a.txt", mib)
		if code != 201 {
			t.Fatalf("first 1 MiB upload: %d %v", code, tk)
		}
		if code, b := e.startUpload(alice, "b.txt", mib); code != 403 || b["code"] != "quota_exceeded" {
			t.Fatalf("second pending 1 MiB upload: %d %v, want 403 quota_exceeded", code, b)
		}
		if res, b := e.upload(alice, "small.txt", []byte("small words"), ""); res.StatusCode != 403 || b["code"] != "quota_exceeded" {
			t.Fatalf("multipart upload beside the reservation: %d %v, want 403 quota_exceeded", res.StatusCode, b)
		}

		// Larger than announced: refused, nothing stored, with or without
		// a Content-Length.
		for _, chunked := range []bool{false, true} {
			if code, b := putBody(t, tk["url"].(string), textOf(mib+1), chunked); code != 413 || b["code"] != "file_too_large" {
				t.Fatalf("PUT of 1 MiB + 1 (chunked %v): %d %v, want 413 file_too_large", chunked, code, b)
			}
			if n := e.blobCount(); n != 0 {
				t.Fatalf("%d objects stored by a refused PUT (chunked %v)", n, chunked)
			}
		}

		// Completion turns the reservation into the document's real usage.
		if code, b := putBody(t, tk["url"].(string), textOf(mib), false); code != 200 {
			t.Fatalf("PUT: %d %v", code, b)
		}
		res, b := e.do(alice, "POST", "/api/uploads/"+tk["upload_id"].(string)+"/complete", nil, "")
		if res.StatusCode != 200 {
			t.Fatalf("complete: %d %s", res.StatusCode, b)
		}
		u, _ := st.UserByID(ctx, alice)
		if u.UsedBytes != mib || u.ReservedBytes != 0 || u.PendingUploads != 0 {
			t.Fatalf("after completion: used %d, reserved %d in %d uploads", u.UsedBytes, u.ReservedBytes, u.PendingUploads)
		}
		// Once the document is purged the whole quota is free again.
		id := tk["document_id"].(string)
		if res, _ := e.do(alice, "DELETE", "/api/documents/"+id, nil, ""); res.StatusCode != 204 {
			t.Fatalf("trash: %d", res.StatusCode)
		}
		if res, _ := e.do(alice, "DELETE", "/api/trash/"+id, nil, ""); res.StatusCode != 204 {
			t.Fatalf("purge: %d", res.StatusCode)
		}
		code, tk = e.startUpload(alice, "b.txt", mib)
		if code != 201 {
			t.Fatalf("1 MiB after completion and purge: %d %v", code, tk)
		}

		// The cleanup job releases an expired upload's reservation.
		bob := e.user("bob@x.test", mib, 0)
		up := &model.Upload{OwnerID: bob, DocumentID: store.NewID(), Filename: "x.txt", SizeBytes: mib,
			BlobKey: bob + "/up/x.txt", ExpiresAt: time.Now().Add(-time.Minute)}
		if err := st.CreateUpload(ctx, up, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := e.blobs.Put(ctx, up.BlobKey, bytes.NewReader(textOf(mib)), mib, ""); err != nil {
			t.Fatal(err)
		}
		if n, err := e.docs.CleanupAbandonedUploads(ctx); err != nil || n != 1 {
			t.Fatalf("cleanup: %d %v", n, err)
		}
		if u, _ := st.UserByID(ctx, bob); u.ReservedBytes != 0 || u.PendingUploads != 0 {
			t.Fatalf("after cleanup: reserved %d in %d uploads", u.ReservedBytes, u.PendingUploads)
		}
		if _, err := e.blobs.Stat(ctx, up.BlobKey); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("cleaned-up object: %v", err)
		}
		if code, b := e.startUpload(bob, "y.txt", mib); code != 201 {
			t.Fatalf("1 MiB after cleanup: %d %v", code, b)
		}

		// An expired upload stops counting even before the cleanup job
		// runs, and can no longer be completed.
		carol := e.user("carol@x.test", mib, 0)
		old := &model.Upload{OwnerID: carol, DocumentID: store.NewID(), Filename: "x.txt", SizeBytes: mib,
			BlobKey: carol + "/up/x.txt", ExpiresAt: time.Now().Add(-time.Minute)}
		if err := st.CreateUpload(ctx, old, 0); err != nil {
			t.Fatal(err)
		}
		if res, _ := e.do(carol, "POST", "/api/uploads/"+old.ID+"/complete", nil, ""); res.StatusCode != 404 {
			t.Fatalf("complete an expired upload: %d, want 404", res.StatusCode)
		}
		if err := st.CreateUpload(ctx, old, 0); err != nil { // same row again, still expired
			t.Fatal(err)
		}
		if res, b := e.upload(carol, "small.txt", []byte("small words"), ""); res.StatusCode != 201 {
			t.Fatalf("multipart upload beside an expired reservation: %d %v", res.StatusCode, b)
		}
	})
}

// The 11th pending direct upload of one user is refused with 429 and a
// Retry-After until one completes or expires.
func TestPendingUploadsCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		var first map[string]any
		for i := range 10 {
			code, tk := e.startUpload(alice, fmt.Sprintf("f%d.txt", i), 100)
			if code != 201 {
				t.Fatalf("upload %d: %d %v", i+1, code, tk)
			}
			if i == 0 {
				first = tk
			}
		}
		res, b := e.do(alice, "POST", "/api/uploads", strings.NewReader(`{"filename":"f10.txt","size":100}`), "application/json")
		var p map[string]any
		_ = json.Unmarshal(b, &p)
		ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != 429 || p["code"] != "rate_limited" || ra < 1 {
			t.Fatalf("11th pending upload: %d Retry-After %q %s, want 429 rate_limited", res.StatusCode, res.Header.Get("Retry-After"), b)
		}
		// Another user is not affected.
		if code, b := e.startUpload(e.user("bob@x.test", 0, 0), "g.txt", 100); code != 201 {
			t.Fatalf("other user: %d %v", code, b)
		}
		// Completing one frees its slot.
		if code, b := putBody(t, first["url"].(string), textOf(100), false); code != 200 {
			t.Fatalf("PUT: %d %v", code, b)
		}
		if res, b := e.do(alice, "POST", "/api/uploads/"+first["upload_id"].(string)+"/complete", nil, ""); res.StatusCode != 200 {
			t.Fatalf("complete: %d %s", res.StatusCode, b)
		}
		if code, b := e.startUpload(alice, "f10.txt", 100); code != 201 {
			t.Fatalf("upload after a completion: %d %v", code, b)
		}
	})
}

// An object of another size than announced (a presigned PUT the store did
// not bound) is refused at completion and removed.
func TestCompleteRemovesMismatchedObject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		code, tk := e.startUpload(alice, "a.txt", 100)
		if code != 201 {
			t.Fatalf("start: %d %v", code, tk)
		}
		up, err := st.Upload(ctx, alice, tk["upload_id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.blobs.Put(ctx, up.BlobKey, bytes.NewReader(textOf(5000)), 5000, ""); err != nil {
			t.Fatal(err)
		}
		res, b := e.do(alice, "POST", "/api/uploads/"+up.ID+"/complete", nil, "")
		if res.StatusCode != 409 {
			t.Fatalf("complete with 5000 of 100 bytes: %d %s, want 409", res.StatusCode, b)
		}
		if _, err := e.blobs.Stat(ctx, up.BlobKey); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("mismatched object kept: %v", err)
		}
		// The upload itself stays: the right bytes can still be PUT.
		if code, b := putBody(t, tk["url"].(string), textOf(100), false); code != 200 {
			t.Fatalf("PUT again: %d %v", code, b)
		}
		if res, b := e.do(alice, "POST", "/api/uploads/"+up.ID+"/complete", nil, ""); res.StatusCode != 200 {
			t.Fatalf("complete: %d %s", res.StatusCode, b)
		}
	})
}
