package main

// Crash safety (issues 4 and 11): the real binary is killed with SIGKILL
// during uploads, during processing and during deletes and purges, on the
// embedded default (SQLite + local blobs) and on PostgreSQL + S3, and is
// restarted on the same data. Nothing acknowledged may be lost, no row may
// lack its blob, every job must finish, and `docuvault check` must agree.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/app"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/blob/blobtest"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

const (
	crashAdminEmail    = "admin@example.com"
	crashAdminPassword = "admin passphrase for the crash tests"
	crashUserPassword  = "a long enough passphrase"
)

// crashSeed is the seed of every random choice (sizes, kill points); set
// DOCUVAULT_CRASH_SEED to replay a failure.
func crashSeed(t *testing.T) uint64 {
	seed := uint64(20261125)
	if v := os.Getenv("DOCUVAULT_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("DOCUVAULT_CRASH_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("crash seed %d (replay with DOCUVAULT_CRASH_SEED=%d)", seed, seed)
	return seed
}

func TestCrashSafetyEmbedded(t *testing.T) {
	seed := crashSeed(t)
	crashSuite(t, seed, []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "data")})
}

func TestCrashSafetyPostgresS3(t *testing.T) {
	seed := crashSeed(t)
	crashSuite(t, seed, postgresS3Env(t))
}

// postgresS3Env is the environment of an instance on a fresh PostgreSQL
// database and a real S3 server.
func postgresS3Env(t *testing.T) []string {
	s3 := blobtest.StartS3(t)
	return []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "data"), "DATABASE_URL=" + storetest.PostgresURL(t),
		"MINIO_ENDPOINT=" + s3.Endpoint, "MINIO_ACCESS_KEY=" + s3.AccessKey, "MINIO_SECRET_KEY=" + s3.SecretKey,
		"MINIO_BUCKET=" + s3.Bucket, "MINIO_REGION=" + s3.Region}
}

// vault is one instance under test across its restarts.
type vault struct {
	t      *testing.T
	env    []string
	p      *proc
	admin  *client
	users  []*client
	files  map[string]genPDF // original filename -> content, for every upload ever tried
	filesM sync.Mutex
}

func (v *vault) start() {
	v.p = startServe(v.t, v.env...)
	for _, c := range append([]*client{v.admin}, v.users...) {
		if c != nil {
			c.base = v.p.addr
		}
	}
}

// crash kills the server with SIGKILL and starts it again on the same data.
func (v *vault) crash(why string) {
	v.t.Helper()
	v.p.kill(v.t)
	v.t.Logf("killed the server with SIGKILL %s", why)
	v.start()
}

func (v *vault) remember(name string, g genPDF) {
	v.filesM.Lock()
	defer v.filesM.Unlock()
	v.files[name] = g
}

func crashSuite(t *testing.T, seed uint64, env []string) {
	rng := rand.New(rand.NewPCG(seed, 0xD0C))
	v := &vault{t: t, files: map[string]genPDF{},
		env: append(env, "HIBP_URL=off", "ADMIN_EMAIL="+crashAdminEmail, "ADMIN_PASSWORD="+crashAdminPassword, "WORKERS=2")}
	v.start()
	v.admin = login(t, v.p.addr, crashAdminEmail, crashAdminPassword)
	for i := range 2 {
		email := fmt.Sprintf("crash%d@example.com", i)
		c := newClient(t, v.p.addr)
		c.json("POST", "/api/auth/register", map[string]any{"email": email, "password": crashUserPassword}, 201)
		v.users = append(v.users, login(t, v.p.addr, email, crashUserPassword))
	}

	acked := crashDuringUploads(v, rng)
	v.verifyAll(acked, nil)

	acked2 := crashDuringProcessing(v, rng)
	for id, name := range acked2 {
		acked[id] = name
	}
	v.verifyAll(acked, nil)

	purged, tried := crashDuringPurges(v, rng)
	for _, id := range tried {
		delete(acked, id) // a purge cut by the crash may or may not have committed
	}
	v.verifyAll(acked, purged)

	v.p.stop(t)
	out := checkOK(t, v.env)
	t.Logf("docuvault check after the crashes:\n%s", out)
	sweepOrphans(t, v.env)
}

// crashDuringUploads starts concurrent uploads, some of 20-50 MB, and kills
// the server while one large upload is half sent. It returns the documents
// acknowledged with 201 before the kill (id -> filename).
func crashDuringUploads(v *vault, rng *rand.Rand) map[string]string {
	t := v.t
	acked := map[string]string{}
	var mu sync.Mutex
	ack := func(body []byte, name string) {
		mu.Lock()
		defer mu.Unlock()
		acked[docID(body)] = name
	}
	// A few documents committed well before the crash.
	for i, c := range v.users {
		for j := range 2 {
			name := fmt.Sprintf("before-%d-%d.pdf", i, j)
			g := genPDF{Label: "Before crash " + name, Pad: int64(rng.IntN(200 << 10)), Seed: rng.Uint64()}
			v.remember(name, g)
			code, body, err := rawUpload(c.hc, c.base, c.token, name, g.Reader())
			if err != nil || code != 201 {
				t.Fatalf("upload %s: %d %v %s", name, code, err, body)
			}
			ack(body, name)
		}
	}

	reached := make(chan struct{})
	killed := make(chan struct{})
	type job struct {
		user int
		name string
		g    genPDF
		cut  bool
	}
	var jobs []job
	for i := range 3 { // user 0: three large files, one of which is cut by the crash
		pad := int64(20<<20 + rng.IntN(30<<20))
		jobs = append(jobs, job{0, fmt.Sprintf("large-%d.pdf", i), genPDF{Label: fmt.Sprintf("Large upload %d", i), Pad: pad, Seed: rng.Uint64()}, i == 0})
	}
	for i := range 2 { // user 1: one large file and a stream of small ones
		pad := int64(rng.IntN(64 << 10))
		if i == 0 {
			pad = int64(20<<20 + rng.IntN(30<<20))
		}
		jobs = append(jobs, job{1, fmt.Sprintf("during-%d.pdf", i), genPDF{Label: fmt.Sprintf("During upload %d", i), Pad: pad, Seed: rng.Uint64()}, false})
	}
	cutAt := int64(0)
	var wg sync.WaitGroup
	var results sync.Map // name -> string outcome
	for _, j := range jobs {
		v.remember(j.name, j.g)
		var r io.Reader = j.g.Reader()
		if j.cut {
			cutAt = j.g.Size()/5 + rng.Int64N(j.g.Size()*3/5)
			t.Logf("the crash lands after %d of %d bytes of %s", cutAt, j.g.Size(), j.name)
			r = &gate{r: r, cut: cutAt, reached: reached, release: killed}
		}
		c := v.users[j.user]
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, err := rawUpload(&http.Client{}, c.base, c.token, j.name, r)
			results.Store(j.name, fmt.Sprintf("%d %v", code, err))
			if err == nil && code == 201 {
				ack(body, j.name)
			}
		}()
	}
	// A stream of small uploads by user 1 until the server dies.
	var streamed atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := v.users[1]
		for i := 0; ; i++ {
			select {
			case <-killed:
				return
			default:
			}
			name := fmt.Sprintf("stream-%d.pdf", i)
			g := genPDF{Label: "Streamed " + name, Pad: int64(i * 1000), Seed: uint64(i)}
			v.remember(name, g)
			code, body, err := rawUpload(&http.Client{}, c.base, c.token, name, g.Reader())
			if err != nil {
				return
			}
			if code == 201 {
				streamed.Add(1)
				ack(body, name)
			}
		}
	}()
	select {
	case <-reached:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the large upload never reached byte %d", cutAt)
	}
	time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
	v.p.kill(t)
	close(killed)
	wg.Wait()
	t.Logf("killed the server with SIGKILL during uploads; %d acknowledged (%d streamed)", len(acked), streamed.Load())
	results.Range(func(k, val any) bool {
		t.Logf("  %s: %s", k, val)
		return true
	})
	for _, name := range acked {
		if name == jobs[0].name {
			t.Fatalf("%s was acknowledged although only %d of its %d bytes were sent", name, cutAt, jobs[0].g.Size())
		}
	}
	if len(acked) < 4 {
		t.Fatalf("only %d uploads acknowledged before the crash", len(acked))
	}
	v.start()
	return acked
}

// gate passes cut bytes, then says so and fails once released.
type gate struct {
	r       io.Reader
	n, cut  int64
	reached chan struct{}
	release <-chan struct{}
	once    sync.Once
}

func (g *gate) Read(p []byte) (int, error) {
	if g.n >= g.cut {
		g.once.Do(func() { close(g.reached) })
		<-g.release
		return 0, errors.New("the server was killed")
	}
	if int64(len(p)) > g.cut-g.n {
		p = p[:g.cut-g.n]
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// crashDuringProcessing queues many PDFs and kills the server while some are
// processed and others wait.
func crashDuringProcessing(v *vault, rng *rand.Rand) map[string]string {
	t := v.t
	c := v.users[0]
	const n = 16
	acked := map[string]string{}
	var mu sync.Mutex
	parallel(4, func(w int) {
		for i := w; i < n; i += 4 {
			name := fmt.Sprintf("batch-%02d.pdf", i)
			g := genPDF{Label: "Batch document " + strconv.Itoa(i), Pad: int64(i * 4096), Seed: uint64(1000 + i)}
			v.remember(name, g)
			code, body, err := rawUpload(c.hc, c.base, c.token, name, g.Reader())
			if err != nil || code != 201 {
				t.Errorf("upload %s: %d %v %s", name, code, err, body)
				continue
			}
			mu.Lock()
			acked[docID(body)] = name
			mu.Unlock()
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	// Kill once some of the batch is ready and some is not.
	want := 1 + rng.IntN(4)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ready := 0
		for id := range acked {
			if c.json("GET", "/api/documents/"+id, nil, 200)["document"].(map[string]any)["status"] == "ready" {
				ready++
			}
		}
		if ready >= want {
			if ready == len(acked) {
				t.Logf("all %d documents were processed before the kill; the crash lands after processing", ready)
			}
			v.crash(fmt.Sprintf("during processing (%d of %d ready)", ready, len(acked)))
			return acked
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d of %d documents processed after 2 minutes\n%s", want, len(acked), v.p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// crashDuringPurges trashes and purges documents from several goroutines
// and kills the server after a random number of purges were acknowledged.
// It returns the ids whose purge was acknowledged, and all it tried.
func crashDuringPurges(v *vault, rng *rand.Rand) (map[string]bool, []string) {
	t := v.t
	c := v.users[0]
	docs := allDocuments(c, "")
	var ids []string
	for id := range docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	ids = ids[:len(ids)*2/3]
	killAfter := int64(2 + rng.IntN(len(ids)/2))
	purged := map[string]bool{}
	var mu sync.Mutex
	var count atomic.Int64
	killed := make(chan struct{})
	var once sync.Once
	hc := &http.Client{Timeout: time.Minute}
	do := func(method, path string) (int, error) {
		req, _ := http.NewRequest(method, c.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("User-Agent", "docuvault-journey-test")
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	parallel(3, func(w int) {
		for i := w; i < len(ids); i += 3 {
			select {
			case <-killed:
				return
			default:
			}
			if code, err := do("DELETE", "/api/documents/"+ids[i]); err != nil || code != 204 {
				return
			}
			code, err := do("DELETE", "/api/trash/"+ids[i])
			if err != nil || code != 204 {
				return
			}
			mu.Lock()
			purged[ids[i]] = true
			mu.Unlock()
			if count.Add(1) == killAfter {
				once.Do(func() {
					v.p.kill(t)
					close(killed)
				})
			}
		}
	})
	select {
	case <-killed:
	default:
		t.Fatalf("only %d purges happened; wanted to kill after %d", count.Load(), killAfter)
	}
	t.Logf("killed the server with SIGKILL during purges: %d purges acknowledged of %d tried", len(purged), len(ids))
	v.start()
	return purged, ids
}

// verifyAll checks, after a restart, that every acknowledged document is
// there and downloads byte-identical, that every document the server kept
// (acknowledged or not) is complete and ends ready, that purged documents
// are gone, and that usage counters add up.
func (v *vault) verifyAll(acked map[string]string, purged map[string]bool) {
	t := v.t
	t.Helper()
	diagnose := func() string {
		return "jobs not finished:\n" + jobSummary(jobsOf(v.admin, "available,scheduled,running,retryable,discarded")) + "\nserver log:\n" + tail(withoutHTTP(v.p.logs.String()), 60)
	}
	seen := map[string]bool{}
	for _, c := range v.users {
		docs := waitSettled(c, 2*time.Minute, func() []string { return orphanedJobs(t, v.env, v.p.riverClientID(t)) }, diagnose)
		var sum float64
		for id, d := range docs {
			seen[id] = true
			name := d["original_filename"].(string)
			if d["status"] != "ready" {
				t.Errorf("document %s (%s) ended %v: %v", id, name, d["status"], d["error"])
			}
			g, ok := v.files[name]
			if !ok {
				t.Errorf("document %s has a filename %q nobody uploaded", id, name)
				continue
			}
			code, got, n := downloadSum(c, id)
			if code != 200 || got != g.Sum() {
				t.Errorf("document %s (%s) downloads %d, %d bytes, not the %d bytes uploaded", id, name, code, n, g.Size())
			}
			sum += d["size_bytes"].(float64)
		}
		count := float64(len(docs))
		for _, it := range c.json("GET", "/api/trash?limit=200", nil, 200)["items"].([]any) {
			d := it.(map[string]any)
			seen[d["id"].(string)] = true
			sum += d["size_bytes"].(float64)
			count++
		}
		me := c.json("GET", "/api/me", nil, 200)["user"].(map[string]any)
		if me["used_bytes"] != sum || me["document_count"] != count {
			t.Errorf("%s: usage says %v bytes in %v documents, the documents add up to %v in %v", me["email"], me["used_bytes"], me["document_count"], sum, count)
		}
	}
	for id, name := range acked {
		if !seen[id] {
			t.Errorf("acknowledged document %s (%s) is lost after the crash", id, name)
		}
	}
	for id := range purged {
		if seen[id] {
			t.Errorf("document %s was purged (204) but is back after the crash", id)
		}
	}
	for _, j := range jobsOf(v.admin, "discarded,cancelled") {
		if j["kind"] == "document.process" {
			t.Errorf("a processing job gave up: %v", jobSummary([]map[string]any{j}))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// withoutHTTP drops the access log lines.
func withoutHTTP(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "msg=http ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// sweepOrphans opens the stopped instance directly: every blob is either a
// document's (original or thumbnail), a pending upload's, an audit export,
// or an orphan that a crash left between writing a blob and committing its
// row. It plants one such orphan too, then runs the cleanup job's sweep and
// shows it removes exactly the orphans and nothing a document needs.
func sweepOrphans(t *testing.T, env []string) {
	ctx := context.Background()
	cfg, err := configOf(env)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	orphans := func() []string {
		var out []string
		err := a.Blobs.List(ctx, "", func(info blob.Info) error {
			if strings.HasPrefix(info.Key, "audit/") {
				return nil
			}
			known, err := a.Store.BlobKeyKnown(ctx, info.Key)
			if err != nil || known {
				return err
			}
			pending, err := a.Store.IsPendingUploadKey(ctx, info.Key)
			if err != nil || pending {
				return err
			}
			out = append(out, info.Key)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(out)
		return out
	}
	before := orphans()
	t.Logf("orphan blobs left by the crashes: %v", before)
	planted := "0194f0c0-0000-7000-8000-000000000000/0194f0c0-0000-7000-8000-000000000001/crash-window.pdf"
	if _, err := a.Blobs.Put(ctx, planted, strings.NewReader("%PDF-1.4 written, never committed"), -1, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	// A young orphan is not a problem: an upload may be between its blob
	// and its row.
	checkOK(t, env)
	docs, err := document.New(a.Store, a.Blobs, nil, nil, document.Config{SecretKey: cfg.SecretKey, OrphanGrace: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	removed, err := docs.SweepOrphans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(removed)
	want := append(append([]string{}, before...), planted)
	sort.Strings(want)
	if strings.Join(removed, ",") != strings.Join(want, ",") {
		t.Fatalf("the sweep removed %v, want the orphans %v", removed, want)
	}
	if left := orphans(); len(left) != 0 {
		t.Fatalf("orphans left after the sweep: %v", left)
	}
	// The sweep took nothing a document needs: a full check (every blob read
	// and hashed) still finds everything.
	checkOK(t, env)
}
