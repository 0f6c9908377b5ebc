package ssrf

import (
	"fmt"
	"net/netip"
)

// rangeRule names one forbidden address range and why it is refused.
type rangeRule struct {
	prefix netip.Prefix
	why    string
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// metadataAddrs are the cloud instance metadata services. They are refused
// even when an allowlisted range contains them.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, DigitalOcean
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
}

// v4Rules are checked in order; the first match gives the reason.
var v4Rules = []rangeRule{
	{mustPrefix("255.255.255.255/32"), "the broadcast address"},
	{mustPrefix("0.0.0.0/8"), "an unspecified (this-network) address"},
	{mustPrefix("127.0.0.0/8"), "a loopback address"},
	{mustPrefix("10.0.0.0/8"), "in a private network"},
	{mustPrefix("172.16.0.0/12"), "in a private network"},
	{mustPrefix("192.168.0.0/16"), "in a private network"},
	{mustPrefix("100.64.0.0/10"), "in the carrier-grade NAT range"},
	{mustPrefix("169.254.0.0/16"), "a link-local address"},
	{mustPrefix("224.0.0.0/4"), "a multicast address"},
	{mustPrefix("240.0.0.0/4"), "in a reserved range"},
	{mustPrefix("192.0.0.0/24"), "in a reserved range"},
	{mustPrefix("192.0.2.0/24"), "a documentation address"},
	{mustPrefix("198.51.100.0/24"), "a documentation address"},
	{mustPrefix("203.0.113.0/24"), "a documentation address"},
	{mustPrefix("198.18.0.0/15"), "in the benchmarking range"},
}

var v6Rules = []rangeRule{
	{mustPrefix("::/128"), "an unspecified address"},
	{mustPrefix("::1/128"), "a loopback address"},
	{mustPrefix("::ffff:0:0/96"), "an IPv4-mapped IPv6 address"},
	{mustPrefix("::ffff:0:0:0/96"), "an IPv4-translated IPv6 address"},
	{mustPrefix("::/96"), "an IPv4-compatible IPv6 address"},
	{mustPrefix("64:ff9b:1::/48"), "in the local-use NAT64 range"},
	{mustPrefix("100::/64"), "in the discard-only range"},
	{mustPrefix("2001:db8::/32"), "a documentation address"},
	{mustPrefix("fc00::/7"), "in a private network (unique local address)"},
	{mustPrefix("fe80::/10"), "a link-local address"},
	{mustPrefix("fec0::/10"), "a site-local address"},
	{mustPrefix("ff00::/8"), "a multicast address"},
}

var (
	prefix6to4   = mustPrefix("2002::/16")
	prefixNAT64  = mustPrefix("64:ff9b::/96")
	prefixTeredo = mustPrefix("2001::/32")
)

// CheckIP reports why ip must not be contacted, or nil when it is a public
// unicast address. The error wraps ErrForbiddenAddress.
func CheckIP(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrForbiddenAddress)
	}
	ip = ip.WithZone("")
	if why := reason(ip); why != "" {
		return &AddrError{Addr: ip.String(), Reason: why}
	}
	return nil
}

// isMetadata reports whether ip is a cloud metadata service address.
func isMetadata(ip netip.Addr) bool {
	ip = ip.WithZone("")
	for _, m := range metadataAddrs {
		if ip == m {
			return true
		}
	}
	return false
}

func reason(ip netip.Addr) string {
	if isMetadata(ip) {
		return "a cloud metadata service address"
	}
	if ip.Is4() {
		for _, r := range v4Rules {
			if r.prefix.Contains(ip) {
				return r.why
			}
		}
		return ""
	}
	for _, r := range v6Rules {
		if r.prefix.Contains(ip) {
			return r.why
		}
	}
	b := ip.As16()
	var embedded netip.Addr
	var via string
	switch {
	case prefix6to4.Contains(ip):
		embedded, via = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "6to4"
	case prefixNAT64.Contains(ip):
		embedded, via = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), "NAT64"
	case prefixTeredo.Contains(ip):
		// The Teredo client address is stored inverted in the last 32 bits.
		embedded, via = netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), "Teredo"
	}
	if embedded.IsValid() {
		if why := reason(embedded); why != "" {
			return fmt.Sprintf("a %s address embedding %s, which is %s", via, embedded, why)
		}
	}
	return ""
}
