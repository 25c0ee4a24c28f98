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
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/fortigate"
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
	e := newEnv(t, blueprinttest.Faults{})
	site := blueprinttest.Pessac()

	basseSite := site
	basseSite.Teleworkers = blueprint.Teleworkers{} // no ZTNA in Basse
	basse, err := blueprint.Basse(basseSite)
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
	assert.NotContains(t, pb.String(), "# ems", "Basse has no EMS and says nothing of it")
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
	// The XO simulator has one host: a standby host it does not know fails the plan.
	_, err = premium.Plan(ctx, e.conns)
	require.ErrorContains(t, err, "StandbyHost.Name")
	noXO := e.conns
	noXO.XO = nil
	pp, err := premium.Plan(ctx, noXO)
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
	e := newEnv(t, blueprinttest.Faults{})
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
	e := newEnv(t, blueprinttest.Faults{})
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
	detail := map[string]string{}
	for _, f := range comp.Failed() {
		detail[f.Check] = f.Detail
	}
	assert.Contains(t, detail["guests reach only the internet"], "servers (policy temp-guests)", "the finding names the policy")
	assert.Contains(t, detail["compta reaches the ERP only on its service"], "(policy temp-rdp)")
	assert.Contains(t, detail["VLAN matrix matches the intent"], "policy temp-guests")
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
	e := newEnv(t, blueprinttest.Faults{})
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
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	e.converge(t, ctx, 1)
	// After newEnv's wait; long enough for one read on a loaded machine.
	restore := blueprint.SetGateWaitForTest(time.Second, 20*time.Millisecond)
	t.Cleanup(restore)
	// The web VM's agent stops streaming (the kit made it stream when XO started the VM).
	e.sims.Netdata.SetChildStreaming("web", false)
	p, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	var progress []string
	res, err := p.Apply(ctx, append(fast(), blueprint.WithEvents(func(ev engine.Event) {
		if ev.Type == engine.EventProgress && ev.Step == "netdata/gate/web" {
			progress = append(progress, ev.Reason)
		}
	}))...)
	require.Error(t, err)
	require.NotEmpty(t, progress, "the gate says what it waits for")
	assert.Contains(t, progress[0], "waiting for web to stream to the Netdata parent monitor (")
	var failed []string
	for _, s := range res.Steps {
		if s.Outcome == engine.OutcomeFailed || s.Outcome == engine.OutcomeSkipped {
			failed = append(failed, s.ID)
		}
	}
	assert.Equal(t, []string{"netdata/gate/web", "netdata/gate/monitor"}, failed)
	msg := res.Step(engine.K("netdata", "gate", "web")).Error
	assert.Contains(t, msg, "netdata gate web failed: waited 1s")
	assert.Contains(t, msg, "for web to stream to the Netdata parent monitor, which never happened")
	assert.NotContains(t, msg, "cancel")

	// The re-apply must pass on its first health check; with the default wait, a check slowed
	// by a loaded machine cannot turn it into a failure.
	restore()
	e.sims.Netdata.SetChildStreaming("web", true)
	e.converge(t, ctx, 1)
}

// TestEMSAuthorizationWaitsForTheFortiGate: when the FortiGate never shows up on EMS, the
// authorization step fails after its wait, saying why; everything else converges.
func TestEMSAuthorizationWaitsForTheFortiGate(t *testing.T) {
	defer blueprint.SetEMSJoinWaitForTest(30*time.Millisecond, 5*time.Millisecond)()
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
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

// TestBasseSaysOnlyWhatItDoes: Basse plans no replicas dataset, no replication job and no
// EMS; its report speaks of no replica; a field Basse ignores is a validation error.
func TestBasseSaysOnlyWhatItDoes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	site := blueprinttest.Pessac()
	site.Teleworkers = blueprint.Teleworkers{}
	bp, err := blueprint.Basse(site)
	require.NoError(t, err)
	for _, vm := range bp.Site().VMs {
		assert.False(t, vm.Replicated, "default VMs are not replicated on Basse: %s", vm.Name)
	}
	p, err := bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	assert.Empty(t, p.Omitted, "EMS is not part of Basse: it is not 'omitted'")
	for _, s := range p.Steps {
		assert.NotContains(t, s.ID, "replica", "no replicas on Basse")
		assert.NotEqual(t, "ems", s.Key.Appliance)
	}
	text := p.String()
	assert.NotContains(t, text, "ems:")
	assert.NotContains(t, text, "replica")
	md, err := p.Report(ctx, nil)
	require.NoError(t, err)
	assert.NotContains(t, md, "replicas")
	assert.NotContains(t, md, "replicated")
	assert.NotContains(t, md, "ems not connected")
	comp := p.Compliance()
	assert.Empty(t, comp.Failed(), "a tier limit is not a failure")
	require.Len(t, comp.Limits(), 1)
	assert.Equal(t, "RTO ≈ 0 on host loss", comp.Limits()[0].Check)
	assert.Equal(t, blueprint.StatusOK, comp.Status())

	explicit := site
	explicit.VMs = blueprint.DefaultVMs(site.Network) // erp and web Replicated: true
	_, err = blueprint.Basse(explicit)
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Fields(), "VMs[0].Replicated")
	assert.Contains(t, ve.Fields(), "VMs[1].Replicated")

	tele := site
	tele.Teleworkers = blueprint.Teleworkers{Enabled: true, Count: 3}
	_, err = blueprint.Basse(tele)
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Fields(), "Teleworkers.Enabled")

	standby := site
	standby.StandbyHost = blueprint.DefaultHost()
	_, err = blueprint.Standard(standby)
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Fields(), "StandbyHost")
}
