package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// InitScript is the repository's PostgreSQL role script, the single source
// of truth for the roles' privileges.
const InitScript = "deploy/postgres-init.sh"

// Roles are the two per-test roles PostgresRoles made.
type Roles struct {
	Migrate, App       string // role names
	MigrateURL, AppURL string // URLs of the test database as each role
	AdminURL           string // the test database as the administrator
}

// PostgresRoles creates a fresh database (PostgresURL), then runs
// deploy/postgres-init.sh against it with psql, for a migrate role and an
// app role whose names are unique to this test. The roles are dropped at
// cleanup (their objects reassigned, their privileges revoked). It skips
// like PostgresURL without a server, and skips without psql unless CI=true
// or DOCUVAULT_REQUIRE_POSTGRES=1, when it fails.
func PostgresRoles(t testing.TB) Roles {
	t.Helper()
	adminURL := PostgresURL(t)
	psql, err := exec.LookPath("psql")
	if err != nil {
		if PostgresRequired() {
			t.Fatalf("psql (Debian package postgresql-client) is required in CI to run %s: %v", InitScript, err)
		}
		t.Skipf("SKIPPING role test: psql not found (install postgresql-client): %v", err)
	}
	script, err := findScript()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	suffix := randHex(5)
	r := Roles{Migrate: "dvtest_migrate_" + suffix, App: "dvtest_app_" + suffix, AdminURL: adminURL}
	migratePW, appPW := randHex(12), randHex(12)
	t.Cleanup(func() { dropRoles(t, adminURL, r.Migrate, r.App) })

	adminPW, _ := u.User.Password()
	env := append(os.Environ(),
		"PGHOST="+u.Hostname(), "PGPORT="+portOr(u, "5432"), "PGPASSWORD="+adminPW,
		"PGSSLMODE="+queryOr(u, "sslmode", "prefer"), "PGCONNECT_TIMEOUT=10",
		"POSTGRES_USER="+u.User.Username(), "POSTGRES_DB="+u.Path[1:],
		"DOCUVAULT_MIGRATE_ROLE="+r.Migrate, "DOCUVAULT_APP_ROLE="+r.App,
		"DOCUVAULT_MIGRATE_PASSWORD="+migratePW, "DOCUVAULT_APP_PASSWORD="+appPW,
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = append(env, "PATH="+filepath.Dir(psql)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", InitScript, err, out)
	}
	r.MigrateURL = roleURL(u, r.Migrate, migratePW)
	r.AppURL = roleURL(u, r.App, appPW)
	return r
}

// dropRoles removes the roles the way an operator would: connections ended,
// owned objects handed to the administrator, privileges revoked, roles dropped.
func dropRoles(t testing.TB, dbURL string, roles ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Errorf("drop test roles: %v", err)
		return
	}
	defer c.Close(ctx)
	var errs []error
	for _, role := range roles {
		var exists bool
		if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil || !exists {
			errs = append(errs, err)
			continue
		}
		id := pgx.Identifier{role}.Sanitize()
		_, err := c.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, role)
		errs = append(errs, err)
		for _, q := range []string{"REASSIGN OWNED BY " + id + " TO CURRENT_USER", "DROP OWNED BY " + id, "DROP ROLE " + id} {
			if _, err := c.Exec(ctx, q); err != nil {
				errs = append(errs, err)
				break
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Errorf("drop test roles %v: %v", roles, err)
	}
}

// findScript walks up from the working directory (a package directory under
// go test) to the module root holding deploy/postgres-init.sh.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, InitScript)
			if _, err := os.Stat(p); err != nil {
				return "", err
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("storetest: no go.mod above the working directory, cannot find " + InitScript)
		}
		dir = parent
	}
}

func roleURL(admin *url.URL, role, pw string) string {
	u := *admin
	u.User = url.UserPassword(role, pw)
	return u.String()
}

func portOr(u *url.URL, def string) string {
	if p := u.Port(); p != "" {
		return p
	}
	return def
}

func queryOr(u *url.URL, key, def string) string {
	if v := u.Query().Get(key); v != "" {
		return v
	}
	return def
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
