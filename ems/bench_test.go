package ems_test

import (
	"context"
	"testing"

	"github.com/sitekit/sitekit/ems/emstest"
)

// BenchmarkEndpointsListAll lists 500 endpoints in pages of 100 through the client and
// reports the HTTP calls per listing (5: one per page, the session is reused).
func BenchmarkEndpointsListAll(b *testing.B) {
	srv := emstest.NewTestServer(b, emstest.WithoutFactoryData())
	for i := range 500 {
		srv.AddEndpoint(emstest.EndpointSeed{Name: "PC", IP: "10.0.0.1", Online: i%2 == 0})
	}
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.System.Serial(ctx); err != nil {
		b.Fatal(err)
	}
	srv.Faults().ResetCounters()
	b.ResetTimer()
	for b.Loop() {
		es, err := c.Endpoints.List(ctx, nil)
		if err != nil || len(es) != 500 {
			b.Fatal(err, len(es))
		}
	}
	b.ReportMetric(float64(srv.Faults().TotalCalls())/float64(b.N), "calls/op")
	b.ReportMetric(float64(500*b.N)/b.Elapsed().Seconds(), "endpoints/s")
}
