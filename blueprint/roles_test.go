package blueprint_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// fortiGateDesired maps each FortiGate step of p to its desired state, with every
// occurrence of from replaced by to (keys and values).
func fortiGateDesired(t *testing.T, p *blueprint.Plan, from, to string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range p.Steps {
		if s.Key.Appliance != "fortigate" {
			continue
		}
		var v any
		require.NoError(t, json.Unmarshal(s.Desired, &v))
		b, err := json.Marshal(v)
		require.NoError(t, err)
		out[strings.ReplaceAll(s.ID, from, to)] = strings.ReplaceAll(string(b), from, to)
	}
	return out
}

// TestSpecialVMsFoundByRole: renaming the ERP VM ("erp" → "sage") and the others keeps
// every policy, VIP, ZTNA access, EMS connector and compliance check: the presets find the
// special VMs by their role.
func TestSpecialVMsFoundByRole(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	renamed := blueprinttest.Pessac()
	renamed.VMs = blueprint.DefaultVMs(renamed.Network)
	names := map[string]string{"erp": "sage", "web": "www", "monitor": "netdata", "ems": "forticlient"}
	for i := range renamed.VMs {
		renamed.VMs[i].Name = names[renamed.VMs[i].Name]
	}
	bp, err := blueprint.Standard(renamed)
	require.NoError(t, err)
	assert.Equal(t, []string{"sage"}, bp.Site().Teleworkers.Services, "ZTNA defaults to the ERP by role")

	orig, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	p, err := bp.Plan(ctx, e.conns)
	require.NoError(t, err)

	want := fortiGateDesired(t, orig, "", "")
	got := fortiGateDesired(t, p, "", "")
	for old, now := range names {
		next := map[string]string{}
		for k, v := range got {
			k = strings.ReplaceAll(k, "vm-"+now, "vm-"+old)
			k = strings.ReplaceAll(k, "pv-pessac-"+now+"-", "pv-pessac-"+old+"-")
			v = strings.ReplaceAll(v, "vm-"+now, "vm-"+old)
			v = strings.ReplaceAll(v, "pv-pessac-"+now+"-", "pv-pessac-"+old+"-")
			v = strings.ReplaceAll(v, `"/`+now+`"`, `"/`+old+`"`)
			next[k] = v
		}
		got = next
	}
	assert.Equal(t, want, got, "the renamed site has the same FortiGate objects, names aside")
	assert.Contains(t, got, "fortigate/policy/pv-pessac-users-erp")
	assert.Contains(t, got, "fortigate/vip/pv-pessac-vip-web")
	assert.Contains(t, got, "fortigate/ems-connector/pv-pessac-ems")

	for _, f := range p.Compliance().Findings {
		if strings.Contains(f.Check, "ERP") || strings.Contains(f.Check, "matrix") {
			assert.True(t, f.OK, "%s: %s", f.Check, f.Detail)
		}
	}
}
