package xo_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

func TestInventoryFamilies(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)

	pools, err := c.Pools.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, pools, 1)
	assert.Equal(t, srv.PoolID, pools[0].ID)
	assert.Equal(t, srv.HostID, pools[0].Master)
	assert.Equal(t, "/rest/v0/pools/"+srv.PoolID, pools[0].Href)
	pool, err := c.Pools.Get(ctx, srv.PoolID)
	require.NoError(t, err)
	assert.Empty(t, pool.Href, "href only in lists")

	host, err := c.Hosts.Get(ctx, srv.HostID)
	require.NoError(t, err)
	assert.EqualValues(t, 128<<30, host.Memory.Size)
	assert.EqualValues(t, 64, host.CPUs.CPUCount, "cpu_count is a string in XO")
	assert.Len(t, host.PIFs, 2)
	h, err := c.Hosts.Find(ctx, srv.PoolID, "xcp-dl380")
	require.NoError(t, err)
	assert.Equal(t, srv.HostID, h.ID)

	eth1, err := c.PIFs.Physical(ctx, srv.HostID, "eth1")
	require.NoError(t, err)
	assert.Equal(t, srv.Eth1PIFID, eth1.ID)
	assert.EqualValues(t, -1, eth1.VLAN)
	pifs, err := c.PIFs.List(ctx, &xo.ListOptions{Filter: xo.Truthy("management")})
	require.NoError(t, err)
	require.Len(t, pifs, 1)
	assert.Equal(t, "eth0", pifs[0].Device)

	nets, err := c.Networks.List(ctx, &xo.ListOptions{Filter: xo.Contains("name_label", "eth1")})
	require.NoError(t, err)
	require.Len(t, nets, 1)
	assert.Equal(t, []string{srv.Eth1PIFID}, nets[0].PIFs)

	sr, err := c.SRs.Get(ctx, srv.LocalSRID)
	require.NoError(t, err)
	assert.Equal(t, "ext", sr.SRType)
	assert.NotEmpty(t, sr.VDIs)

	tpls, err := c.Templates.List(ctx, &xo.ListOptions{Fields: []string{"id", "name_label", "$pool"}})
	require.NoError(t, err)
	require.Len(t, tpls, 2)
	assert.Empty(t, tpls[0].PowerState, "fields= restricts the properties")
	win, err := c.Templates.Find(ctx, srv.PoolID, "Windows Server 2022 (64-bit)")
	require.NoError(t, err)
	assert.Equal(t, srv.WindowsTemplateID, win.ID)
	assert.Equal(t, "uefi", win.Boot.Firmware)

	vdis, err := c.VDIs.List(ctx, &xo.ListOptions{Filter: xo.Eq("$SR", srv.LocalSRID), Limit: 1})
	require.NoError(t, err)
	assert.Len(t, vdis, 1)
	vbds, err := c.VBDs.OfVM(ctx, srv.DebianTemplateID)
	require.NoError(t, err)
	require.Len(t, vbds, 1)
	vdi, err := c.VDIs.Get(ctx, vbds[0].VDI)
	require.NoError(t, err)
	assert.Equal(t, []string{vbds[0].ID}, vdi.VBDs, "VBD ↔ VDI cross-links")
	vifs, err := c.VIFs.OfVM(ctx, srv.DebianTemplateID)
	require.NoError(t, err)
	require.Len(t, vifs, 1)
	assert.Equal(t, srv.ManagementNetworkID, vifs[0].Network)

	alarms, err := c.Alarms.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, alarms, 1)
	assert.Equal(t, "physical_utilisation", alarms[0].Body.Name)
	a, err := c.Alarms.Get(ctx, alarms[0].ID)
	require.NoError(t, err)
	assert.Equal(t, srv.LocalSRID, a.Object.UUID)

	d, err := c.Dashboard.Get(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, d.NPools)
	assert.EqualValues(t, 1, d.NHosts)
	assert.EqualValues(t, 128<<30, d.ResourcesOverview.MemorySize)

	var n int
	for p, err := range c.Pools.All(ctx, nil) {
		require.NoError(t, err)
		assert.Equal(t, srv.PoolID, p.ID)
		n++
	}
	assert.Equal(t, 1, n)

	_, err = c.VMs.Get(ctx, "00000000-0000-4000-8000-000000000000")
	var apiErr *xo.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Equal(t, xo.CodeNoSuchObject, apiErr.Code)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	assert.Contains(t, apiErr.Message, "no such VM")
}

// Evidence: reference xo.md §6.3 (POST /servers → 201 {"id"}, 409 when the host is known,
// then the connect action; POST /srs for NFS).
func TestServersAndSRs(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	s, err := c.Servers.Create(ctx, xo.ServerCreateRequest{Host: "10.10.10.11", Username: "root", Password: sitekit.NewSecret("hunter2"), Label: "dl380", AllowUnauthorized: true})
	require.NoError(t, err)
	assert.Equal(t, "disconnected", s.Status)
	require.NoError(t, c.Servers.Connect(ctx, s.ID))
	s, err = c.Servers.Get(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, "connected", s.Status)
	assert.Equal(t, srv.PoolID, s.PoolID)
	_, err = c.Servers.Create(ctx, xo.ServerCreateRequest{Host: "10.10.10.11", Username: "root", Password: sitekit.NewSecret("x")})
	assert.ErrorIs(t, err, sitekit.ErrExists)
	found, err := c.Servers.FindByHost(ctx, "10.10.10.11")
	require.NoError(t, err)
	assert.Equal(t, s.ID, found.ID)
	byLabel, err := c.Servers.Find(ctx, "dl380")
	require.NoError(t, err)
	assert.Equal(t, s.ID, byLabel.ID)
	require.NoError(t, c.Servers.Disconnect(ctx, s.ID))
	require.NoError(t, c.Servers.Delete(ctx, s.ID))

	sr, err := c.SRs.CreateNFS(ctx, xo.NFSSRRequest{Host: srv.HostID, NameLabel: "truenas-vms", Server: "10.10.0.20", ServerPath: "/mnt/tank/vms", NFSVersion: "4"})
	require.NoError(t, err)
	assert.Equal(t, "nfs", sr.SRType)
	assert.True(t, sr.Shared)
	assert.Equal(t, srv.PoolID, sr.Container)
	require.NoError(t, c.SRs.Delete(ctx, sr.ID))
	_, err = c.SRs.CreateNFS(ctx, xo.NFSSRRequest{Host: "00000000-0000-4000-8000-000000000000", NameLabel: "x", Server: "h", ServerPath: "/p"})
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
}
