package auth

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
)

// MinLinkPasswordLen is the shortest password a share link takes: it is
// handed over beside the link and guarded by the link limits, so it may be
// shorter than an account's.
const MinLinkPasswordLen = 6

// errWrongLinkPassword is the answer to a wrong or missing link password.
var errWrongLinkPassword = apperr.New(apperr.Unauthorized, "the password is wrong")

// HashLinkPassword checks a share link's password (field "password" in a
// 422) and returns its Argon2id hash, made like an account password's.
func (s *Service) HashLinkPassword(ctx context.Context, password string) (string, error) {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return "", apperr.Fields("Choose another password.", map[string]string{"password": "The password must be valid text."})
	case n < MinLinkPasswordLen:
		return "", apperr.Fields("Choose another password.",
			map[string]string{"password": fmt.Sprintf("The password must be at least %d characters long.", MinLinkPasswordLen)})
	case n > MaxPasswordLen:
		return "", apperr.Fields("Choose another password.",
			map[string]string{"password": fmt.Sprintf("The password must be at most %d characters long.", MaxPasswordLen)})
	}
	return s.hash.Hash(ctx, password)
}

// CheckLinkPassword verifies a share link's password, given by a client
// at ip, against its hash. Failures are counted per (link, address) and
// per link (Limits.LinkPasswordPerLinkIP, LinkPasswordPerLink): over
// either, the check does not run and the answer is rate_limited with
// Retry-After. A wrong or missing password is unauthorized; a right one
// clears the (link, address) counter.
func (s *Service) CheckLinkPassword(ctx context.Context, linkID, ip, password, encoded string) error {
	rules := []rule{
		{key: "link:pair:" + linkID + "|" + ip, limit: s.limits.LinkPasswordPerLinkIP, pair: true},
		{key: "link:link:" + linkID, limit: s.limits.LinkPasswordPerLink},
	}
	g, err := s.guardFailures(ctx, rules)
	if err != nil {
		return err
	}
	if password == "" || len(password) > 4*MaxPasswordLen {
		return errWrongLinkPassword
	}
	ok, _, err := s.hash.Verify(ctx, password, encoded)
	if err != nil {
		g.cancel(ctx)
		return fmt.Errorf("auth: link password: %w", err)
	}
	if !ok {
		return errWrongLinkPassword
	}
	g.pass(ctx)
	return nil
}
