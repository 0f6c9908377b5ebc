package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestAuditVisibilityAndExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newDocEnv(t, st, 1<<20)
		x := audit.New(st, e.blobs, nil, time.Hour)
		e.srv.Config.Handler = docAPI(st, e.blobs, e.docs, bearerUser{st}, x)
		alice := e.user("alice@x.test", 0, 0)
		bob := e.user("bob@x.test", 0, 0)
		admin := &model.User{Email: "root@x.test", PasswordHash: "x", Role: "admin"}
		if err := st.CreateUser(ctx, admin); err != nil {
			t.Fatal(err)
		}
		yesterday := time.Now().UTC().AddDate(0, 0, -1)
		for _, who := range []string{alice, bob, bob} {
			_ = st.AppendAudit(ctx, &model.AuditEntry{At: yesterday, ActorID: who, Action: "auth.login"})
		}
		count := func(user, query string) (int, int) {
			res, b := e.do(user, "GET", "/api/audit"+query, nil, "")
			var l struct{ Items []map[string]any }
			_ = json.Unmarshal(b, &l)
			return res.StatusCode, len(l.Items)
		}
		if code, n := count(alice, ""); code != 200 || n != 1 {
			t.Fatalf("alice sees %d (%d)", n, code)
		}
		if code, n := count(alice, "?actor_id="+bob); code != 200 || n != 0 {
			t.Fatalf("alice asking for bob's events sees %d (%d)", n, code)
		}
		if code, n := count(admin.ID, ""); code != 200 || n != 3 {
			t.Fatalf("admin sees %d (%d)", n, code)
		}
		if code, n := count(admin.ID, "?actor_id="+bob); code != 200 || n != 2 {
			t.Fatalf("admin filter sees %d (%d)", n, code)
		}
		if code, _ := count(admin.ID, "?since=yesterday"); code != 400 {
			t.Fatalf("bad since: %d", code)
		}
		if res, _ := e.do(alice, "GET", "/api/audit/exports", nil, ""); res.StatusCode != 403 {
			t.Fatalf("non-admin exports: %d", res.StatusCode)
		}
		if _, err := x.CatchUp(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		res, b := e.do(admin.ID, "GET", "/api/audit/exports", nil, "")
		date := yesterday.Format(time.DateOnly)
		if res.StatusCode != 200 || !strings.Contains(string(b), date) {
			t.Fatalf("exports: %d %s", res.StatusCode, b)
		}
		res, b = e.do(admin.ID, "GET", "/api/audit/exports/"+date, nil, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/gzip" || len(b) < 20 {
			t.Fatalf("export download: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if res, _ := e.do(admin.ID, "GET", "/api/audit/exports/not-a-date", nil, ""); res.StatusCode != 400 {
			t.Fatalf("bad date: %d", res.StatusCode)
		}
	})
}
