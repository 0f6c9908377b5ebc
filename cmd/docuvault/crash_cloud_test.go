package main

// Crash safety, continued (issue 11): the real binary is killed with SIGKILL
// while it places documents in a user's WebDAV drive (new uploads and older
// documents being moved), and `docuvault export` is killed while it copies
// originals out of the drive and out of system storage; on the embedded
// default and on PostgreSQL + S3. After a restart every document ends in the
// drive exactly once and byte-identical, usage is exact and `docuvault check`
// agrees; the export run again resumes and its backup restores, verified,
// into a new instance.

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/cloud/davtest"
)

func TestCrashDuringCloudPlacementAndExportEmbedded(t *testing.T) {
	seed := crashSeed(t)
	crashCloudSuite(t, seed, []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "data")})
}

func TestCrashDuringCloudPlacementAndExportPostgresS3(t *testing.T) {
	seed := crashSeed(t)
	crashCloudSuite(t, seed, postgresS3Env(t))
}

func crashCloudSuite(t *testing.T, seed uint64, env []string) {
	rng := rand.New(rand.NewPCG(seed, 0xC10D))
	dav := davtest.NewNextcloud(t, "grace", "app-pass-5678")
	env = append(env, "HIBP_URL=off", "CLOUD_ALLOWED_HOSTS=127.0.0.1", "WORKERS=2",
		"ADMIN_EMAIL="+crashAdminEmail, "ADMIN_PASSWORD="+crashAdminPassword)
	v := &vault{t: t, env: env, files: map[string]genPDF{}}
	v.start()
	v.admin = login(t, v.p.addr, crashAdminEmail, crashAdminPassword)
	reg := newClient(t, v.p.addr)
	reg.json("POST", "/api/auth/register", map[string]any{"email": "grace@example.com", "password": crashUserPassword}, 201)
	c := login(t, v.p.addr, "grace@example.com", crashUserPassword)
	v.users = []*client{c}

	upload := func(name string, g genPDF) string {
		t.Helper()
		v.remember(name, g)
		code, body, err := rawUpload(c.hc, c.base, c.token, name, g.Reader())
		if err != nil || code != 201 {
			t.Fatalf("upload %s: %d %v %s", name, code, err, body)
		}
		return docID(body)
	}
	acked := map[string]string{}
	// Older documents in system storage, moved to the drive later.
	for i := range 4 {
		name := fmt.Sprintf("older-%d.pdf", i)
		acked[upload(name, genPDF{Label: "Older document " + name, Pad: int64(rng.IntN(1 << 20)), Seed: rng.Uint64()})] = name
	}
	for id := range acked {
		c.waitReady(id)
	}

	// A slow drive, so the kill lands while workers talk to it.
	dav.SetDelay(150 * time.Millisecond)
	acc := c.json("POST", "/api/cloud/nextcloud", map[string]any{"server_url": dav.URL, "username": "grace", "password": "app-pass-5678"}, 201)
	accID, _ := acc["id"].(string)
	c.json("PUT", "/api/settings/storage", map[string]any{"backend": accID}, 200)
	if code, b, _ := c.call("POST", "/api/settings/storage/migrate", nil, ""); code >= 300 {
		t.Fatalf("move older documents: %d %s", code, b)
	}
	for i := range 6 {
		name := fmt.Sprintf("new-%d.pdf", i)
		acked[upload(name, genPDF{Label: "New document " + name, Pad: int64(rng.IntN(2 << 20)), Seed: rng.Uint64()})] = name
	}
	placed := func() int {
		n := 0
		for id := range acked {
			d := c.json("GET", "/api/documents/"+id, nil, 200)["document"].(map[string]any)
			if st := d["storage"].(map[string]any); st["state"] == "placed" && st["backend"] == accID {
				n++
			}
		}
		return n
	}
	want := 1 + rng.IntN(len(acked)-3)
	deadline := time.Now().Add(3 * time.Minute)
	for n := placed(); n < want; n = placed() {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d documents placed in the drive after 3 minutes\n%s", n, len(acked), tail(withoutHTTP(v.p.logs.String()), 60))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
	n := placed()
	if n == len(acked) {
		t.Logf("every document was placed before the kill; the crash lands after placement")
	}
	v.crash(fmt.Sprintf("during cloud placement (%d of %d documents placed)", n, len(acked)))

	// After the restart every placement finishes: each document is in the
	// drive exactly once, byte-identical, and downloads from it.
	dav.SetDelay(0)
	waitFor(t, "every document placed after the restart", func() bool { return placed() == len(acked) })
	v.verifyAll(acked, nil)
	files := dav.Files(t, cloud.Folder)
	if len(files) != len(acked) {
		t.Fatalf("the drive holds %d files for %d documents: %v", len(files), len(acked), files)
	}
	byName := map[string]genPDF{}
	for _, name := range acked {
		byName[strings.TrimSuffix(name, ".pdf")] = v.files[name]
	}
	for _, f := range files {
		stem, _, named := strings.Cut(f, " (")
		g, ok := byName[stem]
		if !named || !ok {
			t.Fatalf("drive file %q belongs to no document", f)
		}
		if got := dav.Read(t, cloud.Folder+"/"+f); int64(len(got)) != g.Size() || sha256.Sum256(got) != g.Sum() {
			t.Fatalf("drive file %q (%d bytes) differs from the upload (%d bytes)", f, len(got), g.Size())
		}
	}
	// Two documents stay in system storage, so the export reads both places.
	c.json("PUT", "/api/settings/storage", map[string]any{"backend": "system"}, 200)
	for _, name := range []string{"system-0.pdf", "system-1.pdf"} {
		id := upload(name, genPDF{Label: "System document " + name, Pad: int64(rng.IntN(1 << 20)), Seed: rng.Uint64()})
		acked[id] = name
		c.waitReady(id)
	}
	v.verifyAll(acked, nil)
	v.p.stop(t)
	if out := checkOK(t, env); !strings.Contains(out, fmt.Sprintf("%d originals checked in cloud drives", len(acked)-2)) {
		t.Fatalf("check did not verify the drive's originals:\n%s", out)
	}

	// Export, killed while it copies originals, then run again.
	backupDir := filepath.Join(t.TempDir(), "backup")
	dav.SetDelay(100 * time.Millisecond)
	killAfter := 1 + rng.IntN(len(acked)-2)
	cmd := exec.Command(binPath, "export", backupDir)
	cmd.Env = append(os.Environ(), env...)
	var exportLog strings.Builder
	cmd.Stdout, cmd.Stderr = &exportLog, &exportLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	copied := func() int {
		m, _ := filepath.Glob(filepath.Join(backupDir, "blobs", "*"))
		n := 0
		for _, f := range m {
			if !strings.HasSuffix(f, ".part") {
				n++
			}
		}
		return n
	}
	deadline = time.Now().Add(3 * time.Minute)
	for copied() < killAfter {
		select {
		case err := <-done:
			t.Fatalf("export ended (%v) before %d originals were copied:\n%s", err, killAfter, exportLog.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("export copied %d originals in 3 minutes:\n%s", copied(), exportLog.String())
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	t.Logf("killed docuvault export with SIGKILL after %d of %d originals", copied(), len(acked))
	if _, err := os.Stat(filepath.Join(backupDir, "manifest.json")); !os.IsNotExist(err) {
		t.Fatalf("a killed export left a manifest (a backup that looks complete): %v", err)
	}
	dav.SetDelay(0)
	if stdout, stderr, code := runCommand(t, env, "export", backupDir); code != 0 || !strings.Contains(stdout, fmt.Sprintf("%d documents", len(acked))) {
		t.Fatalf("export run again: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// The backup restores, every checksum verified, into a new instance.
	env2 := []string{"DATA_DIR=" + t.TempDir(), "HIBP_URL=off"}
	if stdout, stderr, code := runCommand(t, env2, "import", backupDir); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	checkOK(t, env2)
	srv2 := startServe(t, env2...)
	c2 := login(t, srv2.addr, "grace@example.com", crashUserPassword)
	for id, name := range acked {
		g := v.files[name]
		if code, sum, size := downloadSum(c2, id); code != 200 || sum != g.Sum() {
			t.Fatalf("%s from the restored instance: %d, %d bytes of %d", name, code, size, g.Size())
		}
	}
	if me := c2.json("GET", "/api/me", nil, 200)["user"].(map[string]any); me["document_count"] != float64(len(acked)) {
		t.Fatalf("restored instance counts %v documents, want %d", me["document_count"], len(acked))
	}
	srv2.stop(t)
}
