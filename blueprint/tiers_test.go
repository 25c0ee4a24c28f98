package blueprint_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/internal/examplekit"
	"github.com/sitekit/sitekit/internal/simkit"
)

func kinds(p *blueprint.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		k := s.Key.Appliance + "/" + s.Key.Kind
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func TestTiersDiffer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, simkit.Faults{})
	site := examplekit.Pessac()

	basse, err := blueprint.Basse(site)
	require.NoError(t, err)
	pb, err := basse.Plan(ctx, e.conns)
	require.NoError(t, err)
	ps, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	kb, ks := kinds(pb), kinds(ps)
	assert.NotContains(t, kb, "ems/ztna-tag")
	assert.NotContains(t, kb, "fortigate/access-proxy")
	assert.NotContains(t, kb, "fortigate/ems-connector")
	assert.Contains(t, ks, "ems/ztna-tag")
	assert.Contains(t, ks, "fortigate/access-proxy")
	assert.Contains(t, pb.String(), "# ems: not part of the basse tier")
	assert.Less(t, len(pb.Steps), len(ps.Steps))

	// Recovery objectives: only Premium reaches minutes on host loss.
	cb, cs := pb.Compliance(), ps.Compliance()
	hostLoss := func(c *blueprint.Compliance) blueprint.Objective {
		i := slices.IndexFunc(c.Objectives, func(o blueprint.Objective) bool { return strings.Contains(o.Scenario, "host lost") })
		require.GreaterOrEqual(t, i, 0)
		return c.Objectives[i]
	}
	assert.Greater(t, cb.Objectives[0].RPO, cs.Objectives[0].RPO, "Standard replicates: smaller RPO for one VM")
	assert.Contains(t, hostLoss(cs).Note, "RTO ≈ 0 needs a second host")

	_, err = blueprint.Premium(site)
	var ve *blueprint.ValidationError
	require.True(t, errors.As(err, &ve), "Premium without a standby host: %v", err)
	assert.Equal(t, "StandbyHost.Name", ve.Fields()[0])
	site.StandbyHost = blueprint.DefaultHost()
	site.StandbyHost.Name = "xcp-standby"
	premium, err := blueprint.Premium(site)
	require.NoError(t, err)
	pp, err := premium.Plan(ctx, e.conns)
	require.NoError(t, err)
	assert.Less(t, hostLoss(pp.Compliance()).RTO, hostLoss(cs).RTO)
	assert.NotContains(t, failedChecks(pp.Compliance()), "RTO ≈ 0 on host loss")
}

func failedChecks(c *blueprint.Compliance) []string {
	var out []string
	for _, f := range c.Failed() {
		out = append(out, f.Check)
	}
	return out
}

// TestPartialConnections: a FortiGate alone is planned and applied; the web VIP takes the
// site's static address since XO is not there, and the plan says what is left out.
func TestPartialConnections(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, simkit.Faults{})
	conns := blueprint.Connections{FortiGate: e.conns.FortiGate}
	p, err := e.bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.Equal(t, []string{"xo", "ems", "truenas", "netdata"}, p.Omitted)
	assert.Contains(t, p.String(), "# xo: not connected")
	for _, s := range p.Steps {
		assert.Equal(t, "fortigate", s.Key.Appliance, s.ID)
	}
	_, err = p.Apply(ctx, fast()...)
	require.NoError(t, err)
	vip, ok := e.sims.FortiGate.Object("firewall/vip", "pv-pessac-vip-web")
	require.True(t, ok)
	assert.Contains(t, fmt.Sprint(vip["mappedip"]), "range:10.10.25.10")
	again, err := e.bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.True(t, again.Empty(), "%s", again)
}

// TestComplianceCatchesRoguePolicy: a policy added by hand that lets guests reach the
// servers, or the departments reach the ERP on RDP, fails the live check.
func TestComplianceCatchesRoguePolicy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, simkit.Faults{})
	e.converge(t, ctx, 2)
	comp, err := e.bp.Audit(ctx, e.conns)
	require.NoError(t, err)
	assert.NotContains(t, failedChecks(comp), "guests reach only the internet")

	fgt := e.conns.FortiGate
	_, err = fgt.Policies.Create(ctx, fortigate.Policy{Name: "temp-guests", SrcIntf: fortigate.Refs("invites"), DstIntf: fortigate.Refs("servers"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"), Action: "accept", Schedule: "always"})
	require.NoError(t, err)
	_, err = fgt.Policies.Create(ctx, fortigate.Policy{Name: "temp-rdp", SrcIntf: fortigate.Refs("compta"), DstIntf: fortigate.Refs("servers"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("pv-pessac-vm-erp"), Service: fortigate.Refs("pv-pessac-admin"), Action: "accept", Schedule: "always"})
	require.NoError(t, err)
	comp, err = e.bp.Audit(ctx, e.conns)
	require.NoError(t, err)
	failed := failedChecks(comp)
	assert.Contains(t, failed, "guests reach only the internet")
	assert.Contains(t, failed, "compta reaches the ERP only on its service")
	assert.NotContains(t, failed, "technique reaches the ERP only on its service")
	assert.Contains(t, failed, "VLAN matrix matches the intent")
	md := comp.Markdown()
	assert.Contains(t, md, "**FAIL**")
	assert.Contains(t, md, "ALL→all")
}

func TestReportMarkdown(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, simkit.Faults{})
	p, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	res, err := p.Apply(ctx, fast()...)
	require.NoError(t, err)
	md, err := p.Report(ctx, res)
	require.NoError(t, err)
	for _, want := range []string{"## Address plan", "| compta | 30 | users | 10.10.30.0/24 |", "## Firewall policies",
		"| 1 | pv-pessac-users-erp |", "implicit deny", "## Virtual machines", "| erp | windows-server-2022 |",
		"## Backups", "## Compliance (live)", "### Reachability", "### Recovery objectives", "RTO ≈ 0 needs a second host"} {
		assert.Contains(t, md, want)
	}
	js, err := p.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(js), `"tier": "standard"`)
}

// TestNetdataGateFailsWhileUnhealthy: a child that does not stream fails its gate (and
// only its gate and the parent's); once it streams, the next apply passes.
func TestNetdataGateFailsWhileUnhealthy(t *testing.T) {
	defer blueprint.SetGateWaitForTest(30*time.Millisecond, 5*time.Millisecond)()
	ctx := context.Background()
	e := newEnv(t, simkit.Faults{})
	e.sims.Netdata.SetChildStreaming("web", false)
	p, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	res, err := p.Apply(ctx, fast()...)
	require.Error(t, err)
	var failed []string
	for _, s := range res.Steps {
		if s.Outcome == engine.OutcomeFailed || s.Outcome == engine.OutcomeSkipped {
			failed = append(failed, s.ID)
		}
	}
	assert.Equal(t, []string{"netdata/gate/web", "netdata/gate/monitor"}, failed)
	assert.Contains(t, res.Step(engine.K("netdata", "gate", "web")).Error, "netdata gate web: unhealthy")

	e.sims.Netdata.SetChildStreaming("web", true)
	e.converge(t, ctx, 1)
}

// TestEMSAuthorizationWaitsForTheFortiGate: when the FortiGate never shows up on EMS, the
// authorization step fails after its wait, saying why; everything else converges.
func TestEMSAuthorizationWaitsForTheFortiGate(t *testing.T) {
	defer blueprint.SetEMSJoinWaitForTest(30*time.Millisecond, 5*time.Millisecond)()
	ctx := context.Background()
	e := newEnv(t, simkit.Faults{})
	fgts, err := e.conns.EMS.FortiGates.List(ctx, nil)
	require.NoError(t, err)
	for _, f := range fgts {
		require.NoError(t, e.conns.EMS.FortiGates.Delete(ctx, f.ID))
	}
	p, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	res, err := p.Apply(ctx, fast()...)
	require.Error(t, err)
	st := res.Step(engine.K("ems", "fortigate", "pv-pessac"))
	require.NotNil(t, st)
	assert.Equal(t, engine.OutcomeFailed, st.Outcome)
	assert.Contains(t, st.Error, "has not connected to EMS yet")
	assert.Equal(t, 1, res.Summary.Failed)
}
