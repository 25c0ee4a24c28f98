//go:build unix

package netdata_test

import (
	"encoding/json"
	"github.com/sitekit/sitekit/internal/benchkit"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sitekit/sitekit/netdata"
)

// BenchmarkChartVsNetHTTP reads the recorded 1.37.1 system.cpu chart through the client and
// with bare net/http decoding the same body into the same
// netdata.Chart, both from one plain loopback server. It reports the process CPU per call of
// each (the server's share included in both) and cpu-ratio = client ÷ net/http: what the
// client's validation, retry and error plumbing cost on top of the HTTP exchange and decode.
// One op is one block of calls on each side.
func BenchmarkChartVsNetHTTP(b *testing.B) {
	body := recorded(b, "v1_chart_system.cpu.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	c, err := netdata.New(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	hc := &http.Client{Transport: &http.Transport{}}
	raw := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/chart?chart=system.cpu", nil)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var ch netdata.Chart
		if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(data, &ch) != nil || ch.ID != "system.cpu" {
			b.Fatal("raw call failed", err)
		}
	}
	raw()
	if _, err := c.Charts.Get(ctx, "system.cpu"); err != nil {
		b.Fatal(err)
	}

	// Blocks of calls alternate between the two sides, so that a slower or busier moment of
	// the machine weighs on both alike.
	const block = 50
	var client, bare time.Duration
	n := 0
	for b.Loop() {
		start := benchkit.ProcessCPU(b)
		for range block {
			if _, err := c.Charts.Get(ctx, "system.cpu"); err != nil {
				b.Fatal(err)
			}
		}
		client += benchkit.ProcessCPU(b) - start
		start = benchkit.ProcessCPU(b)
		for range block {
			raw()
		}
		bare += benchkit.ProcessCPU(b) - start
		n += block
	}
	b.ReportMetric(float64(client.Nanoseconds())/float64(n), "client-cpu-ns/op")
	b.ReportMetric(float64(bare.Nanoseconds())/float64(n), "nethttp-cpu-ns/op")
	b.ReportMetric(float64(client)/float64(max(bare, 1)), "cpu-ratio")
}
