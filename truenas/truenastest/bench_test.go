package truenastest

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

// seedDatasets adds n datasets under tank/bench without going through the API.
func seedDatasets(s *Server, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.datasets["tank/bench"] = &dataset{name: "tank/bench", typ: "FILESYSTEM", props: map[string]string{}, userProps: map[string]string{}}
	for i := range n {
		name := fmt.Sprintf("tank/bench/d%05d", i)
		st.datasets[name] = &dataset{name: name, typ: "FILESYSTEM", props: map[string]string{"comments": "managed-by sitekit:bench"}, userProps: map[string]string{}}
	}
	st.datasetsChanged("tank")
}

// queryCost returns the mean time of one handled call of method with params on a server of
// rows datasets (the handler and the JSON encoding of the answer, without the network).
func queryCost(b *testing.B, rows, iters int, params string) time.Duration {
	s, err := NewServer(WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedDatasets(s, rows)
	var raw []json.RawMessage
	_ = json.Unmarshal([]byte(params), &raw)
	ss := &session{version: "v26.0.0", authed: true, legacyJobs: true, subs: map[string]string{}}
	call := func() {
		c := &call{s: s, ss: ss, params: raw, method: "pool.dataset.query"}
		res, err := methods["pool.dataset.query"].fn(c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(res); err != nil {
			b.Fatal(err)
		}
	}
	call() // render the rows once, as the first query after a change does
	runtime.GC()
	start := time.Now()
	for range iters {
		call()
	}
	return time.Since(start) / time.Duration(iters)
}

// BenchmarkQueryScaling measures pool.dataset.query against tables of 100, 1,000 and 10,000
// datasets: a get by id, and a page of 100 rows. scaling-ratio is the cost at this size ÷
// the cost at 100 rows, measured in the same run (1 means independent of the table size).
func BenchmarkQueryScaling(b *testing.B) {
	cases := map[string]string{
		"get":  `[[["id","=","tank/bench/d00042"]],{"get":true}]`,
		"page": `[[["name","^","tank/bench/"]],{"limit":100}]`,
	}
	for _, kind := range []string{"get", "page"} {
		for _, rows := range []int{100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/rows=%d", kind, rows), func(b *testing.B) {
				iters := max(b.N, 20)
				base := queryCost(b, 100, iters, cases[kind])
				cost := queryCost(b, rows, iters, cases[kind])
				for b.Loop() {
				}
				b.ReportMetric(float64(cost.Microseconds()), "µs/query")
				b.ReportMetric(float64(cost)/float64(base), "scaling-ratio")
			})
		}
	}
}

var _ = jsonrpc.CodeInvalidParams
