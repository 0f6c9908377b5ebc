package classify

import "net/url"

// parseHTTPURL returns u when raw is an absolute http(s) URL with a host.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, nil
	}
	return u, nil
}
