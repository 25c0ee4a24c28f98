package truenas_test

import (
	"testing"

	"github.com/sitekit/sitekit/truenas/truenastest"
)

// BenchmarkCallsOneConnection measures calls per second through one TLS WebSocket connection
// on loopback, with up to 16 calls in flight (the client's cap).
func BenchmarkCallsOneConnection(b *testing.B) {
	srv := truenastest.NewTestServer(b)
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Pools.Find(ctx, "tank"); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.System.Ping(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkCallsSequential is the latency-bound figure: one call at a time.
func BenchmarkCallsSequential(b *testing.B) {
	srv := truenastest.NewTestServer(b)
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for b.Loop() {
		if _, err := c.System.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
