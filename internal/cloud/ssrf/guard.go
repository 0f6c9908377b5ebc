package ssrf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// maxRedirects bounds the redirects the Guard's client follows.
const maxRedirects = 10

// Guard checks URLs and destination addresses against the rules and an
// allowlist. The zero Guard allows nothing extra. A Guard is safe for
// concurrent use and must not be changed after its first use.
type Guard struct {
	names    map[string]bool // lower-case host names, no trailing dot
	prefixes []netip.Prefix
	resolver *net.Resolver
}

// New builds a Guard from allowlist entries: host names ("nextcloud.lan"),
// addresses ("192.168.1.10", "127.0.0.1") or CIDR ranges
// ("192.168.1.0/24", "fd12:3456::/48"). Allowlisted names and ranges bypass
// the private-range rules; cloud metadata addresses stay refused. It returns
// an error naming the first malformed entry.
func New(allow []string) (*Guard, error) {
	g := &Guard{names: map[string]bool{}}
	for _, e := range allow {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			continue
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("ssrf: allowlist entry %q: %w", e, err)
			}
			g.prefixes = append(g.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
				g.prefixes = append(g.prefixes, netip.PrefixFrom(ip.WithZone(""), ip.BitLen()))
				continue
			}
			kind, _, err := parseHost(e)
			if err != nil || kind != hostName || strings.ContainsAny(e, ":@ \t") {
				return nil, fmt.Errorf("ssrf: allowlist entry %q is neither a host name, an address nor a CIDR range", e)
			}
			g.names[strings.ToLower(strings.TrimSuffix(e, "."))] = true
		}
	}
	return g, nil
}

// WithResolver returns a copy of g that resolves names with r (tests point
// it at a local DNS server).
func (g *Guard) WithResolver(r *net.Resolver) *Guard {
	c := *g
	c.resolver = r
	return &c
}

func (g *Guard) allowedName(host string) bool {
	return g.names[strings.ToLower(strings.TrimSuffix(host, "."))]
}

func (g *Guard) allowedAddr(ip netip.Addr) bool {
	for _, p := range g.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// control runs after DNS resolution, just before connect(2), with the
// numeric destination.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dial address %q", ErrForbiddenAddress, address)
	}
	return g.checkAddr(ap.Addr().Unmap())
}

// controlMetadataOnly is used for allowlisted host names: anything but a
// metadata service is fine.
func (g *Guard) controlMetadataOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dial address %q", ErrForbiddenAddress, address)
	}
	if ip := ap.Addr().Unmap(); isMetadata(ip) {
		return &AddrError{Addr: ip.String(), Reason: "a cloud metadata service address"}
	}
	return nil
}

// DialContext dials only permitted destinations: the host is checked by
// name first and every resolved address again right before connecting.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrForbiddenURL, err)
	}
	if err := g.checkHost(host); err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Resolver: g.resolver, Control: g.control}
	if g.allowedName(host) {
		d.Control = g.controlMetadataOnly
	}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		var ae *AddrError
		if errors.As(err, &ae) {
			return nil, ae // keep the message short: "address 127.0.0.1 is a loopback address"
		}
		return nil, err
	}
	return conn, nil
}

// Transport returns a fresh transport that dials through the Guard, ignores
// proxy environment variables (a proxy would dial for us) and refuses
// requests whose URL fails CheckURL, on every hop.
func (g *Guard) Transport() http.RoundTripper {
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	}
	return &checkingTransport{g: g, base: t}
}

type checkingTransport struct {
	g    *Guard
	base http.RoundTripper
}

func (t *checkingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.g.checkParsedURL(r.URL); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(r)
}

// Client returns an HTTP client that uses Transport and re-checks the URL
// of every redirect (at most 10). timeout 0 means none; callers then bound
// requests with their context.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:   timeout,
		Transport: g.Transport(),
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("ssrf: stopped after %d redirects", maxRedirects)
			}
			if err := g.checkParsedURL(r.URL); err != nil {
				return fmt.Errorf("redirect to %s refused: %w", r.URL.Redacted(), err)
			}
			return nil
		},
	}
}
