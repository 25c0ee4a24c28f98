package blueprint_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/xo"
)

// env is one site on its five simulators.
type env struct {
	sims  *blueprinttest.Site
	conns blueprint.Connections
	bp    *blueprint.Blueprint
	site  blueprint.Site
}

func newEnv(t testing.TB, faults blueprinttest.Faults) *env {
	t.Helper()
	t.Cleanup(blueprint.SetGateWaitForTest(time.Minute, 10*time.Millisecond))
	site := blueprinttest.Pessac()
	sims, err := blueprinttest.New(context.Background(), blueprinttest.WithSite(site), blueprinttest.WithFaults(faults))
	require.NoError(t, err)
	t.Cleanup(sims.Close)
	conns, err := sims.Connect(sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 6, InitialInterval: time.Millisecond, MaxInterval: 20 * time.Millisecond, MaxRetryAfter: time.Second}))
	require.NoError(t, err)
	bp, err := blueprint.Standard(site)
	require.NoError(t, err)
	return &env{sims: sims, conns: conns, bp: bp, site: bp.Site()}
}

// fast are apply options for tests: quick retries.
func fast() []blueprint.Option {
	return []blueprint.Option{engine.WithRetries(8, time.Millisecond)}
}

// converge plans and applies until the plan is empty (at most rounds times) and returns
// the number of applies that wrote something.
func (e *env) converge(t testing.TB, ctx context.Context, rounds int) int {
	t.Helper()
	for i := 0; i < rounds; i++ {
		p, err := e.planRetry(t, ctx)
		require.NoError(t, err)
		if p.Empty() {
			return i
		}
		if _, err := p.Apply(ctx, fast()...); err != nil {
			t.Logf("apply %d: %v", i+1, err)
		}
	}
	p, err := e.planRetry(t, ctx)
	require.NoError(t, err)
	require.Truef(t, p.Empty(), "not converged after %d applies:\n%s", rounds, p)
	return rounds
}

// planRetry plans, retrying when a read fails under injected faults (Plan itself already
// retries reads a few times).
func (e *env) planRetry(t testing.TB, ctx context.Context) (*blueprint.Plan, error) {
	var err error
	for i := range 10 {
		var p *blueprint.Plan
		if p, err = e.bp.Plan(ctx, e.conns, fast()...); err == nil {
			return p, nil
		}
		t.Logf("plan attempt %d: %v", i+1, err)
	}
	return nil, err
}

// marked lists the objects carrying the site's marker on every simulator, as
// "appliance/kind/name" (duplicates kept, so a duplicate shows twice).
func (e *env) marked(t testing.TB, ctx context.Context) []string {
	t.Helper()
	site := e.site.Name
	has := func(v any) bool { s, _ := v.(string); return sitekitHasMarker(s, site) }
	var out []string
	for _, table := range []string{"system/interface", "firewall/address", "firewall/addrgrp", "firewall.service/custom", "firewall/vip", "firewall/policy"} {
		for _, o := range e.sims.FortiGate.Objects(table) {
			if has(o["comments"]) || has(o["comment"]) || has(o["description"]) {
				out = append(out, fmt.Sprintf("fortigate/%s/%v", table, o["name"]))
			}
		}
	}
	for _, o := range e.sims.FortiGate.Objects("endpoint-control/fctems") {
		if o["name"] == site+"-ems" {
			out = append(out, "fortigate/fctems/"+site+"-ems")
		}
	}
	for _, g := range e.sims.EMS.Groups() {
		if strings.HasPrefix(g.Name, site+"-") {
			out = append(out, "ems/group/"+g.Name)
		}
	}
	tags, err := e.conns.EMS.ZTNATags.List(ctx, nil)
	require.NoError(t, err)
	for _, tg := range tags {
		if sitekitHasMarker(tg.Comments, site) {
			out = append(out, "ems/ztna-tag/"+tg.Name)
		}
	}
	for _, coll := range []string{"vms", "networks"} {
		var objs []xo.Common
		switch coll {
		case "vms":
			vms, err := e.conns.XO.VMs.List(ctx, nil)
			require.NoError(t, err)
			for _, v := range vms {
				objs = append(objs, v.Common)
			}
		case "networks":
			nets, err := e.conns.XO.Networks.List(ctx, nil)
			require.NoError(t, err)
			for _, n := range nets {
				objs = append(objs, n.Common)
			}
		}
		for _, o := range objs {
			if slices.ContainsFunc(o.Tags, func(tag string) bool { return sitekitHasMarker(tag, site) }) {
				out = append(out, "xo/"+coll+"/"+o.NameLabel)
			}
		}
	}
	slices.Sort(out)
	return out
}

func duplicates(list []string) []string {
	var d []string
	for i := 1; i < len(list); i++ {
		if list[i] == list[i-1] && !slices.Contains(d, list[i]) {
			d = append(d, list[i])
		}
	}
	return d
}

func TestStandardEndToEnd(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	plan, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	assert.Empty(t, plan.Omitted)
	c, u, d, _ := plan.Counts()
	assert.Greater(t, c, 50)
	assert.Equal(t, 2, u, "the updates release the factory dmz address overlapping the mgmt VLAN and check the web VM's Netdata stream")
	assert.Equal(t, plan.Step(engine.K("fortigate", "port-address", "dmz")).Action, engine.ActionUpdate)
	assert.Equal(t, plan.Step(engine.K("netdata", "gate", "web")).Action, engine.ActionUpdate, "web does not stream before it exists")
	assert.Zero(t, d)
	res, err := plan.Apply(ctx, fast()...)
	require.NoError(t, err, "%s", res)

	// Every resource of the graph now exists and carries the marker (observed by a fresh plan).
	again, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	require.True(t, again.Empty(), "re-plan after apply:\n%s", again)
	for _, s := range again.Steps {
		if s.Key.Appliance == "netdata" || s.Key.Kind == "host" || s.Key.Kind == "policy-order" || s.Key.Kind == "port-address" {
			continue // gates, the looked-up host and physical ports are not the site's objects
		}
		assert.Truef(t, s.Observed().Managed, "%s exists but is not marked", s.ID)
	}

	// FortiGate: VLANs on the internal port, DHCP for user and guest VLANs, 8 ordered policies.
	fgt := e.sims.FortiGate
	for _, v := range e.site.Network.VLANs {
		o, ok := fgt.Object("system/interface", v.Name)
		require.Truef(t, ok, "interface %s", v.Name)
		assert.Equal(t, "vlan", o["type"])
		assert.EqualValues(t, v.ID, o["vlanid"])
		assert.Equal(t, "internal", o["interface"])
		assert.Contains(t, o["description"], e.site.Marker())
	}
	dhcp := map[string]bool{}
	for _, o := range fgt.Objects("system.dhcp/server") {
		dhcp[fmt.Sprint(o["interface"])] = true
	}
	assert.Equal(t, map[string]bool{"compta": true, "technique": true, "invites": true}, dhcp)
	var order []string
	byID := map[float64]string{}
	for _, o := range fgt.Objects("firewall/policy") {
		if id, ok := o["policyid"].(float64); ok {
			byID[id] = fmt.Sprint(o["name"])
		}
	}
	for _, id := range fgt.PolicyOrder() {
		order = append(order, byID[float64(id)])
	}
	assert.Equal(t, []string{"pv-pessac-users-erp", "pv-pessac-mgmt-admin", "pv-pessac-web-netdata", "pv-pessac-web-in",
		"pv-pessac-ztna-erp", "pv-pessac-compta-inet", "pv-pessac-technique-inet", "pv-pessac-invites-inet"}, order)
	vip, ok := fgt.Object("firewall/vip", "pv-pessac-vip-web")
	require.True(t, ok)
	assert.Contains(t, fmt.Sprint(vip["mappedip"]), "10.10.25.10")
	for _, name := range []string{"pv-pessac-vip-ztna"} {
		_, ok := fgt.Object("firewall/access-proxy", name)
		assert.Truef(t, ok, "access proxy %s", name)
	}
	conn := fgt.Objects("endpoint-control/fctems")
	assert.True(t, slices.ContainsFunc(conn, func(o map[string]any) bool { return o["name"] == "pv-pessac-ems" && o["status"] == "enable" }))

	// EMS: department groups, compliant tag with its rules, FortiGate authorized.
	var groups []string
	for _, g := range e.sims.EMS.Groups() {
		groups = append(groups, g.Name)
	}
	assert.Subset(t, groups, []string{"pv-pessac-compta", "pv-pessac-technique"})
	tag, err := e.conns.EMS.ZTNATags.Find(ctx, "pv-pessac-compliant")
	require.NoError(t, err)
	assert.Len(t, tag.Rules, 2)
	authorized := 0
	for _, f := range e.sims.EMS.FortiGates() {
		if f.Authorized {
			authorized++
		}
	}
	assert.Equal(t, 1, authorized)

	// XO: the four VMs, each once, tagged.
	vms, err := e.conns.XO.VMs.List(ctx, nil)
	require.NoError(t, err)
	var names []string
	for _, v := range vms {
		if slices.Contains(v.Tags, e.site.Marker()) {
			names = append(names, v.NameLabel)
		}
	}
	slices.Sort(names)
	assert.Equal(t, []string{"ems", "erp", "monitor", "web"}, names)
	assert.Len(t, names, 4)

	// Compliance on the live site: nothing fails (the factory dmz address that overlapped
	// the mgmt VLAN was released); the single-host RTO is a limit of the tier.
	dmz, _ := fgt.Object("system/interface", "dmz")
	assert.Equal(t, "0.0.0.0 0.0.0.0", dmz["ip"])
	comp, err := e.bp.Audit(ctx, e.conns)
	require.NoError(t, err)
	var failed []string
	for _, f := range comp.Failed() {
		failed = append(failed, f.Check)
	}
	assert.Empty(t, failed)
	require.Len(t, comp.Limits(), 1)
	assert.Equal(t, "RTO ≈ 0 on host loss", comp.Limits()[0].Check)
	assert.Equal(t, blueprint.StatusOK, comp.Status())
	assert.Equal(t, 3, comp.Backup.Copies)
	assert.Equal(t, comp.Intended, comp.Actual)

	// Destroy leaves no marked object, and a second destroy has nothing to do.
	before := e.marked(t, ctx)
	t.Logf("%d marked objects before destroy", len(before))
	assert.Greater(t, len(before), 30)
	assert.Empty(t, duplicates(before))
	dres, err := e.bp.Destroy(ctx, e.conns, fast()...)
	require.NoError(t, err, "%s", dres)
	assert.Empty(t, e.marked(t, ctx))
	again, err = e.bp.PlanDestroy(ctx, e.conns)
	require.NoError(t, err)
	assert.Zero(t, again.Changes(), "%s", again)
}

// TestBadSitesSendNothing: every invalid site of validate_test.go is rejected by the three
// presets with the expected field first, and no simulator sees a single request.
func TestBadSitesSendNothing(t *testing.T) {
	e := newEnv(t, blueprinttest.Faults{})
	e.sims.ResetCounters()
	cases := blueprint.BadSitesForTest()
	require.GreaterOrEqual(t, len(cases), 40)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			s := blueprint.ReferenceSiteForTest()
			tc.Edit(&s)
			for _, preset := range []func(blueprint.Site) (*blueprint.Blueprint, error){blueprint.Standard, blueprint.Basse, blueprint.Premium} {
				bp, err := preset(s)
				require.Error(t, err)
				assert.Nil(t, bp)
				assert.ErrorIs(t, err, sitekit.ErrInvalid)
				var ve *blueprint.ValidationError
				require.True(t, errors.As(err, &ve))
				assert.Equal(t, tc.Field, ve.Fields()[0])
			}
		})
	}
	calls := e.sims.Calls()
	assert.Equal(t, map[string]int{"fortigate": 0, "xo": 0, "ems": 0, "truenas": 0, "netdata": 0}, calls)
}

// TestNoopReplanReadsEachCollectionOnce: a no-op re-plan costs exactly one call per
// collection the plan declares, on every appliance.
func TestNoopReplanReadsEachCollectionOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	e.converge(t, ctx, 2)
	e.sims.ResetCounters()
	p, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	require.True(t, p.Empty())
	calls := e.sims.Calls()
	t.Logf("calls per appliance %v, collections %v", calls, p.Collections)
	for app, colls := range p.Collections {
		assert.Equalf(t, len(colls), calls[app], "%s: collections %v", app, colls)
	}
	assert.ElementsMatch(t, slices.Collect(maps.Keys(calls)), slices.Collect(maps.Keys(p.Collections)))
}

// sitekitHasMarker reports whether text carries the marker of site.
func sitekitHasMarker(text, site string) bool {
	s, ok := sitekit.ParseMarker(text)
	return ok && s == site
}
