package blueprint_test

import (
	"context"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// expectedMarked is the set of marked objects a converged Pessac site holds (computed once
// on a fault-free run), so a chaos run can be checked for duplicates (an object twice) and
// orphans (an object not in the set).
func expectedMarked(t *testing.T) []string {
	t.Helper()
	e := newEnv(t, blueprinttest.Faults{})
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
		e := newEnv(t, blueprinttest.Faults{Seed: seed, Rate: 0.2, Statuses: []int{502, 503, 429}, ReadsToo: true})
		ctx := context.Background()
		rounds := e.converge(t, ctx, 4)
		for _, inj := range e.sims.Injectors() {
			inj.SetFaults(blueprinttest.Faults{})
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
		e := newEnv(t, blueprinttest.Faults{Seed: seed, AmbiguousRate: 0.2})
		ctx := context.Background()
		e.converge(t, ctx, 4)
		for _, inj := range e.sims.Injectors() {
			inj.SetFaults(blueprinttest.Faults{})
		}
		got := e.marked(t, ctx)
		assert.Emptyf(t, duplicates(got), "seed %d: duplicates", seed)
		assert.Equalf(t, want, got, "seed %d", seed)
	}
}

// TestChaosCancelledApply: an apply cancelled at 6 points spread over the whole plan and
// then re-applied converges, with no duplicate and no orphan. The cancellation is
// synchronous with the n-th write, on the worker running it: on even runs before the write
// is sent (the write never happens), on odd runs after it landed and before its answer
// reaches the engine (the outcome is lost). Either way the apply has work it cannot finish,
// so it must report an error, whatever the machine's load.
func TestChaosCancelledApply(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos")
	}
	want := expectedMarked(t)
	const runs = 6
	for i := range runs {
		e := newEnv(t, blueprinttest.Faults{})
		ctx, cancel := context.WithCancel(context.Background())
		p, err := e.bp.Plan(ctx, e.conns)
		require.NoError(t, err)
		changes := p.Changes()
		require.Positive(t, changes)
		stopAt := int64(1 + i*(changes-1)/(runs-1)) // 1 … changes
		landed := i%2 == 1
		var writes atomic.Int64
		var cancelledAt atomic.Value
		at := func(_ context.Context, k engine.Key) {
			if writes.Add(1) == stopAt {
				cancelledAt.Store(k.String())
				cancel()
			}
		}
		if landed {
			blueprint.SetWriteHookForTest(e.bp, nil, at)
		} else {
			blueprint.SetWriteHookForTest(e.bp, at, nil)
		}
		p, err = e.bp.Plan(ctx, e.conns)
		require.NoError(t, err)
		res, err := p.Apply(ctx)
		cancel()
		require.Errorf(t, err, "run %d: cancelled at write %d of %d (%v, landed %v), want an error (%s)", i, stopAt, changes, cancelledAt.Load(), landed, res)
		assert.ErrorIs(t, err, context.Canceled)
		blueprint.SetWriteHookForTest(e.bp, nil, nil)
		start := time.Now()
		e.converge(t, context.Background(), 3)
		t.Logf("run %2d: cancelled at write %d of %d (%v, landed %v); converged in %s", i, stopAt, changes, cancelledAt.Load(), landed, time.Since(start).Round(time.Millisecond))
		got := e.marked(t, context.Background())
		assert.Emptyf(t, duplicates(got), "run %d (cancel at write %d, landed %v): duplicates", i, stopAt, landed)
		assert.Equalf(t, want, got, "run %d (cancel at write %d, landed %v)", i, stopAt, landed)
	}
}
