package ssrf

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckURLHostile(t *testing.T) {
	tests := []struct {
		url  string
		want string // substring of the error
	}{
		{"http://127.0.0.1/", "address 127.0.0.1 is a loopback address"},
		{"http://127.0.0.1:8080/x", "loopback"},
		{"http://10.0.0.5/", "address 10.0.0.5 is in a private network"},
		{"http://172.16.3.4/", "private network"},
		{"http://172.31.255.255/", "private network"},
		{"http://192.168.1.1/", "private network"},
		{"http://100.64.0.1/", "carrier-grade NAT"},
		{"http://169.254.1.1/", "link-local"},
		{"http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is a cloud metadata service address"},
		{"http://100.100.100.200/", "metadata"},
		{"http://224.0.0.1/", "multicast"},
		{"http://0.0.0.0/", "unspecified"},
		{"http://255.255.255.255/", "broadcast"},
		{"http://240.0.0.1/", "reserved"},
		// Legacy spellings of 127.0.0.1 and friends.
		{"http://2130706433/", `loopback address (written "2130706433")`},
		{"http://0x7f000001/", "loopback"},
		{"http://0x7f.1/", "loopback"},
		{"http://0177.0.0.1/", "loopback"},
		{"http://0177.1/", "loopback"},
		{"http://127.1/", "loopback"},
		{"http://127.0.1/", "loopback"},
		{"http://0x7F.0x0.0x0.0x1/", "loopback"},
		{"http://017700000001/", "loopback"},
		{"http://127.0.0.1./", "loopback"},
		{"http://167772165/", "address 10.0.0.5 is in a private network"},
		{"http://0xa9fea9fe/", "metadata"},
		{"http://0/", "unspecified"},
		{"http://0x08.8.8.8/", "non-canonical IPv4 spelling"},
		{"http://1.2.3.4.5/", "not a valid one"},
		{"http://256.0.0.1/", "not a valid one"},
		{"http://4294967296/", "not a valid one"},
		{"http://foo.123/", "not a valid one"},
		// IPv6 forms.
		{"http://[::1]/", "address ::1 is a loopback address"},
		{"http://[::]/", "unspecified"},
		{"http://[::ffff:127.0.0.1]/", "IPv4-mapped"},
		{"http://[::ffff:8.8.8.8]/", "IPv4-mapped"},
		{"http://[0:0:0:0:0:ffff:7f00:1]/", "IPv4-mapped"},
		{"http://[::127.0.0.1]/", "IPv4-compatible"},
		{"http://[fc00::1]/", "private network"},
		{"http://[fd12:3456::1]/", "private network"},
		{"http://[fe80::1]/", "link-local"},
		{"http://[fe80::1%25eth0]/", "zoned"},
		{"http://[ff02::1]/", "multicast"},
		{"http://[fd00:ec2::254]/", "metadata"},
		{"http://[2002:7f00:1::]/", "6to4 address embedding 127.0.0.1"},
		{"http://[2002:a00:5::1]/", "6to4 address embedding 10.0.0.5"},
		{"http://[64:ff9b::a9fe:a9fe]/", "NAT64 address embedding 169.254.169.254"},
		{"http://[64:ff9b::10.0.0.1]/", "NAT64"},
		{"http://[64:ff9b:1::1]/", "local-use NAT64"},
		{"http://[2001:db8::1]/", "documentation"},
		// Names.
		{"http://localhost/", `address localhost is a loopback name`},
		{"http://LOCALHOST.:8080/", "loopback name"},
		{"http://app.localhost/", "loopback name"},
		{"http://metadata.google.internal/computeMetadata/v1/", "cloud metadata service name"},
		{"http://metadata.google.internal./", "metadata"},
		// Schemes and forms.
		{"file:///etc/passwd", `scheme "file"`},
		{"gopher://127.0.0.1:70/_x", `scheme "gopher"`},
		{"ftp://example.com/", `scheme "ftp"`},
		{"dict://example.com:11211/", `scheme "dict"`},
		{"javascript:alert(1)", "scheme"},
		{"//example.com/", `scheme ""`},
		{"example.com", `scheme ""`},
		{"http://user:pass@example.com/", "user info"},
		{"http://example.com@127.0.0.1/", "user info"},
		{"http://@127.0.0.1/", "user info"},
		{"http:///path", "empty host"},
		{"http://example.com:99999/", "bad port"},
		{"http://example.com:/", "empty port"},
		{"http://exa mple.com/", "invalid"},
		{"http://" + strings.Repeat("a", 5000) + ".com/", "longer than"},
	}
	g, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := g.CheckURL(tt.url)
			if err == nil {
				t.Fatalf("CheckURL(%q) = nil, want refusal", tt.url)
			}
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("error %v does not wrap ErrForbiddenAddress", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckURL(%q) = %q, want it to contain %q", tt.url, err, tt.want)
			}
			if err2 := CheckURL(tt.url); err2 == nil {
				t.Errorf("package CheckURL(%q) = nil", tt.url)
			}
		})
	}
}

func TestCheckURLAllowed(t *testing.T) {
	tests := []string{
		"https://cloud.example.com/remote.php/dav/files/alice/",
		"http://example.com:8080/dav",
		"https://8.8.8.8/",
		"https://[2606:4700:4700::1111]/",
		"https://[2002:808:808::1]/", // 6to4 of a public address
		"https://xn--bcher-kva.example/",
		"https://example.com./",
		"https://1password.com/",
	}
	g, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tests {
		if err := g.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%q) = %v, want nil", u, err)
		}
	}
}

func TestAllowlist(t *testing.T) {
	g, err := New(ParseAllowlist(" nextcloud.lan, 192.168.1.0/24 ,127.0.0.1,,fd12::/16,0.0.0.0/0"))
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{
		"http://nextcloud.lan/",
		"http://NEXTCLOUD.LAN./",
		"http://192.168.1.20/",
		"http://127.0.0.1:1234/",
		"http://[fd12::5]/",
		"http://10.1.2.3/", // 0.0.0.0/0 allowlisted by the admin
	}
	for _, u := range allowed {
		if err := g.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%q) = %v, want allowed", u, err)
		}
	}
	refused := []string{
		"http://169.254.169.254/", // metadata stays refused even under 0.0.0.0/0
		"http://[fd00:ec2::254]/",
		"http://localhost/",
		"http://metadata.google.internal/",
		"http://0177.0.0.1/", // allowlisted address, but a spelling DNS may misread
	}
	for _, u := range refused {
		if err := g.CheckURL(u); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("CheckURL(%q) = %v, want ErrForbiddenAddress", u, err)
		}
	}
}

func TestAllowlistIsExact(t *testing.T) {
	g, err := New([]string{"127.0.0.1", "nas.lan"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://127.0.0.2/", "http://10.0.0.1/", "http://[::1]/"} {
		if err := g.CheckURL(u); err == nil {
			t.Errorf("CheckURL(%q) = nil, want refusal", u)
		}
	}
	if g.allowedName("sub.nas.lan") || g.allowedName("nas.lan.evil") {
		t.Error("allowlisted names must match exactly")
	}
}

func TestNewRejectsBadEntries(t *testing.T) {
	for _, e := range []string{"10.0.0.0/33", "http://x", "a b", "1.2.3.4.5", "fe80::/200"} {
		if _, err := New([]string{e}); err == nil {
			t.Errorf("New([%q]) = nil error", e)
		}
	}
}

func TestCheckIP(t *testing.T) {
	tests := []struct {
		ip   string
		want string // "" means allowed
	}{
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"2606:4700::1111", ""},
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", ""}, // Teredo, public client
		{"127.0.0.53", "loopback"},
		{"::ffff:10.0.0.1", "IPv4-mapped"},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo address embedding 127.0.0.1"},
		{"fe80::1%eth0", "link-local"},
	}
	for _, tt := range tests {
		err := CheckIP(netip.MustParseAddr(tt.ip))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckIP(%s) = %v, want nil", tt.ip, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckIP(%s) = %v, want %q", tt.ip, err, tt.want)
		}
	}
	if err := CheckIP(netip.Addr{}); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("CheckIP(invalid) = %v", err)
	}
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://127.0.0.1/", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/",
		"http://127.1/", "http://[::ffff:127.0.0.1]/", "http://[0:0:0:0:0:ffff:7f00:1]/",
		"https://example.com/dav", "http://user@host/", "file:///etc/passwd", "gopher://x/",
		"http://[fe80::1%25en0]:80/", "http://0x/", "http://00/", "http://1.2.3.4.5/",
		"http://metadata.google.internal/", "http://[2002:7f00:1::]/", "http://169.254.169.254/",
	} {
		f.Add(s)
	}
	g, err := New([]string{"192.168.7.0/24", "nas.lan"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := g.CheckURL(raw)
		if err != nil {
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("error %v does not wrap ErrForbiddenAddress", err)
			}
			return
		}
		// Anything accepted must be http(s) with a host whose literal
		// address, if any, is public or allowlisted.
		kind, ip, err := parseHost(mustHost(t, raw))
		if err != nil {
			t.Fatalf("accepted %q but host does not parse: %v", raw, err)
		}
		if kind == hostIP && CheckIP(ip) != nil && !g.allowedAddr(ip) {
			t.Fatalf("accepted %q with forbidden address %s", raw, ip)
		}
	})
}
