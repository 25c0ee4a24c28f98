package xo_test

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// countingClock fires at once and cancels the context after limit waits: the waiter must
// return ctx's error, deterministically and without sleeping.
type countingClock struct {
	n      atomic.Int32
	limit  int32
	cancel context.CancelFunc
}

func (c *countingClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if c.n.Add(1) >= c.limit {
		c.cancel()
		return make(chan time.Time) // never fires: ctx wins
	}
	ch <- time.Time{}
	return ch
}

func TestWaitersAreBoundedByContext(t *testing.T) {
	srv := xotest.New(t, xotest.WithBootPolls(2, 5))
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &countingClock{limit: 1000, cancel: func() {}}
	c, err := srv.Client(xo.WithClock(clock))
	require.NoError(t, err)
	defer c.Close()
	vm := createHalted(t, srv, c, "w")
	require.NoError(t, c.VMs.Start(base, vm.ID))

	// PV drivers after 2 reads, IP after 5: the waiters poll exactly that many times.
	before := srv.Faults().Calls("GET /rest/v0/vms/{id}")
	got, err := c.VMs.WaitPVDrivers(base, vm.ID)
	require.NoError(t, err)
	assert.True(t, got.PVDriversDetected)
	assert.Empty(t, got.Addresses)
	assert.Equal(t, 3, srv.Faults().Calls("GET /rest/v0/vms/{id}")-before)
	ip, err := c.VMs.WaitForIP(base, vm.ID, netip.MustParsePrefix("192.168.100.0/24"))
	require.NoError(t, err)
	assert.True(t, ip.IsValid())
	assert.Equal(t, 6, srv.Faults().Calls("GET /rest/v0/vms/{id}")-before)

	// An address that never comes: the wait ends with the context, after 4 polls.
	ctx, cancel2 := context.WithCancel(base)
	clock.n.Store(0)
	clock.limit, clock.cancel = 4, cancel2
	_, err = c.VMs.WaitForIP(ctx, vm.ID, netip.MustParsePrefix("10.99.0.0/16"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 4, clock.n.Load())

	_, err = c.VMs.WaitPowerState(base, vm.ID, "Running ")
	var fe *sitekit.FieldError
	assert.True(t, errors.As(err, &fe))
	_, err = c.VMs.WaitForIP(base, vm.ID, netip.Prefix{})
	assert.ErrorIs(t, err, sitekit.ErrInvalid)

	// Tasks.Wait polls a task that stays pending when XO ignores wait.
	srv2 := xotest.New(t, xotest.WithTaskPolls(3), xotest.WithIgnoreWait())
	clock2 := &countingClock{limit: 1000, cancel: func() {}}
	c2, err := srv2.Client(xo.WithClock(clock2))
	require.NoError(t, err)
	defer c2.Close()
	_, err = c2.Networks.Create(base, xo.NetworkCreateRequest{Pool: srv2.PoolID, Name: "n", PIF: srv2.Eth1PIFID, VLAN: 30})
	require.NoError(t, err)
	assert.EqualValues(t, 3, clock2.n.Load(), "three pending answers, three pauses")
}
