package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// ddlWatch counts, with a superuser event trigger, every DDL command the app
// role starts, even one that is then refused and rolled back: a sequence
// keeps its value across rollbacks.
const ddlWatch = `
CREATE SEQUENCE public.dv_app_ddl_attempts;
CREATE FUNCTION public.dv_count_app_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	IF session_user = '%s' THEN PERFORM nextval('public.dv_app_ddl_attempts'); END IF;
END $$;
CREATE EVENT TRIGGER dv_count_app_ddl ON ddl_command_start EXECUTE FUNCTION public.dv_count_app_ddl();`

// TestPostgresRoleSeparation creates the roles with deploy/postgres-init.sh,
// migrates (DocuVault's and River's tables) as the migrate role, and shows
// that the app role runs the whole application without attempting any DDL,
// and is refused every DDL it tries.
func TestPostgresRoleSeparation(t *testing.T) {
	r := storetest.PostgresRoles(t)
	ctx := context.Background()

	admin, err := pgx.Connect(ctx, r.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	if _, err := admin.Exec(ctx, strings.Replace(ddlWatch, "%s", r.App, 1)); err != nil {
		t.Fatalf("install DDL watch: %v", err)
	}
	attempts := func() int64 {
		t.Helper()
		var n int64
		if err := admin.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.dv_app_ddl_attempts`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// `docuvault migrate`: the Store on DATABASE_URL, DDL through DATABASE_MIGRATE_URL.
	// Its refused first attempt, on the app role's own connection, is the
	// one DDL the app role ever tries; the watch must have seen it.
	version := migrateAsOperator(t, r)
	base := attempts()
	if base < 1 {
		t.Fatal("the DDL watch missed the app role's refused migration")
	}
	assertOwnedByMigrate(t, admin, r.Migrate)

	// `docuvault serve`/`worker`: Open without Migrate, then real work.
	s, err := store.Open(ctx, store.Options{DatabaseURL: r.AppURL, MaxConns: 8})
	if err != nil {
		t.Fatalf("open as app role: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if v, err := s.SchemaVersion(ctx); err != nil || v != version {
		t.Fatalf("schema version as app role: %d, %v; want %d", v, err, version)
	}
	runApplication(t, s)
	if n := attempts() - base; n != 0 {
		t.Fatalf("the app role attempted %d DDL commands while running the application", n)
	}

	// Every DDL the app role tries is refused, and the watch sees each.
	refused := appRefusals(t, r.AppURL)
	if n := attempts() - base; n != int64(refused) {
		t.Fatalf("DDL watch counted %d attempts for %d refused DDL commands", n, refused)
	}
}

// migrateAsOperator runs DocuVault's then River's migrations with the
// migrate role and returns the schema version.
func migrateAsOperator(t *testing.T, r storetest.Roles) int64 {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{DatabaseURL: r.AppURL})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx, ""); err == nil {
		t.Fatal("migrating with the app role's own connection succeeded; the app role must not be able to create tables")
	} else if !isInsufficientPrivilege(err) {
		t.Fatalf("migrating as the app role: want SQLSTATE 42501, got %v", err)
	}
	if err := s.Migrate(ctx, r.MigrateURL); err != nil {
		t.Fatalf("migrate with the migrate role: %v", err)
	}
	mdb, err := sql.Open("pgx", r.MigrateURL)
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	if err := jobs.Migrate(ctx, s, mdb); err != nil {
		t.Fatalf("River migrations with the migrate role: %v", err)
	}
	// A second run finds nothing to do and needs no DDL.
	if err := s.Migrate(ctx, r.MigrateURL); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v == 0 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	return v
}

// assertOwnedByMigrate checks that every table and sequence of the
// application lives in schema docuvault and belongs to the migrate role.
func assertOwnedByMigrate(t *testing.T, admin *pgx.Conn, migrateRole string) {
	t.Helper()
	ctx := context.Background()
	rows, err := admin.Query(ctx, `SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'S', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
		  AND c.relname <> 'dv_app_ddl_attempts'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var schema, name, owner string
		if err := rows.Scan(&schema, &name, &owner); err != nil {
			t.Fatal(err)
		}
		if schema != "docuvault" || owner != migrateRole {
			t.Errorf("%s.%s is owned by %s; want docuvault.* owned by %s", schema, name, owner, migrateRole)
		}
		seen[name] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"users", "documents", "document_search", "goose_db_version", "river_job", "river_migration"} {
		if !seen[want] {
			t.Errorf("table %s missing after migrations", want)
		}
	}
}

// runApplication does what serve and worker do, as the app role: accounts,
// topics, uploads, a document committed with its job, extraction, indexing,
// search, audit, trash, and a River engine that works the job.
func runApplication(t *testing.T, s *store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ran := make(chan string, 1)
	eng, err := jobs.New(s, jobs.Config{RunWorkers: true, Workers: 1, PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("job engine as app role: %v", err)
	}
	if err := jobs.AddWorker(eng, &jobs.NoopWorker{Ran: ran}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatalf("start job engine as app role: %v", err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		if err := eng.Stop(sctx); err != nil {
			t.Errorf("stop job engine: %v", err)
		}
	}()

	u := &model.User{Email: "owner@roles.test", PasswordHash: "h", QuotaBytes: 1 << 20, QuotaDocuments: 10}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	name := "Renamed"
	if _, err := s.UpdateUser(ctx, u.ID, store.UserUpdate{DisplayName: &name}); err != nil {
		t.Fatalf("update user: %v", err)
	}
	topic := &model.Topic{OwnerID: u.ID, Name: "Invoices"}
	if err := s.CreateTopic(ctx, topic); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	up := &model.Upload{OwnerID: u.ID, DocumentID: store.NewID(), Filename: "a.pdf", Title: "a", SizeBytes: 3,
		ContentType: "application/pdf", BlobKey: u.ID + "/up/a.pdf", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateUpload(ctx, up, 0); err != nil {
		t.Fatalf("create upload: %v", err)
	}
	if got, err := s.UploadByID(ctx, up.ID); err != nil || got.BlobKey != up.BlobKey {
		t.Fatalf("read upload: %+v %v", got, err)
	}
	if err := s.DeleteUpload(ctx, up.ID); err != nil {
		t.Fatalf("delete upload: %v", err)
	}

	d := &model.Document{OwnerID: u.ID, Title: "Quarterly invoice", OriginalFilename: "invoice.pdf", MIMEType: "application/pdf",
		SizeBytes: 1234, SHA256: strings.Repeat("ab", 32), BlobKey: u.ID + "/doc/invoice.pdf"}
	err = s.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.ChargeUsage(ctx, u.ID, d.SizeBytes, 1); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, &model.AuditEntry{ActorID: u.ID, Action: "document.upload", TargetType: "document", TargetID: d.ID}); err != nil {
			return err
		}
		_, err := eng.EnqueueTx(ctx, tx, jobs.NoopArgs{Message: d.ID}, nil)
		return err
	})
	if err != nil {
		t.Fatalf("commit document with its job: %v", err)
	}
	select {
	case msg := <-ran:
		if msg != d.ID {
			t.Fatalf("worked job for %q, want %q", msg, d.ID)
		}
	case <-ctx.Done():
		t.Fatal("the job enqueued as the app role was never worked")
	}

	if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: "Amount due: 420 zlotys", PageCount: 1, Language: "en"}); err != nil {
		t.Fatalf("save extraction: %v", err)
	}
	if err := s.IndexDocument(ctx, d.ID); err != nil {
		t.Fatalf("index: %v", err)
	}
	hits, _, err := s.SearchDocuments(ctx, u.ID, store.SearchQuery{FTS5: `"zlotys"`, TSQuery: "zlotys"},
		store.DocumentFilter{}, store.Page{})
	if err != nil || len(hits) != 1 || hits[0].ID != d.ID {
		t.Fatalf("search as app role: %d hits, %v", len(hits), err)
	}
	if err := s.SetUserTopics(ctx, u.ID, d.ID, []string{topic.ID}); err != nil {
		t.Fatalf("assign topic: %v", err)
	}
	if got, err := s.Document(ctx, u.ID, d.ID); err != nil || got.Status != model.StatusReady || len(got.Topics) != 1 {
		t.Fatalf("document as app role: %+v %v", got, err)
	}
	if entries, _, err := s.ListAudit(ctx, store.AuditFilter{ActorID: u.ID}, store.Page{}); err != nil || len(entries) != 1 {
		t.Fatalf("audit as app role: %d entries, %v", len(entries), err)
	}
	if err := s.TrashDocument(ctx, u.ID, d.ID); err != nil {
		t.Fatalf("trash: %v", err)
	}
	if err := s.DeleteDocumentRow(ctx, d); err != nil {
		t.Fatalf("delete document: %v", err)
	}
	if err := s.DeleteTopic(ctx, u.ID, topic.ID); err != nil {
		t.Fatalf("delete topic: %v", err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatalf("delete user: %v", err)
	}
}

// appRefusals tries DDL as the app role and requires SQLSTATE 42501 for
// each; it returns how many statements the DDL watch should have seen.
func appRefusals(t *testing.T, appURL string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tests := []struct {
		name, sql string
		watched   bool // an event trigger sees it (TRUNCATE and GRANT are not DDL events)
	}{
		{"create table", "CREATE TABLE sneaky (id int)", true},
		{"create table in public", "CREATE TABLE public.sneaky (id int)", true},
		{"create temporary table", "CREATE TEMP TABLE sneaky (id int)", true},
		{"create schema", "CREATE SCHEMA sneaky", true},
		{"create view", "CREATE VIEW sneaky AS SELECT 1", true},
		{"create function", "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'", true},
		{"create index", "CREATE INDEX sneaky ON documents (title)", true},
		{"create trigger", "CREATE TRIGGER sneaky BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()", true},
		{"drop table", "DROP TABLE documents", true},
		{"drop River's table", "DROP TABLE river_job", true},
		{"drop schema", "DROP SCHEMA docuvault CASCADE", true},
		{"alter table", "ALTER TABLE documents ADD COLUMN sneaky int", true},
		{"alter River's table", "ALTER TABLE river_job DROP COLUMN args", true},
		{"disable triggers", "ALTER TABLE users DISABLE TRIGGER ALL", true},
		{"rename table", "ALTER TABLE users RENAME TO sneaky", true},
		{"truncate", "TRUNCATE documents", false},
		{"truncate River's table", "TRUNCATE river_job", false},
		{"truncate migrations", "TRUNCATE goose_db_version", false},
	}
	watched := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := conn.Exec(ctx, tt.sql)
			if !isInsufficientPrivilege(err) {
				t.Fatalf("%s as app role: want SQLSTATE 42501, got %v", tt.sql, err)
			}
		})
		if tt.watched {
			watched++
		}
	}
	return watched
}

func isInsufficientPrivilege(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42501"
}
