package api

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address of the client that sent r, as observe worked it
// out once per request (clientAddr); outside observe, the peer address.
// Audit entries, sessions, rate limits and the access log all take it from
// here.
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey).(string); ok {
		return ip
	}
	return peerAddr(r.RemoteAddr)
}

func withClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}

// clientAddr works out the client's address. A request whose immediate
// peer is not in trusted is that peer, whatever its headers say. From a
// trusted peer, the chain of X-Forwarded-For, or of Forwarded (RFC 7239),
// is walked from the right, skipping trusted hops: the rightmost untrusted
// address is the client (what is left of it was written by the client and
// proves nothing). An address that cannot be read where the walk needs it
// (garbage, "unknown", an obfuscated "_name"), a Forwarded header that does
// not parse, or both headers naming different clients fall back to the
// peer address. A chain of trusted hops only gives its leftmost address.
func clientAddr(remoteAddr string, h http.Header, trusted []netip.Prefix) string {
	peer := peerAddr(remoteAddr)
	if len(trusted) == 0 {
		return peer
	}
	p, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(p, trusted) {
		return peer
	}
	var found []netip.Addr
	if v := h.Values("X-Forwarded-For"); len(v) > 0 {
		a, ok := walkChain(xffChain(v), trusted)
		if !ok {
			return peer
		}
		found = append(found, a)
	}
	if v := h.Values("Forwarded"); len(v) > 0 {
		chain, ok := forwardedChain(v)
		if !ok {
			return peer
		}
		a, ok := walkChain(chain, trusted)
		if !ok {
			return peer
		}
		found = append(found, a)
	}
	switch {
	case len(found) == 0:
		return peer
	case len(found) == 2 && found[0] != found[1]:
		return peer // the proxy wrote one of them; the client may have written the other
	}
	return found[0].String()
}

// peerAddr is the host of a RemoteAddr, without port, brackets or zone.
func peerAddr(remoteAddr string) string {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().WithZone("").String()
	}
	host := remoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return host
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hop is one node of a forwarding chain: its address, or ok false when the
// node is not an address (unknown, obfuscated, unreadable).
type hop struct {
	addr netip.Addr
	ok   bool
}

// walkChain returns the rightmost untrusted hop, or the leftmost hop when
// all are trusted. It fails on an empty chain and on a hop it needs that
// is not an address.
func walkChain(chain []hop, trusted []netip.Prefix) (netip.Addr, bool) {
	if len(chain) == 0 {
		return netip.Addr{}, false
	}
	for i := len(chain) - 1; i >= 0; i-- {
		h := chain[i]
		if !h.ok {
			return netip.Addr{}, false
		}
		if !isTrusted(h.addr, trusted) {
			return h.addr, true
		}
	}
	return chain[0].addr, true
}

// xffChain splits X-Forwarded-For lines into hops.
func xffChain(lines []string) []hop {
	var chain []hop
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ",") {
			chain = append(chain, parseNode(strings.TrimSpace(part)))
		}
	}
	return chain
}

// parseNode reads a node: an IPv4 or IPv6 address, optionally with a port
// ("192.0.2.1:4711", "[2001:db8::1]:4711", "[2001:db8::1]").
func parseNode(s string) hop {
	if a, err := netip.ParseAddr(s); err == nil {
		return hop{a.Unmap().WithZone(""), true}
	}
	host := s
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return hop{}
		}
		rest := host[end+1:]
		if rest != "" && (rest[0] != ':' || !isPort(rest[1:])) {
			return hop{}
		}
		host = host[1:end]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return hop{}
		}
		return hop{a.Unmap().WithZone(""), true}
	}
	i := strings.LastIndexByte(host, ':')
	if i < 0 || !isPort(host[i+1:]) {
		return hop{}
	}
	a, err := netip.ParseAddr(host[:i])
	if err != nil || !a.Is4() {
		return hop{}
	}
	return hop{a, true}
}

// isPort accepts a decimal port or an obfuscated one ("_abc", RFC 7239 6.3).
func isPort(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	if s[0] == '_' {
		for _, c := range s[1:] {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		return true
	}
	if len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// forwardedChain parses Forwarded lines (RFC 7239) into the hops of their
// for= parameters; an element without for= is a hop that is not an
// address. It fails when the header does not parse.
func forwardedChain(lines []string) ([]hop, bool) {
	var chain []hop
	for _, line := range lines {
		elems, ok := splitQuoted(line, ',')
		if !ok {
			return nil, false
		}
		for _, el := range elems {
			if strings.TrimSpace(el) == "" {
				continue // empty list elements are allowed (RFC 7230 7)
			}
			pairs, ok := splitQuoted(el, ';')
			if !ok {
				return nil, false
			}
			h, seen := hop{}, false
			for _, pair := range pairs {
				name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || name == "" || !isToken(name) {
					return nil, false
				}
				value, ok = unquote(value)
				if !ok {
					return nil, false
				}
				if strings.EqualFold(name, "for") {
					if seen {
						return nil, false
					}
					seen, h = true, parseNode(value)
				}
			}
			chain = append(chain, h)
		}
	}
	return chain, true
}

// splitQuoted splits s at sep outside quoted strings; it fails on an
// unterminated quote.
func splitQuoted(s string, sep byte) ([]string, bool) {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if quoted {
		return nil, false
	}
	return append(parts, s[start:]), true
}

// unquote reads a token or a quoted-string value.
func unquote(v string) (string, bool) {
	if !strings.HasPrefix(v, `"`) {
		// A token; leniently also an unquoted "192.0.2.1:80" or "[2001:db8::1]".
		return v, v != "" && !strings.ContainsAny(v, "\" \t")
	}
	if len(v) < 2 || !strings.HasSuffix(v, `"`) {
		return "", false
	}
	var b strings.Builder
	body := v[1 : len(v)-1]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' {
			if i+1 == len(body) {
				return "", false
			}
			i++
			c = body[i]
		} else if c == '"' {
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// isToken reports whether s is an RFC 7230 token.
func isToken(s string) bool {
	for _, c := range s {
		if c > 0x7e || c <= 0x20 || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}
