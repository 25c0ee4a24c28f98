package xotest_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// OnVM reports a VM starting and being destroyed, with its config drive, in that order. Evidence: inferred (a test hook, no XO counterpart).
func TestOnVMReportsLifeCycle(t *testing.T) {
	srv, err := xotest.NewServer(xotest.WithBootPolls(1, 2))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var got []xotest.VMEvent
	srv.OnVM(func(ev xotest.VMEvent) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
	})
	c, err := srv.Client(xo.WithPollInterval(time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()

	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{
		Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "web", CPUs: 1, Memory: 1 << 30,
		VIFs:          []xo.VIFSpec{{Device: "0", Network: srv.ManagementNetworkID}},
		CloudConfig:   "#cloud-config\nhostname: web\n",
		NetworkConfig: "version: 2\nethernets:\n  eth0:\n    addresses: [10.10.20.11/24]\n",
		Boot:          true,
		Tags:          []string{"managed-by sitekit:pessac"},
	})
	require.NoError(t, err)
	_, err = c.VMs.WaitForIP(ctx, vm.ID, netip.MustParsePrefix("10.10.20.0/24"))
	require.NoError(t, err)
	// Reading the VM again reports nothing new.
	_, err = c.VMs.Get(ctx, vm.ID)
	require.NoError(t, err)
	require.NoError(t, c.VMs.Delete(ctx, vm.ID))

	mu.Lock()
	defer mu.Unlock()
	var states []xotest.VMState
	for _, ev := range got {
		states = append(states, ev.State)
		assert.Equal(t, vm.ID, ev.ID)
		assert.Equal(t, "web", ev.Name)
		assert.True(t, ev.HasConfigDrive)
		assert.Contains(t, ev.ConfigDrive.UserData, "hostname: web")
	}
	assert.Equal(t, []xotest.VMState{xotest.VMStarted, xotest.VMDestroyed}, states)
	assert.Equal(t, "10.10.20.11", got[0].IP, "the address its network-config gives")
	assert.Empty(t, got[0].Tags, "create_vm starts the VM before the client tags it")
	assert.Equal(t, []string{"managed-by sitekit:pessac"}, got[1].Tags)
}
