package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
)

// Limit allows N events per Window.
type Limit struct {
	N      int64
	Window time.Duration
}

// Limits are the rate limits; each applies per account and per IP.
type Limits struct {
	LoginPerAccount, LoginPerIP       Limit
	TOTPPerAccount                    Limit // second-factor tries (TOTP and backup codes)
	ResetPerAccount, ResetPerIP       Limit
	RegisterPerAccount, RegisterPerIP Limit
}

// DefaultLimits are the production limits.
var DefaultLimits = Limits{
	LoginPerAccount:    Limit{10, 15 * time.Minute},
	LoginPerIP:         Limit{100, 15 * time.Minute},
	TOTPPerAccount:     Limit{5, 5 * time.Minute},
	ResetPerAccount:    Limit{3, time.Hour},
	ResetPerIP:         Limit{20, time.Hour},
	RegisterPerAccount: Limit{5, time.Hour},
	RegisterPerIP:      Limit{20, time.Hour},
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	for _, p := range []struct{ v, def *Limit }{
		{&l.LoginPerAccount, &d.LoginPerAccount}, {&l.LoginPerIP, &d.LoginPerIP},
		{&l.TOTPPerAccount, &d.TOTPPerAccount}, {&l.ResetPerAccount, &d.ResetPerAccount},
		{&l.ResetPerIP, &d.ResetPerIP}, {&l.RegisterPerAccount, &d.RegisterPerAccount},
		{&l.RegisterPerIP, &d.RegisterPerIP},
	} {
		if p.v.N <= 0 || p.v.Window <= 0 {
			*p.v = *p.def
		}
	}
	return l
}

// limit counts one event under key and refuses it over the limit with a
// rate_limited error carrying Retry-After.
func (s *Service) limit(ctx context.Context, key string, l Limit) error {
	n, left, err := s.state.Hit(ctx, "rl:"+key, l.Window)
	if err != nil {
		return fmt.Errorf("auth: rate limit: %w", err)
	}
	if n > l.N {
		return &apperr.Error{Kind: apperr.RateLimited, Message: "too many attempts; try again later", RetryAfter: left}
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
