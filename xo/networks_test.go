package xo_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

// Evidence: reference xo.md §6.2 (create_network makes VLAN PIFs on every host; a duplicate
// (NIC, VLAN) fails with XAPI PIF_VLAN_EXISTS, a task failure in REST).
func TestNetworkEnsureIsIdempotent(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	req := xo.NetworkCreateRequest{Pool: srv.PoolID, Name: "servers", PIF: srv.Eth1PIFID, VLAN: 20, Tags: []string{sitekit.Marker("pessac")}}
	n, created, err := c.Networks.Ensure(ctx, req)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "servers", n.NameLabel)
	assert.Equal(t, []string{"managed-by sitekit:pessac"}, n.Tags)
	require.Len(t, n.PIFs, 1)
	vlanPIF, err := c.PIFs.Get(ctx, n.PIFs[0])
	require.NoError(t, err)
	assert.EqualValues(t, 20, vlanPIF.VLAN)
	assert.Equal(t, "eth1", vlanPIF.Device)
	assert.Equal(t, n.ID, vlanPIF.Network)

	writes := srv.Writes()
	again, created, err := c.Networks.Ensure(ctx, req)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, n.ID, again.ID)
	assert.Equal(t, writes, srv.Writes(), "find-before-create sends no write")

	// A blind Create of the same (NIC, VLAN) is PIF_VLAN_EXISTS.
	_, err = c.Networks.Create(ctx, req)
	require.Error(t, err)
	assert.ErrorIs(t, err, sitekit.ErrExists)
	var te *xo.TaskError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "PIF_VLAN_EXISTS", te.Code)

	require.NoError(t, c.Networks.RemoveTag(ctx, n.ID, sitekit.Marker("pessac")))
	require.NoError(t, c.Networks.Delete(ctx, n.ID))
	_, err = c.Networks.FindVLAN(ctx, srv.PoolID, srv.Eth1PIFID, 20)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
}

func TestBadInputSendsNothing(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	srv.Faults().ResetCounters()
	valid := xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "web", CPUs: 2, Memory: 2 << 30}

	cases := []struct {
		name, field string
		call        func() error
	}{
		{"VLAN 5000", "VLAN", func() error {
			_, err := c.Networks.Create(ctx, xo.NetworkCreateRequest{Pool: srv.PoolID, Name: "x", PIF: srv.Eth1PIFID, VLAN: 5000})
			return err
		}},
		{"memory 0", "Memory", func() error {
			r := valid
			r.Memory = 0
			_, err := c.VMs.Create(ctx, r)
			return err
		}},
		{"template name instead of UUID", "Template", func() error {
			r := valid
			r.Template = "Debian 12 Cloud-init (Hub)"
			_, err := c.VMs.Create(ctx, r)
			return err
		}},
		{"VIF without device", "VIFs[0].Device", func() error {
			r := valid
			r.VIFs = []xo.VIFSpec{{Network: srv.ManagementNetworkID}}
			_, err := c.VMs.Create(ctx, r)
			return err
		}},
		{"comment-only network-config", "NetworkConfig", func() error {
			r := valid
			r.NetworkConfig = "# nothing\n\n"
			_, err := c.VMs.Create(ctx, r)
			return err
		}},
		{"name lookup without pool", "Pool", func() error {
			_, err := c.Templates.Find(ctx, "", "Debian 12 Cloud-init (Hub)")
			return err
		}},
		{"backup job without target", "Remotes", func() error {
			_, err := c.BackupJobs.Create(ctx, xo.BackupJobRequest{Name: "j", Mode: "delta", VMs: xo.IDs("a"), Schedule: xo.ScheduleSpec{Cron: "0 1 * * *"}})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var fe *sitekit.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, tc.field, fe.Field)
			assert.ErrorIs(t, err, sitekit.ErrInvalid)
		})
	}
	assert.Zero(t, srv.Faults().TotalCalls(), "validation errors send no request: %v", srv.Faults().CallCounts())
}

// Evidence: reference xo.md §10 item 8 (template names repeat across and within pools:
// resolve within $pool, fail on ambiguity).
func TestAmbiguousAndUnknownNames(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	dup := srv.Object("vm-templates", srv.DebianTemplateID)
	dup["id"], dup["uuid"] = "11111111-2222-4333-8444-555555555555", "11111111-2222-4333-8444-555555555555"
	srv.Put("vm-templates", dup)
	srv.Faults().ResetCounters()

	_, err := c.Templates.Find(ctx, srv.PoolID, "Debian 12 Cloud-init (Hub)")
	require.Error(t, err)
	assert.ErrorIs(t, err, xo.ErrAmbiguousName)
	assert.ErrorIs(t, err, sitekit.ErrInvalid)
	assert.Contains(t, err.Error(), "Name")
	_, err = c.Templates.Find(ctx, srv.PoolID, "Debian 11")
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	// another pool: the same name is not visible
	_, err = c.Templates.Find(ctx, "99999999-2222-4333-8444-555555555555", "Windows Server 2022 (64-bit)")
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	assert.Zero(t, srv.Writes(), "lookups never write")
}
