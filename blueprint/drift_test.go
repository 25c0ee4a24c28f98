package blueprint_test

import (
	"context"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/fortigate"
)

// TestUnmanagedPolicyIsDrift: a hand-added policy letting the guests reach the servers is
// drift, named, though sitekit did not create it (issue 13: it was not, the plan was empty).
func TestUnmanagedPolicyIsDrift(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	e.converge(t, ctx, 2)
	p, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	assert.Empty(t, p.Unmanaged)
	assert.Equal(t, blueprint.StatusOK, p.Status(), p.Summary())

	fgt := e.conns.FortiGate
	_, err = fgt.Policies.Create(ctx, fortigate.Policy{Name: "invites-servers", SrcIntf: fortigate.Refs("invites"), DstIntf: fortigate.Refs("servers"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"), Action: "accept", Schedule: "always"})
	require.NoError(t, err)
	_, err = fgt.Addresses.Create(ctx, fortigate.Address{Name: "nas-by-hand", Type: "ipmask", Subnet: fortigate.MustIPMask("10.10.20.50/32")})
	require.NoError(t, err)

	p, err = e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	assert.True(t, p.Empty(), "no step changes anything: %s", p)
	names := map[string][]string{}
	for _, u := range p.Unmanaged {
		names[u.Kind+"/"+u.Name] = u.Touches
	}
	assert.Equal(t, []string{"invites", "servers"}, names["policy/invites-servers"])
	assert.Equal(t, []string{"servers"}, names["address/nas-by-hand"])
	assert.Equal(t, blueprint.StatusCritical, p.Status())
	assert.Contains(t, p.Summary(), "CRITICAL")
	assert.Contains(t, p.String(), `! unmanaged: fortigate/policy/invites-servers: unmanaged policy`)
	js, err := p.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(js), `"name": "invites-servers"`)

	comp, err := e.bp.Audit(ctx, e.conns)
	require.NoError(t, err)
	for _, f := range comp.Failed() {
		if f.Check == "guests reach only the internet" {
			assert.Contains(t, f.Detail, "policy invites-servers")
		}
	}
	assert.Contains(t, failedChecks(comp), "guests reach only the internet")
}

// TestDestroyPredictsBlockers: an unmanaged policy using one of the site's addresses is a
// blocker of the destroy plan, and Destroy refuses to start (issue 13: it failed half-way).
func TestDestroyPredictsBlockers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	e.converge(t, ctx, 2)
	fgt := e.conns.FortiGate
	_, err := fgt.Policies.Create(ctx, fortigate.Policy{Name: "vendor-rdp", SrcIntf: fortigate.Refs("wan1"), DstIntf: fortigate.Refs("servers"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("pv-pessac-vm-erp"), Service: fortigate.Refs("ALL"), Action: "accept", Schedule: "always"})
	require.NoError(t, err)

	p, err := e.bp.PlanDestroy(ctx, e.conns)
	require.NoError(t, err)
	require.Len(t, p.Blockers, 1, "%s", p)
	assert.Equal(t, "vendor-rdp", p.Blockers[0].Name)
	assert.Equal(t, []string{"pv-pessac-vm-erp"}, p.Blockers[0].References)
	assert.Contains(t, p.String(), "! blocker: fortigate/policy/vendor-rdp")

	before := e.marked(t, ctx)
	_, err = e.bp.Destroy(ctx, e.conns, fast()...)
	require.ErrorIs(t, err, blueprint.ErrBlocked)
	assert.ErrorContains(t, err, "vendor-rdp")
	assert.Equal(t, before, e.marked(t, ctx), "nothing deleted")
}
