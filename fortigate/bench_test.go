package fortigate_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
)

// BenchmarkClientOverhead measures one typed Get (validation, resty, retry loop, envelope
// and record decoding, slog record) against the same GET made with bare net/http on the
// same keep-alive TLS connection to the simulator on loopback, and reports the ratio as
// "x-raw" (1.0 = no overhead).
func BenchmarkClientOverhead(b *testing.B) {
	s, err := fortigatetest.NewServer()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, err := s.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Addresses.Create(ctx, fortigate.Address{Name: "bench", Subnet: fortigate.MustIPMask("10.9.9.0/24")}); err != nil {
		b.Fatal(err)
	}
	tlsCfg, _ := sitekit.TLSConfig{CertSHA256: []string{s.Fingerprint()}}.Build()
	raw := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg.Clone()}}
	rawGet := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/api/v2/cmdb/firewall/address/bench", nil)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := raw.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	var rawNs, clientNs float64
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			rawGet()
		}
		rawNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("client", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Addresses.Get(ctx, "bench"); err != nil {
				b.Fatal(err)
			}
		}
		clientNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		if rawNs > 0 {
			b.ReportMetric(clientNs/rawNs, "x-raw")
		}
	})
}
