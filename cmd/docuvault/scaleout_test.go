package main

// Scale-out (issue 10): two `serve` and two `worker` processes of the real
// binary on one PostgreSQL, one S3 bucket and Redis. Documents uploaded
// through both servers all end ready exactly once although a worker is
// killed with SIGKILL in the middle of a job; search and downloads work
// through either server; rate limits and token revocation hold across
// nodes; periodic jobs run once; `docuvault check` finds nothing wrong.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/blob/blobtest"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// leaderID is the River client currently elected leader.
func leaderID(t *testing.T, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var id string
	err = c.QueryRow(ctx, `SELECT leader_id FROM river_leader`).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "" // no leader elected yet
	}
	if err != nil {
		t.Fatalf("read the River leader: %v", err)
	}
	return id
}

func TestScaleOut(t *testing.T) {
	redisU := redisURL(t, 11)
	s3 := blobtest.StartS3(t)
	dbURL := storetest.PostgresURL(t)
	common := []string{"DATABASE_URL=" + dbURL, "MINIO_ENDPOINT=" + s3.Endpoint, "MINIO_ACCESS_KEY=" + s3.AccessKey,
		"MINIO_SECRET_KEY=" + s3.SecretKey, "MINIO_BUCKET=" + s3.Bucket, "MINIO_REGION=" + s3.Region,
		"REDIS_URL=" + redisU, "SECRET_KEY=" + randomSecret(), "CLOUD_CREDS_KEY=" + randomSecret(),
		"HIBP_URL=off", "ADMIN_EMAIL=" + crashAdminEmail, "ADMIN_PASSWORD=" + crashAdminPassword, "WORKERS=2"}
	env := func() []string { return append(append([]string{}, common...), "DATA_DIR="+t.TempDir()) }
	checkEnv := env()

	if out, errs, code := runCommand(t, checkEnv, "migrate"); code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errs)
	}
	a := startServe(t, env()...)
	leader := a.riverClientID(t)
	deadline := time.Now().Add(time.Minute)
	for leaderID(t, dbURL) != leader {
		if time.Now().After(deadline) {
			t.Fatalf("the first server %s never became the River leader", leader)
		}
		time.Sleep(200 * time.Millisecond)
	}
	b := startServe(t, env()...)
	w1 := startWorker(t, env()...)
	w2 := startWorker(t, env()...)
	ids := map[string]*proc{}
	for _, p := range []*proc{a, b, w1, w2} {
		ids[p.riverClientID(t)] = p
	}
	if len(ids) != 4 {
		t.Fatalf("the four processes do not have four River client ids: %v", ids)
	}
	admin := login(t, a.addr, crashAdminEmail, crashAdminPassword)
	adminB := login(t, b.addr, crashAdminEmail, crashAdminPassword)

	t.Run("RateLimitsAcrossNodes", func(t *testing.T) { rateLimitsAcrossNodes(t, a.addr, b.addr) })
	t.Run("RevocationAcrossNodes", func(t *testing.T) { revocationAcrossNodes(t, a.addr, b.addr) })

	// Documents through both servers.
	reg := newClient(t, a.addr)
	reg.json("POST", "/api/auth/register", map[string]any{"email": "scale@example.com", "password": crashUserPassword}, 201)
	users := []*client{login(t, a.addr, "scale@example.com", crashUserPassword), login(t, b.addr, "scale@example.com", crashUserPassword)}
	hello, err := os.ReadFile("../../internal/extract/testdata/hello.pdf")
	if err != nil {
		t.Fatal(err)
	}
	type upload struct {
		name string
		body []byte
	}
	var files []upload
	files = append(files, upload{"hello.pdf", hello})
	for i := 1; i < 20; i++ {
		if i%2 == 0 {
			pdf, _ := io.ReadAll(genPDF{Label: fmt.Sprintf("Scale-out PDF %d", i), Pad: int64(i * 2048), Seed: uint64(i)}.Reader())
			files = append(files, upload{fmt.Sprintf("scan-%02d.pdf", i), pdf})
		} else {
			files = append(files, upload{fmt.Sprintf("note-%02d.txt", i), []byte(fmt.Sprintf("Scale-out note %d about the quokka%02d ledger.\n", i, i))})
		}
	}
	want := map[string]upload{}
	victim := w1.riverClientID(t)
	var killedJob string
	for i, f := range files {
		c := users[i%2]
		code, body, err := rawUpload(c.hc, c.base, c.token, f.name, strings.NewReader(string(f.body)))
		if err != nil || code != 201 {
			t.Fatalf("upload %s through %s: %d %v %s", f.name, c.base, code, err, body)
		}
		want[docID(body)] = f
		if killedJob == "" {
			for _, j := range runningJobs(t, checkEnv) {
				if j.Owner == victim && j.Kind == "document.process" {
					w1.kill(t)
					killedJob = fmt.Sprintf("job %d (%s)", j.ID, j.Kind)
					break
				}
			}
		}
	}
	// Still alive? Wait for it to take a job from what is queued.
	for deadline := time.Now().Add(time.Minute); killedJob == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, j := range runningJobs(t, checkEnv) {
			if j.Owner == victim && j.Kind == "document.process" {
				w1.kill(t)
				killedJob = fmt.Sprintf("job %d (%s)", j.ID, j.Kind)
				break
			}
		}
	}
	if killedJob == "" {
		t.Fatalf("worker 1 (%s) never held a document.process job to be killed in the middle of", victim)
	}
	t.Logf("killed worker 1 with SIGKILL while it ran %s", killedJob)
	live := []string{a.riverClientID(t), b.riverClientID(t), w2.riverClientID(t)}

	diagnose := func() string { return jobSummary(jobsOf(admin, "available,scheduled,running,retryable,discarded")) }
	for _, c := range users {
		docs := waitSettled(c, 3*time.Minute, func() []string { return orphanedJobs(t, checkEnv, live...) }, diagnose)
		if len(docs) != len(want) {
			t.Fatalf("%s lists %d documents, %d were uploaded", c.base, len(docs), len(want))
		}
		for id, d := range docs {
			if _, ok := want[id]; !ok || d["status"] != "ready" {
				t.Fatalf("document %s through %s: %v %v", id, c.base, d["status"], d["error"])
			}
		}
	}

	// Exactly one processing job per document, all completed, none failed.
	// The killed worker's job may have finished the document's work before
	// the kill and then be run again (idempotently) after the requeue, so
	// wait for the jobs to end, not only for the documents.
	var processJobs, otherStates []map[string]any
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
		processJobs, otherStates = nil, nil
		for _, j := range jobsOf(admin, "available,scheduled,running,retryable,completed,cancelled,discarded") {
			if j["kind"] == "document.process" {
				processJobs = append(processJobs, j)
				if j["state"] != "completed" {
					otherStates = append(otherStates, j)
				}
			}
		}
		unfinished := false
		for _, j := range otherStates {
			switch j["state"] {
			case "available", "scheduled", "running", "retryable":
				unfinished = true
			}
		}
		if !unfinished || time.Now().After(deadline) {
			break
		}
	}
	if len(processJobs) != len(want) || len(otherStates) > 0 {
		t.Fatalf("%d documents but %d document.process jobs; not completed:\n%sheld by dead processes: %v", len(want), len(processJobs), jobSummary(otherStates), orphanedJobs(t, checkEnv, live...))
	}

	// Search and downloads through either server.
	for _, c := range users {
		found := c.json("GET", "/api/documents?q="+url.QueryEscape("quokka07"), nil, 200)["items"].([]any)
		if len(found) != 1 || want[found[0].(map[string]any)["id"].(string)].name != "note-07.txt" {
			t.Fatalf("search through %s: %v", c.base, found)
		}
		for id, f := range want {
			code, sum, n := downloadSum(c, id)
			if code != 200 || sum != sha256.Sum256(f.body) {
				t.Fatalf("download %s (%s) through %s: %d, %d bytes, not the %d uploaded", id, f.name, c.base, code, n, len(f.body))
			}
		}
	}

	// Periodic jobs: the leader enqueued each run-on-start job once, for
	// four processes; no leader change happened that would run them again.
	if got := leaderID(t, dbURL); got != leader {
		t.Fatalf("leadership moved from %s to %s during the test; the periodic counts below would not mean anything", leader, got)
	}
	for _, kind := range []string{"purge-expired", "audit-log-daily-export"} {
		var runs []map[string]any
		for _, j := range jobsOf(adminB, "available,scheduled,running,retryable,completed,cancelled,discarded") {
			if j["kind"] == kind {
				runs = append(runs, j)
			}
		}
		if len(runs) != 1 || runs[0]["state"] != "completed" {
			t.Fatalf("periodic job %s ran %d times across 4 processes, want once, completed:\n%s", kind, len(runs), jobSummary(runs))
		}
	}

	for _, p := range []*proc{a, b, w2} {
		p.stop(t)
	}
	out := checkOK(t, checkEnv)
	t.Logf("docuvault check:\n%s", out)
}

// rateLimitsAcrossNodes: bad logins for one account from one address, spread over both servers,
// are refused at the same count as on one server.
func rateLimitsAcrossNodes(t *testing.T, a, b string) {
	firstRefusal := func(email string, bases ...string) int {
		reg := newClient(t, a)
		reg.json("POST", "/api/auth/register", map[string]any{"email": email, "password": crashUserPassword}, 201)
		limit := int(auth.DefaultLimits.LoginPerAccountIP.N)
		for i := 1; i <= limit+2; i++ {
			c := newClient(t, bases[i%len(bases)])
			code, body, h := c.call("POST", "/api/auth/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"wrong password %d"}`, email, i)), "application/json")
			switch code {
			case 401:
			case 429:
				if h.Get("Retry-After") == "" {
					t.Fatalf("429 without Retry-After: %s", body)
				}
				return i
			default:
				t.Fatalf("bad login %d: %d %s", i, code, body)
			}
		}
		return -1
	}
	one := firstRefusal("limit-one@example.com", a)
	two := firstRefusal("limit-two@example.com", a, b)
	if want := int(auth.DefaultLimits.LoginPerAccountIP.N) + 1; one != want || two != want {
		t.Fatalf("first 429 at attempt %d on one node and %d over two nodes; want %d for both", one, two, want)
	}
	// The right password is refused too while the account is limited, on both.
	for _, base := range []string{a, b} {
		c := newClient(t, base)
		if code, body, _ := c.call("POST", "/api/auth/login", strings.NewReader(`{"email":"limit-two@example.com","password":"`+crashUserPassword+`"}`), "application/json"); code != 429 {
			t.Fatalf("limited account logs in through %s: %d %s", base, code, body)
		}
	}
}

// revocationAcrossNodes: a token signed out on one server is refused by the
// other.
func revocationAcrossNodes(t *testing.T, a, b string) {
	reg := newClient(t, a)
	reg.json("POST", "/api/auth/register", map[string]any{"email": "revoke@example.com", "password": crashUserPassword}, 201)
	onA := login(t, a, "revoke@example.com", crashUserPassword)
	onB := newClient(t, b)
	onB.token = onA.token
	onB.json("GET", "/api/me", nil, 200)
	if code, body, _ := onA.call("POST", "/api/auth/logout", nil, ""); code != 204 {
		t.Fatalf("logout on A: %d %s", code, body)
	}
	if code, body, _ := onB.call("GET", "/api/me", nil, ""); code != 401 {
		t.Fatalf("the token signed out on A still works on B: %d %s", code, body)
	}
	if code, _, _ := onA.call("GET", "/api/me", nil, ""); code != 401 {
		t.Fatalf("the token signed out on A still works on A: %d", code)
	}
}
