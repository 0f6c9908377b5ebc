package blobtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
)

func testPresign(t *testing.T, s blob.Store) {
	p, ok := s.(blob.Presigner)
	if !ok {
		t.Logf("%s store does not presign: nothing to check", s.Name())
		return
	}
	ctx := context.Background()
	data := RandomBytes(t, 3<<20)
	const key = "presigned/doc.bin"

	putURL, hdr, err := p.PresignPut(ctx, key, int64(len(data)), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code := do(t, http.MethodPut, putURL, hdr, data); code != http.StatusOK {
		t.Fatalf("presigned PUT: status %d", code)
	}
	got, _ := get(t, s, key, nil)
	sameBytes(t, "object written by presigned PUT", got, data)

	getURL, err := p.PresignGet(ctx, key, 10*time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	resp := fetch(t, getURL)
	if resp.code != http.StatusOK {
		t.Fatalf("presigned GET: status %d", resp.code)
	}
	sameBytes(t, "presigned GET", resp.body, data)

	const name = `Rechnung März "2024".pdf`
	dlURL, err := p.PresignGet(ctx, key, 10*time.Minute, name)
	if err != nil {
		t.Fatal(err)
	}
	resp = fetch(t, dlURL)
	if resp.code != http.StatusOK {
		t.Fatalf("presigned GET with filename: status %d", resp.code)
	}
	cd := resp.header.Get("Content-Disposition")
	for _, want := range []string{"attachment", `filename*=UTF-8''Rechnung%20M%C3%A4rz%20%222024%22.pdf`} {
		if !strings.Contains(cd, want) {
			t.Fatalf("Content-Disposition %q lacks %q", cd, want)
		}
	}
	sameBytes(t, "presigned GET with filename", resp.body, data)

	t.Run("Tampered", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			url  string
		}{
			{"get-signature", flipSignature(t, getURL)},
			{"get-other-key", strings.Replace(getURL, "/presigned/doc.bin", "/presigned/doc.bim", 1)},
			{"get-filename", strings.Replace(dlURL, "Rechnung", "Rechnunh", 1)},
			{"get-longer-expiry", setQuery(t, getURL, "X-Amz-Expires", "604800")},
		} {
			if tc.url == getURL || tc.url == dlURL {
				t.Fatalf("%s: tampering changed nothing", tc.name)
			}
			if r := fetch(t, tc.url); r.code != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", tc.name, r.code)
			}
		}
		other := []byte("attacker's bytes")
		for _, tc := range []struct {
			name string
			url  string
			key  string
		}{
			{"put-signature", flipSignature(t, putURL), key},
			{"put-other-key", strings.Replace(putURL, "/presigned/doc.bin", "/presigned/evil.bin", 1), "presigned/evil.bin"},
		} {
			if code := do(t, http.MethodPut, tc.url, hdr, other); code != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", tc.name, code)
			}
			if tc.key != key {
				wantNotFound(t, s, tc.key)
			}
		}
		got, _ := get(t, s, key, nil)
		sameBytes(t, "object after tampered PUTs", got, data)
	})

	// The Content-Length is signed: a body of another size than announced
	// is refused and stores nothing.
	t.Run("OtherSize", func(t *testing.T) {
		const k = "presigned/sized.bin"
		u, h, err := p.PresignPut(ctx, k, 10, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if h.Get("Content-Length") != "10" {
			t.Fatalf("PresignPut headers %v, want Content-Length: 10", h)
		}
		for _, n := range []int{11, 1 << 20, 9} {
			// A server may also answer 403 and close the connection before
			// reading a large body: the client then sees the reset. Either
			// way nothing may be stored.
			code, err := tryDo(http.MethodPut, u, h, bytes.Repeat([]byte("x"), n))
			if err == nil && code != http.StatusForbidden {
				t.Errorf("PUT of %d bytes on a URL signed for 10: status %d, want 403", n, code)
			}
			if err != nil && n < 1<<20 {
				t.Errorf("PUT of %d bytes on a URL signed for 10: %v", n, err)
			}
			wantNotFound(t, s, k)
		}
		if code := do(t, http.MethodPut, u, h, bytes.Repeat([]byte("x"), 10)); code != http.StatusOK {
			t.Errorf("PUT of the signed size: status %d", code)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		u, err := p.PresignGet(ctx, key, time.Second, "")
		if err != nil {
			t.Fatal(err)
		}
		pu, _, err := p.PresignPut(ctx, "presigned/late.bin", 4, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// S3 expiries have a resolution of one second; wait until both
		// URLs are surely past it.
		time.Sleep(2100 * time.Millisecond)
		if r := fetch(t, u); r.code != http.StatusForbidden {
			t.Errorf("expired GET: status %d, want 403", r.code)
		}
		if code := do(t, http.MethodPut, pu, hdr, []byte("late")); code != http.StatusForbidden {
			t.Errorf("expired PUT: status %d, want 403", code)
		}
		wantNotFound(t, s, "presigned/late.bin")
	})
}

type response struct {
	code   int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, u string) response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func do(t *testing.T, method, u string, hdr http.Header, body []byte) int {
	t.Helper()
	code, err := tryDo(method, u, hdr, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return code
}

// tryDo sends the request and returns the status, or the transport error.
func tryDo(method, u string, hdr http.Header, body []byte) (int, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// flipSignature changes one character of the X-Amz-Signature parameter.
func flipSignature(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	sig := u.Query().Get("X-Amz-Signature")
	if sig == "" {
		t.Fatalf("no X-Amz-Signature in %s", raw)
	}
	c := byte('0')
	if sig[0] == '0' {
		c = '1'
	}
	return setQuery(t, raw, "X-Amz-Signature", string(c)+sig[1:])
}

func setQuery(t *testing.T, raw, name, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
