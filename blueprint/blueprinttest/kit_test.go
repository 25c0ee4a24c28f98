package blueprinttest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// The kit links the simulators as a site: once the Standard site is deployed, the Netdata
// parent has the site's Linux VMs as streaming children (nobody registered them), the EMS
// authorized the FortiGate and the FortiGate's connector reports it.
func TestStartLinksTheSite(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	assert.Equal(t, []string{"monitor"}, kit.Netdata.Hosts(), "no child before any VM booted")
	require.Len(t, kit.EMS.FortiGates(), 1, "the FortiGate's connector registered it on the EMS")

	bp, err := blueprint.Standard(blueprinttest.Pessac())
	require.NoError(t, err)
	require.NoError(t, kit.Deploy(ctx, bp))

	assert.Equal(t, []string{"monitor", "web"}, kit.Netdata.Hosts())
	info, err := kit.Connections().Netdata.Info(ctx)
	require.NoError(t, err)
	assert.Contains(t, info.MirroredHosts, "web")
	for _, f := range kit.EMS.FortiGates() {
		assert.True(t, kit.EMS.IsAuthorized(f.Serial), "the blueprint authorized the FortiGate")
	}
	host := kit.XO.Object("hosts", kit.XO.HostID)
	assert.Equal(t, blueprint.DefaultHost().Name, host["name_label"], "the XO host is the site's")
}

// A VM that halts stops streaming; one that boots again streams again.
func TestChildFollowsTheVM(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	bp, err := blueprint.Standard(blueprinttest.Pessac())
	require.NoError(t, err)
	require.NoError(t, kit.Deploy(ctx, bp))
	xoc := kit.Connections().XO
	web, err := xoc.VMs.Find(ctx, kit.XO.PoolID, "web")
	require.NoError(t, err)
	require.NoError(t, xoc.VMs.HardShutdown(ctx, web.ID))
	streaming := func() bool {
		info, err := kit.Connections().Netdata.Info(ctx)
		require.NoError(t, err)
		for _, h := range info.MirroredHostsStatus {
			if h.Hostname == "web" {
				return bool(h.Reachable)
			}
		}
		return false
	}
	assert.False(t, streaming())
}

// The environment of a live run pointed at the simulators builds working connections.
func TestEnvBuildsConnections(t *testing.T) {
	kit := blueprinttest.Start(t)
	conns, err := blueprint.ConnectionsFromEnv(kit.Getenv())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conns.Close() })
	_, err = conns.FortiGate.Monitor.Status(context.Background())
	require.NoError(t, err)
	_, err = conns.XO.Pools.List(context.Background(), nil)
	require.NoError(t, err)
}
