package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/apptest"
	"github.com/docuvault/docuvault/internal/model"
)

// TestStatisticsJobAnalyzesOnPostgres: the running application keeps
// PostgreSQL's planner statistics current by itself (this machine's server
// runs without autovacuum, like some operators' do): after a bulk of new
// documents, the periodic job analyzes the documents table.
func TestStatisticsJobAnalyzesOnPostgres(t *testing.T) {
	a := apptest.New(t, apptest.Postgres(), apptest.Workers())
	ctx := context.Background()
	u := &model.User{Email: "stats@example.com", PasswordHash: "h"}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	reltuples := func() float64 {
		var n float64
		if err := a.Store.DB().QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := reltuples(); n > 0 {
		t.Fatalf("documents analyzed before any document: reltuples %v", n)
	}
	for i := range 150 {
		d := &model.Document{OwnerID: u.ID, Title: fmt.Sprint("doc ", i), OriginalFilename: "d.txt", MIMEType: "text/plain",
			SizeBytes: 1, SHA256: fmt.Sprintf("%064d", i), BlobKey: fmt.Sprint(u.ID, "/x/", i)}
		if err := a.Store.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// Every 5 s, once the server's counters show the change.
	for deadline := time.Now().Add(90 * time.Second); reltuples() < 150; time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("documents not analyzed 90 s after 150 inserts (reltuples %v)", reltuples())
		}
	}
}
