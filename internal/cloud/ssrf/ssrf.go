// Package ssrf keeps outbound requests to user-supplied URLs away from the
// server's own network: loopback, private and link-local ranges, cloud
// metadata services and the many ways of spelling them.
//
// A URL is checked twice: statically by CheckURL (scheme, user info, host
// spelling, literal addresses, known internal names) and again at dial time,
// after DNS resolution, by the Control function of the dialer that the
// Guard's client uses, so DNS rebinding and redirects cannot reach a refused
// address. An allowlist of host names and CIDR ranges (CLOUD_ALLOWED_HOSTS)
// lets an administrator reach, say, a Nextcloud on the home LAN.
package ssrf

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

var (
	// ErrForbiddenAddress is wrapped by every refusal of a destination
	// address or host.
	ErrForbiddenAddress = errors.New("forbidden address")
	// ErrForbiddenURL is wrapped by refusals of a URL's form (scheme, user
	// info, unparsable host). It also wraps ErrForbiddenAddress, so callers
	// can check that alone.
	ErrForbiddenURL = fmt.Errorf("%w: forbidden URL", ErrForbiddenAddress)
)

// AddrError says which address was refused and why.
type AddrError struct {
	Addr   string // the address or host name as resolved or written
	Reason string // e.g. "in a private network"
}

func (e *AddrError) Error() string { return fmt.Sprintf("address %s is %s", e.Addr, e.Reason) }

// Unwrap makes errors.Is(err, ErrForbiddenAddress) true.
func (e *AddrError) Unwrap() error { return ErrForbiddenAddress }

// maxURLLength bounds what CheckURL parses.
const maxURLLength = 4096

// ParseAllowlist splits a comma-separated CLOUD_ALLOWED_HOSTS value,
// dropping blanks.
func ParseAllowlist(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// CheckURL is (*Guard).CheckURL with an empty allowlist.
func CheckURL(raw string) error {
	var g Guard
	return g.CheckURL(raw)
}

// CheckURL reports whether raw may be requested, without any DNS lookup:
// only http and https, no user info, a well-formed host that is neither a
// refused literal address (in any spelling) nor a known internal name,
// unless allowlisted. Errors wrap ErrForbiddenAddress.
func (g *Guard) CheckURL(raw string) error {
	if len(raw) > maxURLLength {
		return fmt.Errorf("%w: URL longer than %d bytes", ErrForbiddenURL, maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrForbiddenURL, err)
	}
	return g.checkParsedURL(u)
}

func (g *Guard) checkParsedURL(u *url.URL) error {
	switch u.Scheme {
	case "http", "https":
	default:
		return fmt.Errorf("%w: scheme %q is not allowed (only http and https)", ErrForbiddenURL, u.Scheme)
	}
	if u.Opaque != "" {
		return fmt.Errorf("%w: opaque URL", ErrForbiddenURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: user info in URL is not allowed", ErrForbiddenURL)
	}
	if strings.ContainsAny(u.Host, "@\\") {
		return fmt.Errorf("%w: host %q contains forbidden characters", ErrForbiddenURL, u.Host)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || !allDigits(p) || n < 1 || n > 65535 {
			return fmt.Errorf("%w: bad port %q", ErrForbiddenURL, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("%w: empty port", ErrForbiddenURL)
	}
	return g.checkHost(u.Hostname())
}

// checkHost applies the static rules to a host name or literal.
func (g *Guard) checkHost(host string) error {
	kind, ip, err := parseHost(host)
	if err != nil {
		return err
	}
	if kind == hostIP {
		if ip.Zone() != "" {
			return fmt.Errorf("%w: zoned IPv6 address %q", ErrForbiddenURL, host)
		}
		if canon := ip.String(); canon != host && !strings.EqualFold(canon, host) && !ip.Is6() {
			// 0177.0.0.1, 2130706433, 127.1: clients hand these to DNS,
			// which may read them differently. Refuse outright.
			if err := g.checkAddr(ip); err != nil {
				return fmt.Errorf("%w (written %q)", err, host)
			}
			return fmt.Errorf("%w: non-canonical IPv4 spelling %q (write %s)", ErrForbiddenURL, host, canon)
		}
		return g.checkAddr(ip)
	}
	if g.allowedName(host) {
		return nil
	}
	if why := nameReason(host); why != "" {
		return &AddrError{Addr: host, Reason: why}
	}
	return nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// checkAddr applies the range rules to ip unless an allowlisted range holds
// it. Metadata addresses are refused even then.
func (g *Guard) checkAddr(ip netip.Addr) error {
	ip = ip.WithZone("")
	if isMetadata(ip) {
		return &AddrError{Addr: ip.String(), Reason: "a cloud metadata service address"}
	}
	if g.allowedAddr(ip) {
		return nil
	}
	return CheckIP(ip)
}
