package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob/blobtest"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// containerImageEnv names the image TestContainer runs; `make container-test`
// builds the Dockerfile with podman and sets it.
const containerImageEnv = "DOCUVAULT_CONTAINER_IMAGE"

// podman runs podman and returns its combined output.
func podman(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("podman", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func mustPodman(t *testing.T, args ...string) string {
	t.Helper()
	out, err := podman(t, args...)
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestContainer runs the image built from the Dockerfile against this
// machine's PostgreSQL (through the two roles of deploy/postgres-init.sh),
// Redis and a real S3 server: migrate with the migrate role, serve with the
// app role as uid 10001 on a read-only root file system with /data as the
// only writable volume, check the HEALTHCHECK and the OCR languages, upload
// a scanned page and a PDF, find the scan by its OCR text, download both
// byte-identical, stop with SIGTERM (a clean exit, not a kill), start the
// same container again and find everything still there, the old access
// token still valid (the signing key lives in /data).
func TestContainer(t *testing.T) {
	image := os.Getenv(containerImageEnv)
	if image == "" {
		t.Skipf("%s is not set: `make container-test` builds the image and runs this test", containerImageEnv)
	}
	roles := storetest.PostgresRoles(t)
	s3 := blobtest.StartS3(t)
	redisU := redisURL(t, 12)
	port := freeTCPPort(t)
	base := "http://127.0.0.1:" + port

	suffix := strconv.Itoa(os.Getpid())
	name, volume := "docuvault-test-"+suffix, "docuvault-test-data-"+suffix
	mustPodman(t, "volume", "create", volume)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := podman(t, "logs", name)
			t.Logf("container logs:\n%s", logs)
		}
		_, _ = podman(t, "rm", "-f", "-t", "0", name)
		_, _ = podman(t, "volume", "rm", "-f", volume)
	})
	env := []string{
		"DATABASE_URL=" + roles.AppURL,
		"MINIO_ENDPOINT=" + s3.Endpoint, "MINIO_ACCESS_KEY=" + s3.AccessKey, "MINIO_SECRET_KEY=" + s3.SecretKey,
		"MINIO_BUCKET=" + s3.Bucket, "MINIO_REGION=" + s3.Region, "REDIS_URL=" + redisU,
		"LISTEN_ADDR=127.0.0.1:" + port, "HIBP_URL=off", "OCR_LANGUAGES=eng+deu", "SHUTDOWN_TIMEOUT=10s",
	}
	// Like `docker run --read-only`: no tmpfs, not even /tmp; /data the only
	// writable place. The host network reaches the host's servers.
	runArgs := []string{"--network", "host", "--read-only", "--read-only-tmpfs=false", "-v", volume + ":/data"}
	for _, e := range env {
		runArgs = append(runArgs, "-e", e)
	}

	// Migrations as the schema owner; serve then has only the app role.
	migrate := append(append([]string{"run", "--rm", "-e", "DATABASE_MIGRATE_URL=" + roles.MigrateURL}, runArgs...), image, "migrate")
	if out := mustPodman(t, migrate...); !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %s", out)
	}
	serve := append(append([]string{"run", "-d", "--name", name, "--health-interval", "disable"}, runArgs...), image)
	mustPodman(t, serve...)
	waitContainerHealthy(t, name, base)

	if user := mustPodman(t, "image", "inspect", "--format", "{{.Config.User}}", image); user != "10001:10001" {
		t.Errorf("image user %q, want 10001:10001", user)
	}
	if id := mustPodman(t, "exec", name, "id", "-u"); id != "10001" {
		t.Errorf("runs as uid %s, want 10001", id)
	}
	if out, err := podman(t, "exec", name, "touch", "/tmp/x"); err == nil || !strings.Contains(out, "Read-only file system") {
		t.Errorf("root file system writable: %v %s", err, out)
	}
	if hc := mustPodman(t, "image", "inspect", "--format", "{{json .HealthCheck.Test}}", image); !strings.Contains(hc, "healthcheck") {
		t.Errorf("image HEALTHCHECK %s, want docuvault healthcheck", hc)
	}
	if out := mustPodman(t, "healthcheck", "run", name); out != "" && out != "healthy" {
		t.Errorf("podman healthcheck run: %s", out)
	}
	langs := mustPodman(t, "exec", name, "tesseract", "--list-langs")
	for _, l := range []string{"eng", "deu", "fra", "spa", "ita", "nld", "por"} {
		if !strings.Contains(langs, "\n"+l) {
			t.Errorf("tesseract lacks %s: %s", l, langs)
		}
	}

	c := newClient(t, base)
	c.json("POST", "/api/auth/register", map[string]any{"email": "container@example.com", "password": "a long enough passphrase"}, 201)
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": "container@example.com", "password": "a long enough passphrase"}, 200)["access_token"].(string)
	scan := scanPNG(t, "CONTAINER RECEIPT", "Marmalade 42 jars")
	pdf, err := os.ReadFile("../../internal/extract/testdata/hello.pdf")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{}
	for fn, b := range map[string][]byte{"receipt.png": scan, "hello.pdf": pdf} {
		id := c.upload(fn, b)["id"].(string)
		c.waitReady(id)
		docs[id] = b
	}
	var scanID string
	for id, b := range docs {
		if bytes.Equal(b, scan) {
			scanID = id
		}
	}
	check := func(when string) {
		t.Helper()
		items := c.json("GET", "/api/documents?q="+url.QueryEscape("marmalade"), nil, 200)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["id"] != scanID {
			t.Fatalf("%s: search for the scan's OCR text: %v", when, items)
		}
		for id, want := range docs {
			code, got, _ := c.call("GET", "/api/documents/"+id+"/download", nil, "")
			if code != http.StatusOK || !bytes.Equal(got, want) {
				t.Fatalf("%s: download %s: %d, %d bytes, want %d", when, id, code, len(got), len(want))
			}
		}
	}
	check("first start")

	// SIGTERM: podman kills only after 30 s, well past SHUTDOWN_TIMEOUT, so
	// exit code 0 means docuvault stopped by itself, gracefully.
	mustPodman(t, "stop", "-t", "30", name)
	if code := mustPodman(t, "inspect", "--format", "{{.State.ExitCode}}", name); code != "0" {
		logs, _ := podman(t, "logs", "--tail", "20", name)
		t.Fatalf("exit code %s after SIGTERM, want 0\n%s", code, logs)
	}
	mustPodman(t, "start", name)
	waitContainerHealthy(t, name, base)
	c.json("GET", "/api/me", nil, 200)
	check("after restart")
	fmt.Fprintln(os.Stderr, "container test done with", image)
}

// freeTCPPort is a port free on 127.0.0.1 a moment ago.
func freeTCPPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// waitContainerHealthy polls /health until it answers ok, failing at once
// when the container has stopped.
func waitContainerHealthy(t *testing.T, name, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if res, err := http.Get(base + "/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				if out, err := podman(t, "exec", name, "docuvault", "healthcheck"); err == nil && out == "ok" {
					return
				}
			}
		}
		if state := mustPodman(t, "inspect", "--format", "{{.State.Status}}", name); state != "running" {
			logs, _ := podman(t, "logs", name)
			t.Fatalf("container %s is %s\n%s", name, state, logs)
		}
		if time.Now().After(deadline) {
			logs, _ := podman(t, "logs", name)
			t.Fatalf("container %s never healthy\n%s", name, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
