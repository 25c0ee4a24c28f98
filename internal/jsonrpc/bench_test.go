package jsonrpc_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

// echoServer answers "echo" with its params, as a simulator's cheapest method would.
func echoServer(b *testing.B) string {
	srv := jsonrpc.NewServer(func(ctx context.Context, p *jsonrpc.Peer, req *jsonrpc.Request) (any, error) {
		return req.Params, nil
	})
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return hs.URL + "/api/"
}

type benchParams struct {
	ID     string   `json:"id"`
	Fields []string `json:"fields"`
}

// BenchmarkRoundTrip measures JSON-RPC round trips over one WebSocket connection, one call at
// a time and with 16 calls in flight, reported as calls/s.
func BenchmarkRoundTrip(b *testing.B) {
	params := benchParams{ID: "6b0e7b5e-2f4c-4d5a-9a1e-3c2d1f0e9b8a", Fields: []string{"name_label", "power_state"}}
	for _, inflight := range []int{1, 16} {
		name := "sequential"
		if inflight > 1 {
			name = "inflight16"
		}
		b.Run(name, func(b *testing.B) {
			c, err := jsonrpc.New(echoServer(b))
			require.NoError(b, err)
			b.Cleanup(func() { _ = c.Close() })
			ctx := context.Background()
			require.NoError(b, c.Connect(ctx))
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := (b.N + inflight - 1) / inflight
			errs := make(chan error, inflight)
			for range inflight {
				wg.Go(func() {
					var out json.RawMessage
					for range per {
						if err := c.Call(ctx, "echo", params, &out); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				require.NoError(b, err)
			}
			b.ReportMetric(float64(per*inflight)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}
