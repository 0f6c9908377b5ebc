package ssrf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// hostKind says how a URL host was written.
type hostKind int

const (
	hostName hostKind = iota
	hostIP
)

// parseHost classifies a URL host (without port or brackets). IP literals,
// including the legacy inet_aton spellings that some resolvers still accept
// (2130706433, 0x7f.1, 0177.0.0.1, 127.1), come back as addresses so the
// range checks apply to them. A host whose last label is numeric but is no
// valid address is refused, since resolvers disagree on what it means.
func parseHost(host string) (hostKind, netip.Addr, error) {
	if host == "" {
		return 0, netip.Addr{}, fmt.Errorf("%w: empty host", ErrForbiddenURL)
	}
	if strings.Contains(host, ":") { // IPv6 literal (url.URL.Hostname strips brackets)
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return 0, netip.Addr{}, fmt.Errorf("%w: bad IPv6 literal %q", ErrForbiddenURL, host)
		}
		return hostIP, ip, nil
	}
	h := strings.TrimSuffix(host, ".")
	labels := strings.Split(h, ".")
	if !numericLabel(labels[len(labels)-1]) {
		return hostName, netip.Addr{}, nil
	}
	ip, ok := parseLegacyIPv4(labels)
	if !ok {
		return 0, netip.Addr{}, fmt.Errorf("%w: host %q looks like an IPv4 address but is not a valid one", ErrForbiddenURL, host)
	}
	return hostIP, ip, nil
}

// numericLabel reports whether s is a decimal, octal or 0x-hex number, which
// the WHATWG URL standard treats as making the host an IPv4 address.
func numericLabel(s string) bool {
	if s == "" {
		return false
	}
	if len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X") {
		for _, c := range s[2:] {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseLegacyIPv4 implements inet_aton: one to four parts, each decimal,
// octal (leading 0) or hex (0x); the last part fills the remaining bytes.
func parseLegacyIPv4(parts []string) (netip.Addr, bool) {
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base, digits := 10, p
		switch {
		case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
			if digits == "" {
				digits = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*uint(i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// blockedNames are host names that lead to the machine itself or to a cloud
// metadata service whatever DNS says.
var blockedNames = map[string]string{
	"localhost":                  "a loopback name",
	"localhost.localdomain":      "a loopback name",
	"ip6-localhost":              "a loopback name",
	"ip6-loopback":               "a loopback name",
	"metadata.google.internal":   "a cloud metadata service name",
	"metadata":                   "a cloud metadata service name",
	"instance-data":              "a cloud metadata service name",
	"instance-data.ec2.internal": "a cloud metadata service name",
	"metadata.azure.internal":    "a cloud metadata service name",
}

// nameReason reports why a host name is refused before any DNS lookup.
func nameReason(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if why, ok := blockedNames[name]; ok {
		return why
	}
	if strings.HasSuffix(name, ".localhost") {
		return "a loopback name"
	}
	return ""
}
