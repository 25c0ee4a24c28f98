package blueprint_test

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/internal/simkit"
)

// expectedMarked is the set of marked objects a converged Pessac site holds (computed once
// on a fault-free run), so a chaos run can be checked for duplicates (an object twice) and
// orphans (an object not in the set).
func expectedMarked(t *testing.T) []string {
	t.Helper()
	e := newEnv(t, simkit.Faults{})
	e.converge(t, context.Background(), 1)
	return e.marked(t, context.Background())
}

// TestChaosTransientFaults: Standard converges with 20% transient failures (502/503/429 and
// connection resets, reads included) on all five simulators, over 20 seeds, with no
// duplicate and no orphan.
func TestChaosTransientFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos")
	}
	want := expectedMarked(t)
	for seed := uint64(1); seed <= 20; seed++ {
		e := newEnv(t, simkit.Faults{Seed: seed, Rate: 0.2, Statuses: []int{502, 503, 429}, ReadsToo: true})
		ctx := context.Background()
		rounds := e.converge(t, ctx, 4)
		for _, inj := range e.sims.Injectors() {
			inj.SetFaults(simkit.Faults{})
		}
		got := e.marked(t, ctx)
		assert.Emptyf(t, duplicates(got), "seed %d: duplicates", seed)
		assert.Equalf(t, want, got, "seed %d: marked objects differ (orphans or missing)", seed)
		injected := 0
		for _, inj := range e.sims.Injectors() {
			injected += inj.Injected()
		}
		t.Logf("seed %2d: converged after %d apply(s), %d faults injected", seed, rounds, injected)
		assert.Positive(t, injected)
	}
}

// TestChaosAmbiguousCommits: writes applied but their answers dropped (20%) never create an
// object twice.
func TestChaosAmbiguousCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos")
	}
	want := expectedMarked(t)
	for seed := uint64(1); seed <= 10; seed++ {
		e := newEnv(t, simkit.Faults{Seed: seed, AmbiguousRate: 0.2})
		ctx := context.Background()
		e.converge(t, ctx, 4)
		for _, inj := range e.sims.Injectors() {
			inj.SetFaults(simkit.Faults{})
		}
		got := e.marked(t, ctx)
		assert.Emptyf(t, duplicates(got), "seed %d: duplicates", seed)
		assert.Equalf(t, want, got, "seed %d", seed)
	}
}

// TestChaosCancelledApply: an apply cancelled at 50 random points (after a seeded number of
// finished steps) and then re-applied converges, with no duplicate and no orphan.
func TestChaosCancelledApply(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos")
	}
	want := expectedMarked(t)
	rng := rand.New(rand.NewPCG(42, 8))
	for i := range 50 {
		e := newEnv(t, simkit.Faults{})
		ctx, cancel := context.WithCancel(context.Background())
		p, err := e.bp.Plan(ctx, e.conns)
		require.NoError(t, err)
		stopAfter := int64(1 + rng.IntN(p.Changes()))
		var done atomic.Int64
		res, err := p.Apply(ctx, blueprint.WithEvents(func(ev engine.Event) {
			if ev.Type == engine.EventDone && done.Add(1) == stopAfter {
				cancel()
			}
		}))
		cancel()
		if stopAfter < int64(p.Changes()) {
			assert.Errorf(t, err, "run %d: cancelled after %d steps, want an error (%s)", i, stopAfter, res)
		}
		e.converge(t, context.Background(), 3)
		got := e.marked(t, context.Background())
		assert.Emptyf(t, duplicates(got), "run %d (cancel after %d): duplicates", i, stopAfter)
		assert.Equalf(t, want, got, "run %d (cancel after %d)", i, stopAfter)
	}
}
