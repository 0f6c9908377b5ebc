package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisState is State in Redis, shared by every node.
type RedisState struct {
	c      redis.UniversalClient
	prefix string
}

// NewRedisState connects to REDIS_URL (redis:// or rediss://) and checks
// that the server answers. Keys are prefixed with prefix (e.g. "dv:").
func NewRedisState(ctx context.Context, url, prefix string) (*RedisState, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("auth: REDIS_URL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// One plain dial first: the client's pool would log every failed
	// attempt of every retry before Ping returns.
	conn, err := (&net.Dialer{}).DialContext(pctx, opt.Network, opt.Addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		return nil, fmt.Errorf("cannot reach Redis at %s (REDIS_URL): %w", opt.Addr, err)
	}
	conn.Close()
	c := redis.NewClient(opt)
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("auth: connect to Redis at %s: %w", opt.Addr, err)
	}
	return &RedisState{c: c, prefix: prefix}, nil
}

// Close closes the connection pool.
func (r *RedisState) Close() error { return r.c.Close() }

// Ping checks that Redis answers (for /health).
func (r *RedisState) Ping(ctx context.Context) error { return r.c.Ping(ctx).Err() }

// Mark implements State with SET NX PX.
func (r *RedisState) Mark(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := r.c.SetNX(ctx, r.prefix+key, 1, max(ttl, time.Millisecond)).Result()
	if err != nil {
		return false, fmt.Errorf("auth: redis mark: %w", err)
	}
	return ok, nil
}

// Marked implements State.
func (r *RedisState) Marked(ctx context.Context, key string) (bool, error) {
	n, err := r.c.Exists(ctx, r.prefix+key).Result()
	if err != nil {
		return false, fmt.Errorf("auth: redis marked: %w", err)
	}
	return n > 0, nil
}

// hitScript increments a counter and starts its window on the first hit,
// atomically; it returns the count and the milliseconds left.
var hitScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then redis.call("PEXPIRE", KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`)

// Hit implements State.
func (r *RedisState) Hit(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	res, err := hitScript.Run(ctx, r.c, []string{r.prefix + key}, window.Milliseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		return 0, 0, fmt.Errorf("auth: redis hit: %w", err)
	}
	return res[0], max(time.Duration(res[1])*time.Millisecond, time.Second), nil
}

// unhitScript decrements a counter that exists and is above zero, keeping
// its expiry; a missing (expired) key is not created.
var unhitScript = redis.NewScript(`
local n = tonumber(redis.call("GET", KEYS[1]))
if n and n > 0 then return redis.call("DECR", KEYS[1]) end
return 0`)

// Unhit implements State.
func (r *RedisState) Unhit(ctx context.Context, key string) error {
	if err := unhitScript.Run(ctx, r.c, []string{r.prefix + key}).Err(); err != nil {
		return fmt.Errorf("auth: redis unhit: %w", err)
	}
	return nil
}

// Clear implements State.
func (r *RedisState) Clear(ctx context.Context, key string) error {
	if err := r.c.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("auth: redis clear: %w", err)
	}
	return nil
}
