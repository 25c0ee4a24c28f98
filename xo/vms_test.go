package xo_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

const networkConfig = "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.10.20.11/24\n        gateway: 10.10.20.1\n"

// Evidence: reference xo.md §5 (addresses "<dev>/ipv4/<n>" filled when guest tools report,
// mainIpAddress) and §11.3 (the IP derived from the network-config's static address).
func TestCreateVMBootWaitForIP(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	tpl, err := c.Templates.Find(ctx, srv.PoolID, "Debian 12 Cloud-init (Hub)")
	require.NoError(t, err)
	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{
		Pool: srv.PoolID, Template: tpl.ID, NameLabel: "web", CPUs: 2, Memory: 4 << 30,
		VIFs:          []xo.VIFSpec{{Device: "0", Network: srv.ManagementNetworkID}},
		VDIs:          []xo.VDISpec{{UserDevice: "0", Size: 40 << 30}, {NameLabel: "data", Size: 10 << 30}},
		CloudConfig:   "#cloud-config\nhostname: web\n",
		NetworkConfig: networkConfig, Boot: true, Tags: []string{sitekit.Marker("pessac")},
	})
	require.NoError(t, err)
	assert.Equal(t, "web", vm.NameLabel)
	assert.Equal(t, xo.PowerRunning, vm.PowerState)
	assert.EqualValues(t, 2, vm.CPUs.Number)
	assert.EqualValues(t, 4<<30, vm.Memory.Size)
	assert.Equal(t, []string{"managed-by sitekit:pessac"}, vm.Tags)
	site, ok := sitekit.ParseMarker(vm.Tags[0])
	assert.True(t, ok)
	assert.Equal(t, "pessac", site)
	require.Len(t, vm.VIFs, 1)
	require.Len(t, vm.VBDs, 3) // root, data, config drive

	drive, ok := srv.ConfigDriveOf(vm.ID)
	require.True(t, ok)
	assert.Equal(t, "#cloud-config\nhostname: web\n", drive.UserData)
	assert.Equal(t, networkConfig, drive.NetworkConfig)

	vm, err = c.VMs.WaitPVDrivers(ctx, vm.ID)
	require.NoError(t, err)
	assert.True(t, vm.PVDriversDetected)
	ip, err := c.VMs.WaitForIP(ctx, vm.ID, netip.MustParsePrefix("10.10.20.0/24"))
	require.NoError(t, err)
	assert.Equal(t, "10.10.20.11", ip.String())

	require.NoError(t, c.VMs.CleanShutdown(ctx, vm.ID))
	vm, err = c.VMs.WaitPowerState(ctx, vm.ID, xo.PowerHalted)
	require.NoError(t, err)
	assert.Empty(t, vm.Addresses)
	require.NoError(t, c.VMs.Delete(ctx, vm.ID))
	_, err = c.VMs.Get(ctx, vm.ID)
	assert.True(t, errors.Is(err, sitekit.ErrNotFound), "%v", err)
}
