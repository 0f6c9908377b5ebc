package api

import (
	"net/http"
	"net/netip"
	"testing"
)

// TestClientAddr: only a trusted peer's X-Forwarded-For / Forwarded are
// read, from the right, skipping trusted hops; what cannot be read falls
// back to the peer.
func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name    string
		peer    string
		xff     []string
		fwd     []string
		trusted []netip.Prefix // nil: trusted above
		want    string
	}{
		{name: "no setting ignores the headers", peer: "127.0.0.1:5000", xff: []string{"203.0.113.9"}, trusted: []netip.Prefix{}, want: "127.0.0.1"},
		{name: "untrusted peer ignores the headers", peer: "198.51.100.7:5000", xff: []string{"203.0.113.9"}, fwd: []string{"for=203.0.113.9"}, want: "198.51.100.7"},
		{name: "untrusted IPv6 peer", peer: "[2001:db8::5]:443", xff: []string{"203.0.113.9"}, want: "2001:db8::5"},
		{name: "trusted peer, no header", peer: "127.0.0.1:5000", want: "127.0.0.1"},
		{name: "one hop", peer: "127.0.0.1:5000", xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		{name: "client prefix loses", peer: "127.0.0.1:5000", xff: []string{"1.2.3.4, 203.0.113.9"}, want: "203.0.113.9"},
		{name: "trusted hops skipped", peer: "10.0.0.2:5000", xff: []string{"1.2.3.4,203.0.113.9, 10.0.0.3 ,10.9.9.9"}, want: "203.0.113.9"},
		{name: "several header lines", peer: "127.0.0.1:1", xff: []string{"1.2.3.4", "203.0.113.9"}, want: "203.0.113.9"},
		{name: "all trusted gives leftmost", peer: "127.0.0.1:1", xff: []string{"10.1.1.1, 10.2.2.2"}, want: "10.1.1.1"},
		{name: "xff with port", peer: "127.0.0.1:1", xff: []string{"203.0.113.9:4711"}, want: "203.0.113.9"},
		{name: "xff IPv6", peer: "127.0.0.1:1", xff: []string{"2001:db8::1"}, want: "2001:db8::1"},
		{name: "xff bracketed IPv6 with port", peer: "127.0.0.1:1", xff: []string{"[2001:db8::1]:4711"}, want: "2001:db8::1"},
		{name: "xff mapped IPv4", peer: "127.0.0.1:1", xff: []string{"::ffff:203.0.113.9"}, want: "203.0.113.9"},
		{name: "mapped trusted peer", peer: "[::ffff:127.0.0.1]:1", xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		{name: "trusted IPv6 peer", peer: "[fd00::2]:1", xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		{name: "xff garbage", peer: "127.0.0.1:1", xff: []string{"not an address"}, want: "127.0.0.1"},
		{name: "xff empty element", peer: "127.0.0.1:1", xff: []string{"203.0.113.9, "}, want: "127.0.0.1"},
		{name: "xff garbage left of the client is never read", peer: "127.0.0.1:1", xff: []string{"<script>, 203.0.113.9"}, want: "203.0.113.9"},
		{name: "xff unknown", peer: "127.0.0.1:1", xff: []string{"unknown"}, want: "127.0.0.1"},
		{name: "xff IPv4 in brackets", peer: "127.0.0.1:1", xff: []string{"[203.0.113.9]"}, want: "127.0.0.1"},
		{name: "xff bad port", peer: "127.0.0.1:1", xff: []string{"203.0.113.9:http"}, want: "127.0.0.1"},
		{name: "xff zone dropped", peer: "127.0.0.1:1", xff: []string{"fe80::1%eth0"}, want: "fe80::1"},

		{name: "forwarded", peer: "127.0.0.1:1", fwd: []string{"for=203.0.113.9"}, want: "203.0.113.9"},
		{name: "forwarded case and params", peer: "127.0.0.1:1", fwd: []string{`For="203.0.113.9";proto=https;by=10.0.0.1`}, want: "203.0.113.9"},
		{name: "forwarded quoted IPv4 port", peer: "127.0.0.1:1", fwd: []string{`for="192.0.2.43:47011"`}, want: "192.0.2.43"},
		{name: "forwarded quoted IPv6", peer: "127.0.0.1:1", fwd: []string{`for="[2001:db8:cafe::17]"`}, want: "2001:db8:cafe::17"},
		{name: "forwarded quoted IPv6 port", peer: "127.0.0.1:1", fwd: []string{`for="[2001:db8:cafe::17]:4711"`}, want: "2001:db8:cafe::17"},
		{name: "forwarded obfuscated port", peer: "127.0.0.1:1", fwd: []string{`for="[2001:db8::17]:_gazonk"`}, want: "2001:db8::17"},
		{name: "forwarded chain", peer: "127.0.0.1:1", fwd: []string{`for=192.0.2.60;proto=http;by=203.0.113.43, for=198.51.100.17, for=10.0.0.9`}, want: "198.51.100.17"},
		{name: "forwarded two lines", peer: "127.0.0.1:1", fwd: []string{"for=192.0.2.60", "for=198.51.100.17"}, want: "198.51.100.17"},
		{name: "forwarded obfuscated client", peer: "127.0.0.1:1", fwd: []string{"for=_hidden"}, want: "127.0.0.1"},
		{name: "forwarded unknown client", peer: "127.0.0.1:1", fwd: []string{"for=unknown"}, want: "127.0.0.1"},
		{name: "forwarded obfuscated prefix never read", peer: "127.0.0.1:1", fwd: []string{"for=_hidden, for=198.51.100.17"}, want: "198.51.100.17"},
		{name: "forwarded no for", peer: "127.0.0.1:1", fwd: []string{"proto=https"}, want: "127.0.0.1"},
		{name: "forwarded unterminated quote", peer: "127.0.0.1:1", fwd: []string{`for="198.51.100.17`}, want: "127.0.0.1"},
		{name: "forwarded quote in the middle", peer: "127.0.0.1:1", fwd: []string{`for=198"51.100.17"`}, want: "127.0.0.1"},
		{name: "forwarded comma inside quotes", peer: "127.0.0.1:1", fwd: []string{`for="198.51.100.17,1.2.3.4"`}, want: "127.0.0.1"},
		{name: "forwarded no value", peer: "127.0.0.1:1", fwd: []string{"for="}, want: "127.0.0.1"},
		{name: "forwarded not a pair", peer: "127.0.0.1:1", fwd: []string{"198.51.100.17"}, want: "127.0.0.1"},
		{name: "forwarded two for", peer: "127.0.0.1:1", fwd: []string{"for=1.2.3.4;for=198.51.100.17"}, want: "127.0.0.1"},
		{name: "forwarded garbage anywhere", peer: "127.0.0.1:1", fwd: []string{`"""; for=198.51.100.17`}, want: "127.0.0.1"},
		{name: "forwarded unquoted IPv6 bracket", peer: "127.0.0.1:1", fwd: []string{"for=[2001:db8::17]"}, want: "2001:db8::17"},

		{name: "both headers agree", peer: "127.0.0.1:1", xff: []string{"198.51.100.17"}, fwd: []string{"for=198.51.100.17"}, want: "198.51.100.17"},
		{name: "both headers disagree", peer: "127.0.0.1:1", xff: []string{"198.51.100.17"}, fwd: []string{"for=1.2.3.4"}, want: "127.0.0.1"},

		{name: "unparsable peer", peer: "@", xff: []string{"203.0.113.9"}, want: "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.xff {
				h.Add("X-Forwarded-For", v)
			}
			for _, v := range tt.fwd {
				h.Add("Forwarded", v)
			}
			tr := trusted
			if tt.trusted != nil {
				tr = tt.trusted
			}
			if got := clientAddr(tt.peer, h, tr); got != tt.want {
				t.Fatalf("clientAddr(%q, XFF %q, Forwarded %q) = %q, want %q", tt.peer, tt.xff, tt.fwd, got, tt.want)
			}
		})
	}
}

// FuzzClientAddr: any header gives the peer or an address, never a panic.
func FuzzClientAddr(f *testing.F) {
	f.Add("1.2.3.4, 203.0.113.9", `for="[2001:db8::17]:4711";proto=https`)
	f.Add("", `for=_x, for="`)
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	f.Fuzz(func(t *testing.T, xff, fwd string) {
		h := http.Header{"X-Forwarded-For": {xff}, "Forwarded": {fwd}}
		got := clientAddr("127.0.0.1:1", h, trusted)
		if _, err := netip.ParseAddr(got); err != nil {
			t.Fatalf("%q %q gave %q", xff, fwd, got)
		}
	})
}
