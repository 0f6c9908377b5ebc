package main

// Helpers for the scale-out and crash-safety tests: more kinds of docuvault
// processes (worker, one-shot commands), SIGKILL, Redis, generated PDFs of
// any size and uploads that tolerate a dying server.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/store"
)

var (
	workerStartedRE = regexp.MustCompile(`msg="worker started"`)
	riverClientRE   = regexp.MustCompile(`msg="jobs started" component=jobs database=\S+ client_id=(\S+)`)
)

// startWorker runs `docuvault worker` with env and waits for its
// "worker started" line.
func startWorker(t *testing.T, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(binPath, "worker")
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if workerStartedRE.MatchString(line) {
				select {
				case started <- struct{}{}:
				default:
				}
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case <-started:
	case err := <-p.done:
		t.Fatalf("docuvault worker exited before starting: %v\n%s", err, p.logs)
	case <-time.After(120 * time.Second):
		t.Fatalf("docuvault worker did not start within 2 minutes\n%s", p.logs)
	}
	return p
}

// riverClientID is the job engine's client id from the process's log, which
// River records in river_job.attempted_by of the jobs the process works.
func (p *proc) riverClientID(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := riverClientRE.FindStringSubmatch(p.logs.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q line in the process log\n%s", "jobs started", p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL (no cleanup of any kind) and waits.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("process %d did not die on SIGKILL", p.cmd.Process.Pid)
	}
}

// runCommand runs a one-shot docuvault command (check, migrate, ...) with env
// and returns its stdout, stderr and exit status.
func runCommand(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("docuvault %v did not finish within 3 minutes\nstdout:\n%s\nstderr:\n%s", args, out.String(), errb.String())
	}
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("docuvault %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// checkOK runs `docuvault check` and fails unless it exits 0 saying OK.
func checkOK(t *testing.T, env []string, args ...string) string {
	t.Helper()
	out, errs, code := runCommand(t, env, append([]string{"check"}, args...)...)
	if code != 0 || !strings.Contains(out, "OK: nothing is lost or inconsistent") {
		t.Fatalf("docuvault check %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errs)
	}
	for _, bad := range []string{"MISSING", "WRONG SIZE", "WRONG CHECKSUM", "drifted", "missing from the search index", "stuck"} {
		if strings.Contains(out, bad) {
			t.Fatalf("docuvault check reports %q although it exited 0:\n%s", bad, out)
		}
	}
	return out
}

// redisURL returns a URL of a Redis database of its own for this test,
// emptied first. Without Redis the test is skipped, or fails when CI=true.
func redisURL(t *testing.T, db int) string {
	t.Helper()
	addr := os.Getenv("DOCUVAULT_TEST_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s is required in CI: %v", addr, err)
		}
		t.Skipf("SKIPPING: no Redis at %s (%v); set DOCUVAULT_TEST_REDIS_ADDR", addr, err)
	}
	c.Close()
	u := fmt.Sprintf("redis://%s/%d", addr, db)
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	if err := rc.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("FLUSHDB on %s: %v", u, err)
	}
	return u
}

// genPDF is a valid one-page PDF showing Label, padded with Pad bytes of
// seeded random data in an unreferenced stream: any size, streamed, cheap to
// extract, and reproducible for byte comparisons.
type genPDF struct {
	Label string
	Pad   int64
	Seed  uint64
}

func (g genPDF) parts() (prefix, suffix string) {
	content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", g.Label)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int64, 0, 6)
	for i, o := range objs {
		offsets = append(offsets, int64(b.Len()))
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	offsets = append(offsets, int64(b.Len()))
	fmt.Fprintf(&b, "6 0 obj\n<< /Length %d >>\nstream\n", g.Pad)
	prefix = b.String()
	tail := "\nendstream\nendobj\n"
	xref := int64(len(prefix)) + g.Pad + int64(len(tail))
	var s strings.Builder
	s.WriteString(tail)
	s.WriteString("xref\n0 7\n0000000000 65535 f \n")
	for _, off := range offsets {
		fmt.Fprintf(&s, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&s, "trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return prefix, s.String()
}

// Reader streams the file.
func (g genPDF) Reader() io.Reader {
	prefix, suffix := g.parts()
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], g.Seed)
	copy(seed[8:], g.Label)
	return io.MultiReader(strings.NewReader(prefix), io.LimitReader(rand.NewChaCha8(seed), g.Pad), strings.NewReader(suffix))
}

// Size is the file's length in bytes.
func (g genPDF) Size() int64 {
	prefix, suffix := g.parts()
	return int64(len(prefix)) + g.Pad + int64(len(suffix))
}

// Sum is the file's SHA-256.
func (g genPDF) Sum() [32]byte {
	h := sha256.New()
	_, _ = io.Copy(h, g.Reader())
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// rawUpload posts a multipart upload streamed from r and returns the status
// and body, or the transport error (a server killed mid-request). It never
// calls t.Fatal, so goroutines may use it.
func rawUpload(hc *http.Client, base, token, name string, r io.Reader) (int, []byte, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(w, r)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, base+"/api/documents", pr)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "docuvault-journey-test") // the token is bound to it
	res, err := hc.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// docID returns the id of the document in a 201 answer.
func docID(body []byte) string {
	var out struct {
		Document struct {
			ID string `json:"id"`
		} `json:"document"`
	}
	_ = json.Unmarshal(body, &out)
	return out.Document.ID
}

// downloadSum fetches a document's original through c and returns its
// status and SHA-256 (the bytes are not kept: some are large).
func downloadSum(c *client, id string) (int, [32]byte, int64) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+"/api/documents/"+id+"/download", nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", "docuvault-journey-test")
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("download %s: %v", id, err)
	}
	defer res.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, res.Body)
	if err != nil {
		c.t.Fatalf("download %s: %v", id, err)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return res.StatusCode, s, n
}

// login signs in and returns a client carrying the access token.
func login(t *testing.T, base, email, password string) *client {
	t.Helper()
	c := newClient(t, base)
	c.hc.Timeout = 5 * time.Minute
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": email, "password": password}, 200)["access_token"].(string)
	return c
}

// allDocuments lists every document of c's user (all pages) by id.
func allDocuments(c *client, query string) map[string]map[string]any {
	c.t.Helper()
	out := map[string]map[string]any{}
	cursor := ""
	for {
		path := "/api/documents?limit=200" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		page := c.json("GET", path, nil, 200)
		for _, it := range page["items"].([]any) {
			d := it.(map[string]any)
			out[d["id"].(string)] = d
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

// waitSettled polls until none of c's documents is processing and returns
// them; it fails naming the documents still processing after the deadline.
// orphans, when not nil, names jobs held by dead processes: while it
// reports some, the wait ends after orphanWait instead (they can only be
// finished by a recovery mechanism, never by the live processes).
// diagnose adds context (jobs, logs) to a failure.
func waitSettled(c *client, wait time.Duration, orphans func() []string, diagnose func() string) map[string]map[string]any {
	c.t.Helper()
	const orphanWait = 45 * time.Second
	deadline := time.Now().Add(wait)
	var orphanSince time.Time
	for {
		docs := allDocuments(c, "")
		var busy []string
		for id, d := range docs {
			if d["status"] != "ready" && d["status"] != "failed" {
				busy = append(busy, fmt.Sprintf("%s (%v, %v)", id, d["status"], d["original_filename"]))
			}
		}
		if len(busy) == 0 {
			return docs
		}
		var orphaned []string
		if orphans != nil {
			orphaned = orphans()
		}
		switch {
		case len(orphaned) == 0:
			orphanSince = time.Time{}
		case orphanSince.IsZero():
			orphanSince = time.Now()
		}
		if !orphanSince.IsZero() && time.Since(orphanSince) > orphanWait {
			c.t.Fatalf("%d document(s) stay processing because their jobs are still marked running by a process that was killed (for %v now); the liveness sweep (internal/jobs/liveness.go) should requeue them within about 25 s:\n  %s\ndocuments: %v",
				len(busy), orphanWait, strings.Join(orphaned, "\n  "), busy)
		}
		if time.Now().After(deadline) {
			extra := ""
			if diagnose != nil {
				extra = diagnose()
			}
			c.t.Fatalf("after %v, %d document(s) are still not processed: %v\n%s", wait, len(busy), busy, extra)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// jobsOf lists the jobs in the given states (comma-separated) through the
// admin API, all pages.
func jobsOf(admin *client, states string) []map[string]any {
	admin.t.Helper()
	var out []map[string]any
	cursor := ""
	for {
		path := "/api/admin/jobs?limit=200&state=" + states
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		page := admin.json("GET", path, nil, 200)
		for _, it := range page["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

// jobSummary is a short text of jobs for failure messages.
func jobSummary(jobs []map[string]any) string {
	var b strings.Builder
	for _, j := range jobs {
		fmt.Fprintf(&b, "  job %v %v %v attempt %v/%v errors %v\n", j["id"], j["kind"], j["state"], j["attempt"], j["max_attempts"], j["errors"])
	}
	return b.String()
}

// parallel runs fn(i) for i in [0,n) concurrently and waits.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}

// runningJob is a job in state running and the River client of its attempt.
type runningJob struct {
	ID, Attempt int64
	Kind, Owner string
}

// runningJobs reads the running jobs straight from the database of env.
func runningJobs(t *testing.T, env []string) []runningJob {
	t.Helper()
	ctx := context.Background()
	st, err := openStoreOf(env)
	if err != nil {
		t.Fatalf("open the database to look at jobs: %v", err)
	}
	defer st.Close()
	rows, err := st.DB().QueryContext(ctx, `SELECT id, kind, attempt, CAST(attempted_by AS TEXT) FROM river_job WHERE state = 'running'`)
	if err != nil {
		t.Fatalf("list running jobs: %v", err)
	}
	defer rows.Close()
	var out []runningJob
	for rows.Next() {
		var j runningJob
		var by sql.NullString
		if err := rows.Scan(&j.ID, &j.Kind, &j.Attempt, &by); err != nil {
			t.Fatal(err)
		}
		owners := strings.Split(strings.Trim(by.String, `{}[]`), ",")
		j.Owner = strings.Trim(owners[len(owners)-1], `" `)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// orphanedJobs lists running jobs whose current attempt belongs to a River
// client that is not one of live: the process working them is dead, and
// River leaves them running until its rescuer's horizon.
func orphanedJobs(t *testing.T, env []string, live ...string) []string {
	t.Helper()
	alive := map[string]bool{}
	for _, id := range live {
		alive[id] = true
	}
	var out []string
	for _, j := range runningJobs(t, env) {
		if !alive[j.Owner] {
			out = append(out, fmt.Sprintf("job %d (%s, attempt %d) held by dead client %s", j.ID, j.Kind, j.Attempt, j.Owner))
		}
	}
	return out
}

// jobsDump lists the jobs of kinds (all kinds when none) straight from the
// database of env, for a failure message.
func jobsDump(t *testing.T, env []string, kinds ...string) string {
	t.Helper()
	ctx := context.Background()
	st, err := openStoreOf(env)
	if err != nil {
		return err.Error()
	}
	defer st.Close()
	rows, err := st.DB().QueryContext(ctx, `SELECT id, kind, CAST(state AS TEXT), attempt, max_attempts, queue,
		CAST(scheduled_at AS TEXT), CAST(attempted_by AS TEXT), CAST(errors AS TEXT) FROM river_job ORDER BY id`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var b strings.Builder
	for rows.Next() {
		var id int64
		var attempt, maxAttempts int
		var kind, state, queue string
		var sched, by, errs sql.NullString
		if err := rows.Scan(&id, &kind, &state, &attempt, &maxAttempts, &queue, &sched, &by, &errs); err != nil {
			return err.Error()
		}
		if len(want) > 0 && !want[kind] {
			continue
		}
		fmt.Fprintf(&b, "job %d %s %s attempt %d/%d queue %s scheduled %s by %s errors %.300s\n",
			id, kind, state, attempt, maxAttempts, queue, sched.String, by.String, errs.String)
	}
	return b.String()
}

// goroutines asks the process for a goroutine dump (SIGQUIT: the Go runtime
// prints every goroutine's stack and exits) and returns its log.
func (p *proc) goroutines(t *testing.T) string {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
	}
	return p.logs.String()
}

// configOf is the configuration a process started with env has.
func configOf(env []string) (*config.Config, error) {
	m := map[string]string{}
	for _, kv := range append(os.Environ(), env...) {
		k, val, _ := strings.Cut(kv, "=")
		m[k] = val
	}
	return config.Load(func(k string) string { return m[k] })
}

// openStoreOf opens the database of a process started with env.
func openStoreOf(env []string) (*store.Store, error) {
	cfg, err := configOf(env)
	if err != nil {
		return nil, err
	}
	return store.Open(context.Background(), store.Options{DatabaseURL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath()})
}
