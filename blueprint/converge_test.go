package blueprint_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/internal/examplekit"
)

// TestConvergeStepByStep runs the Standard plan the way a distributed executor does: one
// step at a time, each on a graph rebuilt from the site and the connections, taken by key,
// observed again, then written. The re-plan is empty, and converging every step a second
// time writes nothing.
func TestConvergeStepByStep(t *testing.T) {
	sims, err := examplekit.StartSims(examplekit.Options{})
	require.NoError(t, err)
	t.Cleanup(sims.Close)
	conns, err := sims.Connections()
	require.NoError(t, err)
	t.Cleanup(func() { examplekit.Close(conns) })
	ctx := t.Context()

	bp, err := blueprint.Standard(examplekit.Pessac())
	require.NoError(t, err)
	assert.Equal(t, 1, bp.Limits().Limit("fortigate"))
	plan, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	require.False(t, plan.Empty())

	converge := func() map[engine.Action]int {
		counts := map[engine.Action]int{}
		outputs := map[engine.Key]engine.Outputs{}
		byID := map[string]engine.Key{}
		for _, s := range plan.Steps {
			byID[s.ID] = s.Key
			if s.Action == engine.ActionNoop {
				outputs[s.Key] = s.Observed().Outputs
				continue
			}
			g, err := bp.Graph(conns) // rebuilt for every step, as on a worker
			require.NoError(t, err)
			in := map[engine.Key]engine.Outputs{}
			for _, d := range s.Deps {
				in[byID[d]] = outputs[byID[d]]
			}
			got, err := g.Converge(ctx, s.Key, s.Action, engine.NewInputs(in), engine.WithSite(bp.Site().Name))
			require.NoError(t, err, s.ID)
			counts[got.Action]++
			outputs[s.Key] = got.Outputs
		}
		return counts
	}
	first := converge()
	assert.Positive(t, first[engine.ActionCreate])
	again := converge()
	assert.Equal(t, map[engine.Action]int{engine.ActionNoop: plan.Changes()}, again, "a second pass observes and writes nothing")

	replan, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.True(t, replan.Empty(), "re-plan:\n%s", replan)
}
