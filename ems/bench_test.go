package ems_test

import (
	"context"
	"net/http"
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

// BenchmarkSerialVsRawHTTP compares one session call through the client with the same
// request sent with net/http directly (cookies and headers set by hand): the client's
// overhead (retry plumbing, envelope decoding, logging) per call.
func BenchmarkSerialVsRawHTTP(b *testing.B) {
	srv := emstest.NewTestServer(b)
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("client", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.System.Serial(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		var cookie string
		hc := rawHTTP(b, srv)
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/v1/auth/signin", jsonBody(`{"name":"`+srv.Username()+`","password":"`+srv.Password()+`"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		for _, ck := range resp.Cookies() {
			cookie += ck.Name + "=" + ck.Value + "; "
		}
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/v1/system/serial_number", nil)
			req.Header.Set("Cookie", cookie)
			req.Header.Set("Ems-Call-Type", "2")
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(err)
			}
			drain(resp)
		}
	})
}
