package jobs

// Liveness on PostgreSQL: the jobs of a process that died (SIGKILL, OOM,
// power loss) are run again within seconds instead of after River's rescuer
// horizon (RescueStuckJobsAfter, an hour), and a live process's job is never
// taken from it however long it runs.
//
// Every working process names its River client itself (clientIDPrefix plus
// random hex) and, before the client starts, takes a session-level shared
// advisory lock keyed by that name on a connection of its own. PostgreSQL
// releases the lock the moment the session ends, which a killed process
// cannot prevent. Every working process sweeps periodically: a running job
// whose current attempt belongs to one of our clients whose lock has been
// absent for deadAfter is made available again (or discarded when its
// attempts are used up, as River's rescuer does), with an error recorded on
// the attempt. The update is guarded by the job's state and owner, so two
// sweepers never requeue the same attempt twice and a job taken again in the
// meantime is left alone.
//
// A live process whose lock connection breaks takes the lock again at its
// next heartbeat (every interval); deadAfter is several intervals so a
// short database hiccup never looks like a death. Jobs attempted by clients
// without our prefix (an older DocuVault) are left to River's rescuer.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// clientIDPrefix starts the River client id of every DocuVault process
	// that holds a liveness lock.
	clientIDPrefix = "dvlive-"
	// livenessLockSpace is the first key of every liveness lock (two-key
	// advisory locks, apart from River's one-key locks).
	livenessLockSpace int32 = 0x44560a11
	// defaultLivenessInterval is how often the lock is checked and running
	// jobs are swept; deadAfter is livenessDeadFactor intervals.
	defaultLivenessInterval = 5 * time.Second
	livenessDeadFactor      = 4
)

// newClientID is a unique River client id carrying clientIDPrefix, the
// host name (for people reading logs) and random hex.
func newClientID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return '_'
	}, host)
	if len(host) > 40 {
		host = host[:40]
	}
	if host == "" {
		host = "unknown"
	}
	return clientIDPrefix + hex.EncodeToString(b) + "-" + host
}

// isOurs tells whether a client id was made by newClientID, so that its
// owner held a liveness lock.
func isOurs(id string) bool {
	rest, ok := strings.CutPrefix(id, clientIDPrefix)
	if !ok || len(rest) < 17 || rest[16] != '-' {
		return false
	}
	_, err := hex.DecodeString(rest[:16])
	return err == nil
}

// lockKey is the second key of a client's liveness lock (non-negative so it
// reads the same in pg_locks.objid).
func lockKey(id string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int32(h.Sum32() & 0x7fffffff)
}

// liveness holds this process's lock and sweeps the jobs of dead ones.
type liveness struct {
	id        string
	pool      *pgxpool.Pool
	db        *sql.DB
	log       *slog.Logger
	interval  time.Duration
	deadAfter time.Duration

	mu   sync.Mutex
	conn *pgx.Conn // the session holding the lock; nil while lost

	suspects map[string]time.Time // owner -> first sweep that found its lock absent
	cancel   context.CancelFunc
	done     chan struct{}
}

func newLiveness(id string, pool *pgxpool.Pool, db *sql.DB, log *slog.Logger, interval time.Duration) *liveness {
	if interval <= 0 {
		interval = defaultLivenessInterval
	}
	return &liveness{id: id, pool: pool, db: db, log: log, interval: interval,
		deadAfter: livenessDeadFactor * interval, suspects: map[string]time.Time{}}
}

// start takes the lock, then heartbeats and sweeps in the background until
// stop.
func (l *liveness) start(ctx context.Context) error {
	if err := l.lock(ctx); err != nil {
		return fmt.Errorf("jobs: liveness lock: %w", err)
	}
	ctx, l.cancel = context.WithCancel(context.WithoutCancel(ctx))
	l.done = make(chan struct{})
	go l.loop(ctx)
	return nil
}

// stop ends the loop and releases the lock by closing its session. Call it
// only once no job of this process runs any more.
func (l *liveness) stop() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
	l.cancel = nil
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.conn.Close(ctx)
		l.conn = nil
	}
}

// lock opens a session of its own and takes the shared advisory lock.
func (l *liveness) lock(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, l.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1::int4, $2::int4)`, livenessLockSpace, lockKey(l.id)); err != nil {
		_ = conn.Close(ctx)
		return err
	}
	l.mu.Lock()
	l.conn = conn
	l.mu.Unlock()
	return nil
}

func (l *liveness) loop(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.heartbeat(ctx)
		if err := l.sweep(ctx, time.Now()); err != nil && ctx.Err() == nil {
			l.log.Warn("liveness sweep failed", "err", err)
		}
	}
}

// heartbeat makes sure the lock is still held, taking it again on a new
// session when the old one was lost.
func (l *liveness) heartbeat(ctx context.Context) {
	l.mu.Lock()
	conn := l.conn
	l.mu.Unlock()
	if conn != nil {
		hctx, cancel := context.WithTimeout(ctx, l.interval)
		var held bool
		err := conn.QueryRow(hctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid()
			AND locktype = 'advisory' AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 2 AND granted)`,
			int64(livenessLockSpace), int64(lockKey(l.id))).Scan(&held)
		cancel()
		if err == nil && held {
			return
		}
		l.log.Warn("liveness lock lost; taking it again", "client_id", l.id, "err", err)
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = conn.Close(cctx)
		cancel()
		l.mu.Lock()
		l.conn = nil
		l.mu.Unlock()
	}
	if ctx.Err() != nil {
		return
	}
	if err := l.lock(ctx); err != nil {
		l.log.Error("liveness lock cannot be taken; other processes will run this process's jobs again", "client_id", l.id, "err", err)
		return
	}
	l.log.Info("liveness lock taken again", "client_id", l.id)
}

// sweep requeues the running jobs of our clients whose lock has been absent
// for deadAfter on sweeps until now. Only the loop calls it.
func (l *liveness) sweep(ctx context.Context, now time.Time) error {
	owners, err := l.runningOwners(ctx)
	if err != nil {
		return err
	}
	held, err := l.heldKeys(ctx)
	if err != nil {
		return err
	}
	dead := map[string]bool{}
	for owner := range owners {
		if owner == l.id || !isOurs(owner) || held[lockKey(owner)] {
			continue
		}
		first, ok := l.suspects[owner]
		if !ok {
			l.suspects[owner] = now
			continue
		}
		if now.Sub(first) >= l.deadAfter {
			dead[owner] = true
		}
	}
	for owner := range l.suspects {
		if _, ok := owners[owner]; !ok || held[lockKey(owner)] {
			delete(l.suspects, owner)
		}
	}
	for owner := range dead {
		for _, id := range owners[owner] {
			if err := l.requeue(ctx, id, owner); err != nil {
				return err
			}
		}
		delete(l.suspects, owner)
	}
	return nil
}

// runningOwners maps the client of each running job's current attempt to
// its jobs.
func (l *liveness) runningOwners(ctx context.Context) (map[string][]int64, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, attempted_by[array_upper(attempted_by, 1)]
		FROM river_job WHERE state = 'running' AND attempted_by IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("list running jobs: %w", err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var id int64
		var owner sql.NullString
		if err := rows.Scan(&id, &owner); err != nil {
			return nil, err
		}
		if owner.Valid {
			out[owner.String] = append(out[owner.String], id)
		}
	}
	return out, rows.Err()
}

// heldKeys are the liveness locks held in this database now. Read after
// the running jobs, so a job's owner held its lock when it took the job.
func (l *liveness) heldKeys(ctx context.Context) (map[int32]bool, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT objid::int8 FROM pg_locks
		WHERE locktype = 'advisory' AND classid::int8 = $1 AND objsubid = 2 AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(livenessLockSpace))
	if err != nil {
		return nil, fmt.Errorf("list liveness locks: %w", err)
	}
	defer rows.Close()
	out := map[int32]bool{}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[int32(k)] = true
	}
	return out, rows.Err()
}

// requeue makes one job of a dead client available again, or discards it
// when its attempts are used up; it does nothing when the job has moved on.
func (l *liveness) requeue(ctx context.Context, id int64, owner string) error {
	msg := "the process working this job (River client " + owner + ") died; job requeued"
	var kind, state string
	var attempt int
	err := l.db.QueryRowContext(ctx, `UPDATE river_job SET
			state = CASE WHEN attempt >= max_attempts THEN 'discarded' ELSE 'available' END::river_job_state,
			finalized_at = CASE WHEN attempt >= max_attempts THEN now() END,
			scheduled_at = now(),
			errors = array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt, 'error', $3::text, 'trace', '')),
			metadata = metadata || jsonb_build_object('docuvault:requeued_from', $2::text)
		WHERE id = $1 AND state = 'running' AND attempted_by[array_upper(attempted_by, 1)] = $2
		RETURNING kind, state::text, attempt`, id, owner, msg).Scan(&kind, &state, &attempt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("requeue job %d: %w", id, err)
	}
	l.log.Warn("job held by a dead process made "+state, "job_id", id, "kind", kind, "attempt", attempt, "dead_client_id", owner)
	return nil
}
