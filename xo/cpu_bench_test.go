//go:build unix

package xo_test

import (
	"encoding/json"
	"github.com/sitekit/sitekit/internal/benchkit"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

// vmExample is the VM example of the XO REST API 0.39.0 OpenAPI document (GET /vms/{id}).
func vmExample(tb testing.TB) []byte {
	tb.Helper()
	raw, err := os.ReadFile("xotest/testdata/swagger.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Examples map[string]struct {
						Value json.RawMessage `json:"value"`
					} `json:"examples"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		tb.Fatal(err)
	}
	ex := doc.Paths["/vms/{id}"]["get"].Responses["200"].Content["application/json"].Examples["Example 1"].Value
	if len(ex) == 0 {
		tb.Fatal("no VM example")
	}
	return ex
}

// BenchmarkGetVMVsNetHTTP reads one VM (the OpenAPI document's example, about 6 KB) with
// the typed client (c.VMs.Get) and with bare net/http decoding the same body into the same
// xo.VM, both through one *http.Client, so on the same keep-alive connection to one plain
// loopback server. It reports the process CPU per call of each (the server's share, a
// constant body, included in both) and cpu-ratio = client ÷ net/http: what the client's
// validation, authentication, retry and error plumbing cost on top of the HTTP exchange
// and the decode. One op is one block of calls on each side.
func BenchmarkGetVMVsNetHTTP(b *testing.B) {
	body := vmExample(b)
	var want xo.VM
	if err := json.Unmarshal(body, &want); err != nil {
		b.Fatal(err)
	}
	path := "/rest/v0/vms/" + want.ID
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	c, err := xo.New(srv.URL, sitekit.WithPlainHTTP(), sitekit.WithHTTPClient(hc), sitekit.WithToken(sitekit.NewSecret("bench-token")))
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	raw := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Cookie", "authenticationToken=bench-token")
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var vm xo.VM
		if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(data, &vm) != nil || vm.ID != want.ID {
			b.Fatal("raw call failed", err)
		}
	}
	typed := func() {
		vm, err := c.VMs.Get(ctx, want.ID)
		if err != nil || vm.ID != want.ID {
			b.Fatal(err)
		}
	}
	raw()
	typed()

	// Blocks of calls alternate between the two sides, so that a slower or busier moment of
	// the machine weighs on both alike.
	const block = 50
	var client, bare time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		start := benchkit.ProcessCPU(b)
		for range block {
			typed()
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
