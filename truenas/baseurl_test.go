package truenas_test

import (
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/truenas"
)

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct{ in, want, host string }{
		{"https://nas.example", "https://nas.example", "nas.example"},
		{"https://nas.example:8443/api/current", "https://nas.example:8443", "nas.example"},
		{"wss://10.10.0.20/websocket", "wss://10.10.0.20", "10.10.0.20"},
		{"https://[fd00::20]:443", "https://[fd00::20]:443", "fd00::20"},
	} {
		c, err := truenas.New(tc.in, sitekit.WithToken(sitekit.NewSecret("1-key")))
		if err != nil {
			t.Fatalf("New(%q): %v", tc.in, err)
		}
		u := c.BaseURL()
		if got := u.String(); got != tc.want {
			t.Errorf("BaseURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := u.Hostname(); got != tc.host {
			t.Errorf("BaseURL(%q).Hostname() = %q, want %q", tc.in, got, tc.host)
		}
		// A copy: changing it leaves the client's URL alone.
		u.Host, u.Path = "elsewhere", "/x"
		if got := c.BaseURL().String(); got != tc.want {
			t.Errorf("after modifying the copy, BaseURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
