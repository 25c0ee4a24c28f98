package xo_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/simkit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

func TestReadsSurviveInjectedFaults(t *testing.T) {
	srv := xotest.NewTestServer(t, xotest.WithFaults(simkit.Faults{Seed: 7, Rate: 0.3, Statuses: []int{502, 503, 504}, ReadsToo: true}))
	c, err := srv.Client(sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 8, InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxRetryAfter: time.Second}))
	require.NoError(t, err)
	defer c.Close()
	for i := 0; i < 20; i++ {
		_, err := c.Pools.List(ctx(t), nil)
		require.NoError(t, err)
	}
	assert.Positive(t, srv.Faults().Injected())

	// A create is never re-sent after a 503 without Retry-After.
	srv.Faults().SetFaults(simkit.Faults{})
	srv.Faults().FailNext(http.StatusServiceUnavailable, 0)
	srv.Faults().ResetCounters()
	_, err = c.Networks.Create(ctx(t), xo.NetworkCreateRequest{Pool: srv.PoolID, Name: "n", PIF: srv.Eth1PIFID, VLAN: 40})
	require.Error(t, err)
	assert.True(t, sitekit.IsRetryable(err))
	assert.Equal(t, 1, srv.Faults().Calls("POST /rest/v0/pools/{id}/actions/create_network"))
}
