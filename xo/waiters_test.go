package xo_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// The waiters run in a synctest bubble: their pauses take no real time, and the number of
// polls and the fake time elapsed are exact.
func TestWaitersAreBoundedByContext(t *testing.T) {
	srv := xotest.NewTestServer(t, xotest.WithPlainHTTP(), xotest.WithBootPolls(2, 5))
	synctest.Test(t, func(t *testing.T) {
		base := context.Background()
		c := memClient(t, srv)
		vm := createHalted(t, srv, c, "w")
		require.NoError(t, c.VMs.Start(base, vm.ID))

		// PV drivers after 2 reads, IP after 5: the waiters poll exactly that many times.
		reads := func() int { return srv.Faults().Calls("GET /rest/v0/vms/{id}") }
		before := reads()
		got, err := c.VMs.WaitPVDrivers(base, vm.ID)
		require.NoError(t, err)
		assert.True(t, got.PVDriversDetected)
		assert.Empty(t, got.Addresses)
		assert.Equal(t, 3, reads()-before)
		ip, err := c.VMs.WaitForIP(base, vm.ID, netip.MustParsePrefix("192.168.100.0/24"))
		require.NoError(t, err)
		assert.True(t, ip.IsValid())
		assert.Equal(t, 6, reads()-before)

		// An address that never comes: the wait ends with the context. Reads at 0, 2, 4 and
		// 6 s; the deadline at 7 s interrupts the fourth pause.
		ctx, cancel := context.WithTimeout(base, 3*xo.DefaultPollInterval+time.Second)
		defer cancel()
		before = reads()
		_, err = c.VMs.WaitForIP(ctx, vm.ID, netip.MustParsePrefix("10.99.0.0/16"))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 4, reads()-before)

		_, err = c.VMs.WaitPowerState(base, vm.ID, "Running ")
		var fe *sitekit.FieldError
		assert.True(t, errors.As(err, &fe))
		_, err = c.VMs.WaitForIP(base, vm.ID, netip.Prefix{})
		assert.ErrorIs(t, err, sitekit.ErrInvalid)
	})
}

// Tasks.Wait polls a task that stays pending when XO ignores wait (XO ≤ 5.109 ended a wait at
// the next state change).
func TestTaskWaitPollsWhenWaitIsIgnored(t *testing.T) {
	srv := xotest.NewTestServer(t, xotest.WithPlainHTTP(), xotest.WithTaskPolls(3), xotest.WithIgnoreWait())
	synctest.Test(t, func(t *testing.T) {
		c := memClient(t, srv)
		start := time.Now()
		_, err := c.Networks.Create(context.Background(), xo.NetworkCreateRequest{Pool: srv.PoolID, Name: "n", PIF: srv.Eth1PIFID, VLAN: 30})
		require.NoError(t, err)
		assert.Equal(t, 4, srv.Faults().Calls("GET /rest/v0/tasks/{id}"), "three pending answers, then the end")
		assert.Equal(t, 3*xo.DefaultPollInterval, time.Since(start), "three pauses")
	})
}
