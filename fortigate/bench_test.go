package fortigate_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/sitekit/sitekit/internal/benchkit"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
)

// simChildEnv makes the test binary a simulator process (see TestMain), so that the
// benchmarks measure the client's CPU alone.
const simChildEnv = "FORTIGATE_BENCH_SIMULATOR"

func TestMain(m *testing.M) {
	if os.Getenv(simChildEnv) == "1" {
		s, err := fortigatetest.NewServer()
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(s.URL(), s.Token(), s.Fingerprint())
		_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
		s.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// remoteSim is a simulator running in a child process.
type remoteSim struct{ url, token, fingerprint string }

func startRemoteSim(b *testing.B) remoteSim {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), simChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 {
		b.Fatalf("simulator child: %q %v", line, err)
	}
	return remoteSim{url: f[0], token: f[1], fingerprint: f[2]}
}

// cost is what a run of n operations used in this process.
type cost struct {
	n             int
	ns, cpu, allc float64 // per operation: wall ns, user+system CPU ns, allocations
}

func measure(b *testing.B, n int, op func()) cost {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	c0, t0 := benchkit.ProcessCPU(b), time.Now()
	for range n {
		op()
	}
	wall, cpu := time.Since(t0), benchkit.ProcessCPU(b)-c0
	runtime.ReadMemStats(&m1)
	return cost{n: n, ns: float64(wall.Nanoseconds()) / float64(n), cpu: float64(cpu.Nanoseconds()) / float64(n),
		allc: float64(m1.Mallocs-m0.Mallocs) / float64(n)}
}

// overhead runs typed and bare alternately in blocks over b.N operations each, reports
// the typed call's cost per operation and its ratio to the bare net/http call
// (cpu-ratio, ns-ratio, allocs-ratio: measured ÷ floor).
func overhead(b *testing.B, typed, bare func()) {
	typed()
	bare()
	var tc, bc cost
	add := func(s *cost, c cost) {
		tot := s.n + c.n
		s.ns = (s.ns*float64(s.n) + c.ns*float64(c.n)) / float64(tot)
		s.cpu = (s.cpu*float64(s.n) + c.cpu*float64(c.n)) / float64(tot)
		s.allc = (s.allc*float64(s.n) + c.allc*float64(c.n)) / float64(tot)
		s.n = tot
	}
	b.ResetTimer()
	for left := b.N; left > 0; {
		k := min(left, 200)
		add(&tc, measure(b, k, typed))
		add(&bc, measure(b, k, bare))
		left -= k
	}
	b.StopTimer()
	b.ReportMetric(tc.ns, "ns/op") // the typed call's, not the two loops'
	b.ReportMetric(tc.cpu, "cpu-ns/op")
	b.ReportMetric(bc.cpu, "floor-cpu-ns/op")
	b.ReportMetric(tc.allc, "allocs/op")
	b.ReportMetric(bc.allc, "floor-allocs/op")
	b.ReportMetric(tc.cpu/bc.cpu, "cpu-ratio")
	b.ReportMetric(tc.ns/bc.ns, "ns-ratio")
	b.ReportMetric(tc.allc/bc.allc, "allocs-ratio")
}

// benchClients returns a typed client and a bare net/http client sharing one transport
// limited to one connection, so both use the same keep-alive TLS connection.
func benchClients(b *testing.B, sim remoteSim) (*fortigate.Client, *http.Client) {
	tlsCfg, err := sitekit.TLSConfig{CertSHA256: []string{sim.fingerprint}}.Build()
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
	b.Cleanup(hc.CloseIdleConnections)
	c, err := fortigate.New(sim.url, sitekit.WithToken(sitekit.NewSecret(sim.token)), sitekit.WithHTTPClient(hc), fortigate.WithVDOM("root"))
	if err != nil {
		b.Fatal(err)
	}
	return c, hc
}

func bareDo(b *testing.B, hc *http.Client, sim remoteSim, method, path string, body []byte) []byte {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, sim.url+path, rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+sim.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
	}
	return out
}

// BenchmarkGet: a typed Addresses.Get (validation, retry layer, envelope and record
// decoding) against the same GET made with bare net/http (body read, not decoded), on
// the same TLS connection to a simulator in another process.
func BenchmarkGet(b *testing.B) {
	sim := startRemoteSim(b)
	c, hc := benchClients(b, sim)
	ctx := context.Background()
	if _, err := c.Addresses.Create(ctx, fortigate.Address{Name: "bench", Subnet: fortigate.MustIPMask("10.9.9.0/24"), Comment: "benchmark"}); err != nil {
		b.Fatal(err)
	}
	overhead(b, func() {
		if _, err := c.Addresses.Get(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}, func() {
		bareDo(b, hc, sim, http.MethodGet, "/api/v2/cmdb/firewall/address/bench?vdom=root", nil)
	})
}

// BenchmarkCreateDelete: a typed Create then Delete of an address against the same POST
// (a JSON body marshalled by hand) and DELETE made with bare net/http.
func BenchmarkCreateDelete(b *testing.B) {
	sim := startRemoteSim(b)
	c, hc := benchClients(b, sim)
	ctx := context.Background()
	addr := fortigate.Address{Name: "bench-cd", Subnet: fortigate.MustIPMask("10.9.8.0/24"), Comment: "benchmark"}
	body := []byte(`{"name":"bench-cd2","subnet":"10.9.7.0 255.255.255.0","comment":"benchmark"}`)
	overhead(b, func() {
		if _, err := c.Addresses.Create(ctx, addr); err != nil {
			b.Fatal(err)
		}
		if err := c.Addresses.Delete(ctx, addr.Name); err != nil {
			b.Fatal(err)
		}
	}, func() {
		bareDo(b, hc, sim, http.MethodPost, "/api/v2/cmdb/firewall/address?vdom=root", body)
		bareDo(b, hc, sim, http.MethodDelete, "/api/v2/cmdb/firewall/address/bench-cd2?vdom=root", nil)
	})
}
