package xo_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

func createHalted(t *testing.T, srv *xotest.Server, c *xo.Client, name string) xo.VM {
	t.Helper()
	vm, err := c.VMs.Create(ctx(t), xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.WindowsTemplateID, NameLabel: name, CPUs: 4, Memory: 8 << 30,
		VIFs: []xo.VIFSpec{{Device: "0", Network: srv.ManagementNetworkID}}})
	require.NoError(t, err)
	return vm
}

// Evidence: reference xo.md §11.3 (REST start only from Halted, clean_* need PV drivers,
// hard_* always; XAPI VM_BAD_POWER_STATE / VM_MISSING_PV_DRIVERS as task failures). The
// boot progress per read is the simulator's own device (inferred timing).
func TestVMPowerStateMachine(t *testing.T) {
	srv, c := setup(t, xotest.WithBootPolls(3, 4))
	ctx := ctx(t)
	vm := createHalted(t, srv, c, "erp")
	assert.Equal(t, xo.PowerHalted, vm.PowerState)
	assert.Equal(t, srv.PoolID, vm.Container)

	require.NoError(t, c.VMs.Start(ctx, vm.ID))
	err := c.VMs.Start(ctx, vm.ID)
	var te *xo.TaskError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, "VM_BAD_POWER_STATE", te.Code)

	// Clean shutdown before PV drivers: retryable failure.
	err = c.VMs.CleanShutdown(ctx, vm.ID)
	require.Error(t, err)
	assert.True(t, sitekit.IsRetryable(err), "%v", err)

	got, err := c.VMs.WaitPVDrivers(ctx, vm.ID)
	require.NoError(t, err)
	assert.Equal(t, srv.HostID, got.Container)
	require.NoError(t, c.VMs.Pause(ctx, vm.ID))
	require.NoError(t, c.VMs.Unpause(ctx, vm.ID))
	require.NoError(t, c.VMs.Suspend(ctx, vm.ID))
	require.NoError(t, c.VMs.Resume(ctx, vm.ID))
	require.NoError(t, c.VMs.CleanReboot(ctx, vm.ID))
	require.NoError(t, c.VMs.HardReboot(ctx, vm.ID))
	require.NoError(t, c.VMs.HardShutdown(ctx, vm.ID))
	got, err = c.VMs.WaitPowerState(ctx, vm.ID, xo.PowerHalted)
	require.NoError(t, err)
	assert.False(t, got.PVDriversDetected)

	srv.SetBlockedOperation(vm.ID, "destroy", "protected")
	err = c.VMs.Delete(ctx, vm.ID)
	assert.ErrorIs(t, err, sitekit.ErrUnauthorized)
	srv.SetBlockedOperation(vm.ID, "destroy", "")
	require.NoError(t, c.VMs.Delete(ctx, vm.ID))
	assert.Zero(t, srv.Count("vms"))
}

// Evidence: reference xo.md §3.5 (PATCH /vms camelCase → 204, tags PUT/DELETE → 204) and
// §4 (snapshot/clone actions answer {"id"}). "Cannot change memory on running VM" is
// reference xo.md §11.4; its status (500, no XAPI code) is inferred.
func TestVMSnapshotCloneUpdateTags(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	vm := createHalted(t, srv, c, "ems")
	snap, err := c.VMs.Snapshot(ctx, vm.ID, "before-upgrade")
	require.NoError(t, err)
	assert.Equal(t, "before-upgrade", srv.Object("vm-snapshots", snap)["name_label"])
	clone, err := c.VMs.Clone(ctx, vm.ID, "ems-clone")
	require.NoError(t, err)
	cl, err := c.VMs.Get(ctx, clone)
	require.NoError(t, err)
	assert.Equal(t, "ems-clone", cl.NameLabel)
	assert.Len(t, cl.VBDs, len(vm.VBDs))

	name, cpus, mem := "ems01", 6, int64(12<<30)
	updated, err := c.VMs.Update(ctx, vm.ID, xo.VMUpdate{NameLabel: &name, CPUs: &cpus, Memory: &mem})
	require.NoError(t, err)
	assert.Equal(t, name, updated.NameLabel)
	got, err := c.VMs.Get(ctx, vm.ID)
	require.NoError(t, err)
	assert.Equal(t, "ems01", got.NameLabel)
	assert.EqualValues(t, 6, got.CPUs.Number)
	assert.EqualValues(t, 12<<30, got.Memory.Size)

	require.NoError(t, c.VMs.SetTags(ctx, vm.ID, []string{sitekit.Marker("pessac"), "backup"}))
	require.NoError(t, c.VMs.SetTags(ctx, vm.ID, []string{sitekit.Marker("pessac")}))
	got, err = c.VMs.Get(ctx, vm.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"managed-by sitekit:pessac"}, got.Tags)
	tagged, err := c.VMs.List(ctx, &xo.ListOptions{Filter: xo.HasTag(sitekit.Marker("pessac"))})
	require.NoError(t, err)
	require.Len(t, tagged, 1)
	assert.Equal(t, vm.ID, tagged[0].ID)

	// Running VM: memory change refused by XAPI.
	require.NoError(t, c.VMs.Start(ctx, vm.ID))
	_, err = c.VMs.Update(ctx, vm.ID, xo.VMUpdate{Memory: &mem})
	var apiErr *xo.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, 500, apiErr.StatusCode)
}

// Evidence: reference xo.md §6.1 (create_vm keeps template VIFs unless replaced or
// destroyed, vdis create/grow/destroy, config drive "XO CloudConfigDrive" on the first
// disk's SR, failure destroys the VM) and §9.
func TestCreateVMSemantics(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	// Replace template VIF 0, add VIF 1, destroy nothing; no cloud-config → no drive.
	n, _, err := c.Networks.Ensure(ctx, xo.NetworkCreateRequest{Pool: srv.PoolID, Name: "dmz", PIF: srv.Eth1PIFID, VLAN: 25})
	require.NoError(t, err)
	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "fw", CPUs: 1, Memory: 1 << 30,
		VIFs: []xo.VIFSpec{{Device: "0", Network: n.ID}, {Device: "1", Network: srv.ManagementNetworkID}}})
	require.NoError(t, err)
	vifs, err := c.VIFs.OfVM(ctx, vm.ID)
	require.NoError(t, err)
	require.Len(t, vifs, 2)
	byDev := map[string]string{}
	for _, v := range vifs {
		byDev[v.Device] = v.Network
	}
	assert.Equal(t, map[string]string{"0": n.ID, "1": srv.ManagementNetworkID}, byDev)
	_, ok := srv.ConfigDriveOf(vm.ID)
	assert.False(t, ok)

	// Destroy the template VIF: no VIF left.
	vm2, err := c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "isolated", CPUs: 1, Memory: 1 << 30,
		VIFs: []xo.VIFSpec{{Device: "0", Destroy: true}}})
	require.NoError(t, err)
	assert.Empty(t, vm2.VIFs)

	// Unknown template UUID: synchronous 500 (XAPI), nothing created.
	before := srv.Count("vms")
	_, err = c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: "00000000-0000-4000-8000-000000000000", NameLabel: "x", CPUs: 1, Memory: 1 << 30})
	var apiErr *xo.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Equal(t, before, srv.Count("vms"))

	// Shrinking a template disk fails inside the task and leaves nothing behind.
	_, err = c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "small", CPUs: 1, Memory: 1 << 30,
		VDIs: []xo.VDISpec{{UserDevice: "0", Size: 1 << 30}}})
	var te *xo.TaskError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, "VDI_SIZE_TOO_SMALL", te.Code)
	assert.Equal(t, before, srv.Count("vms"))
}
