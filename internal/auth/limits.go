package auth

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
)

// Limit allows N events per Window.
type Limit struct {
	N      int64
	Window time.Duration
}

// Limits are the rate limits.
//
// Password and second-factor checks count failures only: a check passes
// the limit, runs, and is taken back when it succeeds. They are limited
// tightly per (account, address), so a guesser is slowed at its own
// address, and loosely per account, so the owner signing in from another
// address is not locked out by someone else's guesses. A success clears
// the (account, address) counter. Registration and reset requests count
// every request.
type Limits struct {
	LoginPerAccountIP, LoginPerAccount Limit // failed password checks (sign-in and re-confirmation)
	LoginPerIP                         Limit // failed sign-ins from one address, over all accounts
	TOTPPerAccountIP, TOTPPerAccount   Limit // failed second-factor checks (TOTP and backup codes)
	ResetPerAccount, ResetPerIP        Limit
	RegisterPerAccount, RegisterPerIP  Limit
	// Wrong share-link passwords: tightly per (link, address), loosely per
	// link, so one guesser does not lock a link's other visitors out.
	LinkPasswordPerLinkIP, LinkPasswordPerLink Limit
}

// DefaultLimits are the production limits.
var DefaultLimits = Limits{
	LoginPerAccountIP:  Limit{10, 15 * time.Minute},
	LoginPerAccount:    Limit{100, 15 * time.Minute},
	LoginPerIP:         Limit{100, 15 * time.Minute},
	TOTPPerAccountIP:   Limit{5, 5 * time.Minute},
	TOTPPerAccount:     Limit{20, 5 * time.Minute},
	ResetPerAccount:    Limit{3, time.Hour},
	ResetPerIP:         Limit{20, time.Hour},
	RegisterPerAccount: Limit{5, time.Hour},
	RegisterPerIP:      Limit{20, time.Hour},
	// A link's password is short and shared by mouth; 10 guesses per
	// quarter hour from one address, 200 over all addresses.
	LinkPasswordPerLinkIP: Limit{10, 15 * time.Minute},
	LinkPasswordPerLink:   Limit{200, 15 * time.Minute},
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	for _, p := range []struct{ v, def *Limit }{
		{&l.LoginPerAccountIP, &d.LoginPerAccountIP}, {&l.LoginPerAccount, &d.LoginPerAccount},
		{&l.LoginPerIP, &d.LoginPerIP}, {&l.TOTPPerAccountIP, &d.TOTPPerAccountIP},
		{&l.TOTPPerAccount, &d.TOTPPerAccount}, {&l.ResetPerAccount, &d.ResetPerAccount},
		{&l.ResetPerIP, &d.ResetPerIP}, {&l.RegisterPerAccount, &d.RegisterPerAccount},
		{&l.RegisterPerIP, &d.RegisterPerIP}, {&l.LinkPasswordPerLinkIP, &d.LinkPasswordPerLinkIP},
		{&l.LinkPasswordPerLink, &d.LinkPasswordPerLink},
	} {
		if p.v.N <= 0 || p.v.Window <= 0 {
			*p.v = *p.def
		}
	}
	return l
}

func rateLimited(left time.Duration) error {
	return &apperr.Error{Kind: apperr.RateLimited, Message: "too many attempts; try again later", RetryAfter: left}
}

// limit counts one event under key and refuses it over the limit with a
// rate_limited error carrying Retry-After.
func (s *Service) limit(ctx context.Context, key string, l Limit) error {
	n, left, err := s.state.Hit(ctx, "rl:"+key, l.Window)
	if err != nil {
		return fmt.Errorf("auth: rate limit: %w", err)
	}
	if n > l.N {
		return rateLimited(left)
	}
	return nil
}

// limitBoth checks the per-account and the per-IP limit.
func (s *Service) limitBoth(ctx context.Context, action, account string, perAccount Limit, ip string, perIP Limit) error {
	if ip != "" {
		if err := s.limit(ctx, action+":ip:"+ip, perIP); err != nil {
			return err
		}
	}
	return s.limit(ctx, action+":acct:"+account, perAccount)
}

// rule is one counter of failures.
type rule struct {
	key   string
	limit Limit
	pair  bool // the (account, address) counter, cleared on success
}

// loginRules are the counters of a password check of account from ip.
func (s *Service) loginRules(action, account, ip string) []rule {
	rules := []rule{
		{key: action + ":pair:" + account + "|" + ip, limit: s.limits.LoginPerAccountIP, pair: true},
		{key: action + ":acct:" + account, limit: s.limits.LoginPerAccount},
	}
	if ip != "" {
		rules = append(rules, rule{key: action + ":ip:" + ip, limit: s.limits.LoginPerIP})
	}
	return rules
}

// totpRules are the counters of a second-factor check of userID from ip.
func (s *Service) totpRules(userID, ip string) []rule {
	return []rule{
		{key: "totp:pair:" + userID + "|" + ip, limit: s.limits.TOTPPerAccountIP, pair: true},
		{key: "totp:acct:" + userID, limit: s.limits.TOTPPerAccount},
	}
}

// failureGuard is a check counted as a failure until it passes.
type failureGuard struct {
	s     *Service
	rules []rule
}

// guardFailures counts a check as a failure under every rule before it
// runs, so concurrent checks cannot slip past a limit together, and
// refuses it with rate_limited when a rule is already full (a refused check
// is taken back: only checks that ran count). The caller calls pass when
// the check succeeded and cancel when it could not decide (an internal
// error); a failed check needs nothing and stays counted.
func (s *Service) guardFailures(ctx context.Context, rules []rule) (*failureGuard, error) {
	g := &failureGuard{s: s}
	for _, r := range rules {
		n, left, err := s.state.Hit(ctx, "rl:"+r.key, r.limit.Window)
		if err != nil {
			g.cancel(ctx)
			return nil, fmt.Errorf("auth: rate limit: %w", err)
		}
		g.rules = append(g.rules, r)
		if n > r.limit.N {
			g.cancel(ctx)
			return nil, rateLimited(left)
		}
	}
	return g, nil
}

// pass takes the check back and clears the (account, address) counter.
func (g *failureGuard) pass(ctx context.Context) { g.undo(ctx, true) }

// cancel takes the check back.
func (g *failureGuard) cancel(ctx context.Context) { g.undo(ctx, false) }

func (g *failureGuard) undo(ctx context.Context, success bool) {
	for _, r := range g.rules {
		var err error
		if success && r.pair {
			err = g.s.state.Clear(ctx, "rl:"+r.key)
		} else {
			err = g.s.state.Unhit(ctx, "rl:"+r.key)
		}
		if err != nil {
			g.s.log.WarnContext(ctx, "rate limit counter not taken back", slog.Any("error", err))
		}
	}
	g.rules = nil
}
