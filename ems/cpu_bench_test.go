//go:build unix

package ems_test

import (
	"encoding/json"
	"github.com/sitekit/sitekit/internal/benchkit"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
)

// BenchmarkSerialVsNetHTTP reads the EMS serial number through the client and with bare
// net/http (same cookies and headers, the envelope decoded into a struct), both from one
// plain loopback server answering a fixed envelope. It reports the process CPU per call of
// each side (the server's share included in both) and their ratio, cpu-ratio = client ÷
// net/http: what the client's session, retry and error plumbing cost on top of the HTTP
// exchange. One op is one block of calls on each side.
func BenchmarkSerialVsNetHTTP(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/auth/signin", func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: "c0ffee"})
		http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: "5e551011"})
		_, _ = w.Write([]byte(`{"result":{"retval":1,"message":"Login successful."}}`))
	})
	serial := []byte(`{"result":{"retval":1,"message":"Serial number retrieved."},"data":"FCTEMS0000000000"}`)
	mux.HandleFunc("/api/v1/system/serial_number", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(serial)
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	c, err := ems.New(srv.URL, sitekit.WithCredentials("apiadmin", sitekit.NewSecret("pw")))
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if _, err := c.System.Serial(ctx); err != nil { // signs in
		b.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	raw := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/system/serial_number", nil)
		req.Header.Set("Cookie", "csrftoken=c0ffee; sessionid=5e551011")
		req.Header.Set("X-CSRFToken", "c0ffee")
		req.Header.Set("Referer", srv.URL+"/")
		req.Header.Set("Ems-Call-Type", "2")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env struct {
			Result struct {
				RetVal int `json:"retval"`
			} `json:"result"`
			Data string `json:"data"`
		}
		if err != nil || json.Unmarshal(body, &env) != nil || env.Result.RetVal != 1 {
			b.Fatal("raw call failed", err)
		}
	}
	raw() // warm the connection

	// Blocks of calls alternate between the two sides, so that a slower or busier moment of
	// the machine weighs on both alike.
	const block = 50
	var client, bare time.Duration
	n := 0
	for b.Loop() {
		start := benchkit.ProcessCPU(b)
		for range block {
			if _, err := c.System.Serial(ctx); err != nil {
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
