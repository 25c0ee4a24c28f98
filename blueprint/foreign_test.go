package blueprint_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/fortigate"
)

// A converged site has no foreign object; a policy, a VIP and an address added by hand that
// touch its VLANs are listed by name, and the guests → servers policy is named as opening
// forbidden flows.
func TestForeignObjectsNamed(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	bp, err := blueprint.Standard(blueprinttest.Pessac())
	require.NoError(t, err)
	require.NoError(t, kit.Deploy(ctx, bp))
	conns := kit.Connections()

	foreign, err := bp.Foreign(ctx, conns)
	require.NoError(t, err)
	assert.Empty(t, foreign, "every object touching the site is the site's own")

	fgt := conns.FortiGate
	_, err = fgt.Policies.Create(ctx, fortigate.Policy{
		Name: "quick-fix", SrcIntf: fortigate.Refs("invites"), DstIntf: fortigate.Refs("servers"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"),
		Action: "accept", Schedule: "always",
	})
	require.NoError(t, err)
	_, err = fgt.Addresses.Create(ctx, fortigate.Address{Name: "printer", Subnet: fortigate.MustIPMask("10.10.20.50/32")})
	require.NoError(t, err)
	_, err = fgt.Addresses.Create(ctx, fortigate.Address{Name: "elsewhere", Subnet: fortigate.MustIPMask("192.168.77.0/24")})
	require.NoError(t, err)
	_, err = fgt.VIPs.Create(ctx, fortigate.VIP{Name: "nas-from-outside", ExtIntf: "wan1", ExtIP: "203.0.113.20",
		MappedIP: []fortigate.VIPRange{{Range: "10.10.20.5"}}})
	require.NoError(t, err)

	foreign, err = bp.Foreign(ctx, conns)
	require.NoError(t, err)
	require.Len(t, foreign, 3, "%v", foreign)
	pol := foreign[0]
	assert.Equal(t, "policy", pol.Kind)
	assert.Equal(t, "quick-fix", pol.Name)
	assert.Equal(t, []string{"invites", "servers"}, pol.Zones)
	assert.Equal(t, []string{"invites→servers ALL→all"}, pol.Opens)
	assert.Contains(t, pol.String(), `policy "quick-fix" (invites, servers) opens invites→servers ALL→all`)
	assert.Equal(t, blueprint.Foreign{Appliance: "fortigate", Kind: "vip", Name: "nas-from-outside", Zones: []string{"internet", "servers"}}, foreign[1])
	assert.Equal(t, blueprint.Foreign{Appliance: "fortigate", Kind: "address", Name: "printer", Zones: []string{"servers"}}, foreign[2])
}
