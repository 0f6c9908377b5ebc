package config

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	composeloader "github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// composePasswords are the passwords of the compose services: read by
// docker-compose.yml, never by DocuVault, and blanked in its containers.
var composePasswords = []string{"POSTGRES_PASSWORD", "DOCUVAULT_MIGRATE_PASSWORD", "DOCUVAULT_APP_PASSWORD", "REDIS_PASSWORD"}

// loadCompose loads docker-compose.yml the way `docker compose config` does
// (the Compose Specification's schema, interpolation, env_file merged into
// environment) with a .env made from .env.example plus the given values.
func loadCompose(t *testing.T, values map[string]string) (*types.Project, error) {
	t.Helper()
	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(example)))
	for sc.Scan() {
		line := sc.Text()
		if name, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			if nv, set := values[name]; set {
				v = nv
			}
			env[name] = v
			line = name + "=" + v
		}
		lines = append(lines, line)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(file, compose, 0o600); err != nil {
		t.Fatal(err)
	}
	return composeloader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: compose}},
		Environment: env,
	})
}

// filled are values for every variable .env.example leaves empty and the
// compose file requires.
func filled() map[string]string {
	v := map[string]string{"MINIO_ACCESS_KEY": "minio", "MINIO_SECRET_KEY": "minio-secret-key",
		"SECRET_KEY": strings.Repeat("s", 64), "CLOUD_CREDS_KEY": strings.Repeat("c", 64)}
	for _, p := range composePasswords {
		v[p] = "pw-" + p
	}
	return v
}

// docker-compose.yml is a valid Compose file with the services the README
// describes; the DocuVault containers get only variables DocuVault reads (the
// list .env.example and the README share), read-only root file systems, the
// app role for serve and worker and the migrate role for migrate alone.
func TestComposeFile(t *testing.T) {
	p, err := loadCompose(t, filled())
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	want := []string{"docuvault", "migrate", "minio", "postgres", "redis", "worker"}
	if got := p.ServiceNames(); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	pg := p.Services["postgres"]
	for _, v := range []string{"DOCUVAULT_MIGRATE_PASSWORD", "DOCUVAULT_APP_PASSWORD"} {
		if e := pg.Environment[v]; e == nil || *e != "pw-"+v {
			t.Errorf("postgres lacks %s for deploy/postgres-init.sh", v)
		}
	}
	if !slices.ContainsFunc(pg.Volumes, func(v types.ServiceVolumeConfig) bool {
		return strings.HasSuffix(v.Source, "deploy/postgres-init.sh") && strings.HasPrefix(v.Target, "/docker-entrypoint-initdb.d/")
	}) {
		t.Errorf("postgres does not run deploy/postgres-init.sh: %v", pg.Volumes)
	}

	known := map[string]bool{}
	for _, v := range Variables {
		known[v.Name] = true
	}
	setByCompose := regexp.MustCompile(`(?m)^# ([A-Z_]+) is set by docker-compose\.yml$`)
	example, _ := os.ReadFile("../../.env.example")
	for _, name := range []string{"migrate", "docuvault", "worker"} {
		s := p.Services[name]
		if !s.ReadOnly {
			t.Errorf("%s: read_only is not set", name)
		}
		if s.Build == nil {
			t.Errorf("%s is not built from the Dockerfile", name)
		}
		for k, v := range s.Environment {
			switch {
			case slices.Contains(composePasswords, k):
				if v != nil && *v != "" {
					t.Errorf("%s: carries %s", name, k)
				}
			case !known[k]:
				t.Errorf("%s: %s is no DocuVault variable (not in the README or .env.example)", name, k)
			}
		}
		get := func(k string) string {
			if v := s.Environment[k]; v != nil {
				return *v
			}
			return ""
		}
		if !strings.HasPrefix(get("DATABASE_URL"), "postgres://docuvault_app:pw-DOCUVAULT_APP_PASSWORD@postgres:") {
			t.Errorf("%s: DATABASE_URL %q is not the app role", name, get("DATABASE_URL"))
		}
		if m := get("DATABASE_MIGRATE_URL"); (name == "migrate") != strings.HasPrefix(m, "postgres://docuvault_migrate:pw-DOCUVAULT_MIGRATE_PASSWORD@postgres:") {
			t.Errorf("%s: DATABASE_MIGRATE_URL %q (only migrate has the migrate role)", name, m)
		}
		for _, k := range []string{"SECRET_KEY", "CLOUD_CREDS_KEY"} {
			if get(k) != filled()[k] {
				t.Errorf("%s: %s not taken from .env", name, k)
			}
		}
		for _, m := range setByCompose.FindAllStringSubmatch(string(example), -1) {
			if m[1] != "DATABASE_MIGRATE_URL" && get(m[1]) == "" {
				t.Errorf(".env.example says docker-compose.yml sets %s, but %s lacks it", m[1], name)
			}
		}
	}
}

// The secrets every node must share are required: compose refuses to start
// without them, naming the variable.
func TestComposeRequiresSharedSecrets(t *testing.T) {
	for _, name := range []string{"SECRET_KEY", "CLOUD_CREDS_KEY", "DOCUVAULT_APP_PASSWORD"} {
		v := filled()
		v[name] = ""
		if _, err := loadCompose(t, v); err == nil || !strings.Contains(err.Error(), "set "+name+" in .env") {
			t.Errorf("without %s: %v, want a refusal naming it", name, err)
		}
	}
}
