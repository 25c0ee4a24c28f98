package blueprint_test

import (
	"context"
	"encoding/json"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint/engine"
)

// TestPlanShowsBeforeAndAfter: an update shows each changed field with its value on the
// appliance and the value it writes, in text and in JSON; unchanged resources are listed
// on request (issue 13: "~ policy/pv-pessac-invites-inet (logtraffic)" said no more).
func TestPlanShowsBeforeAndAfter(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	e.converge(t, ctx, 2)
	fgt := e.conns.FortiGate
	pols, err := fgt.Policies.List(ctx, nil)
	require.NoError(t, err)
	id := 0
	for _, p := range pols {
		if p.Name == "pv-pessac-invites-inet" {
			id = p.PolicyID
		}
	}
	require.NotZero(t, id)
	require.NoError(t, fgt.Policies.Patch(ctx, id, map[string]any{"logtraffic": "disable"}))

	p, err := e.bp.Plan(ctx, e.conns)
	require.NoError(t, err)
	text := p.String()
	assert.Contains(t, text, "~ fortigate/policy/pv-pessac-invites-inet (logtraffic)\n    logtraffic: \"disable\" → \"all\"\n")
	assert.NotContains(t, text, "= fortigate/")

	st := p.Step(engine.K("fortigate", "policy", "pv-pessac-invites-inet"))
	require.NotNil(t, st)
	require.Len(t, st.Diff, 1)
	assert.Equal(t, "logtraffic", st.Diff[0].Field)
	assert.JSONEq(t, `"disable"`, string(st.Diff[0].Before))
	assert.JSONEq(t, `"all"`, string(st.Diff[0].After))

	js, err := p.JSON()
	require.NoError(t, err)
	var doc struct {
		Steps []struct {
			ID   string `json:"id"`
			Diff []struct {
				Field  string `json:"field"`
				Before any    `json:"before"`
				After  any    `json:"after"`
			} `json:"diff"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal(js, &doc))
	found := false
	for _, s := range doc.Steps {
		if s.ID == "fortigate/policy/pv-pessac-invites-inet" {
			require.Len(t, s.Diff, 1)
			assert.Equal(t, "logtraffic", s.Diff[0].Field)
			assert.Equal(t, "disable", s.Diff[0].Before)
			assert.Equal(t, "all", s.Diff[0].After)
			found = true
		}
	}
	assert.True(t, found, "the JSON plan carries the update's before and after")

	all := p.Format(engine.FormatOptions{Unchanged: true})
	assert.Contains(t, all, "= fortigate/policy/pv-pessac-compta-inet\n")
	assert.Contains(t, all, "= xo/vm/erp\n")
}

// TestPlanRedactsSecretFields: a changed field whose name looks like a secret shows
// neither value.
func TestPlanRedactsSecretFields(t *testing.T) {
	for _, f := range []string{"password", "secret_access_key", "api_key", "token", "private_key", "psksecret"} {
		assert.True(t, engine.IsSecretField(f), f)
	}
	for _, f := range []string{"logtraffic", "name", "vms", "cron"} {
		assert.False(t, engine.IsSecretField(f), f)
	}
}
