package blueprint

import (
	"context"
	"sync"
	"time"

	"github.com/sitekit/sitekit/blueprint/engine"
)

// guarded wraps a resource so that, within one plan, a write that succeeded is never sent
// again: a second Create (or Update, Delete) of the same resource returns the first one's
// outputs. It works around an engine bug (blueprint/engine apply.go, the initial ready
// loop): a step whose dependencies are all no-ops placed before it in the plan is
// dispatched twice, which on APIs keyed by server-allocated ids (FortiOS policies and
// DHCP servers, XO VMs) creates the object twice. Failed attempts are not memoised, so the
// engine's retries still work; concurrent duplicates wait for the first. Errors are
// classified ([classify]) so that every resource, whatever its file, gets the same retry
// semantics (rate limits and 5xx transient, unknown outcomes and duplicates ambiguous).
type guarded struct {
	engine.Resource
	mu   sync.Mutex
	done bool
	out  engine.Outputs
}

func guard(r engine.Resource) engine.Resource { return &guarded{Resource: r} }

func (g *guarded) once(f func() (engine.Outputs, error)) (engine.Outputs, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return g.out, nil
	}
	out, err := f()
	if err == nil {
		g.done, g.out = true, out
	}
	return out, classify(err)
}

// Create implements engine.Resource.
func (g *guarded) Create(ctx context.Context, in engine.Inputs) (engine.Outputs, error) {
	return g.once(func() (engine.Outputs, error) { return g.Resource.Create(ctx, in) })
}

// Update implements engine.Resource.
func (g *guarded) Update(ctx context.Context, in engine.Inputs, cur engine.Observed) (engine.Outputs, error) {
	return g.once(func() (engine.Outputs, error) { return g.Resource.Update(ctx, in, cur) })
}

// Delete implements engine.Resource.
func (g *guarded) Delete(ctx context.Context, cur engine.Observed) error {
	_, err := g.once(func() (engine.Outputs, error) { return nil, g.Resource.Delete(ctx, cur) })
	return err
}

// References implements engine.Referencer.
func (g *guarded) References() []engine.Reference {
	if r, ok := g.Resource.(engine.Referencer); ok {
		return r.References()
	}
	return nil
}

// OutputNames implements engine.OutputDeclarer.
func (g *guarded) OutputNames() []string {
	if r, ok := g.Resource.(engine.OutputDeclarer); ok {
		return r.OutputNames()
	}
	return nil
}

// Estimate implements engine.Estimator.
func (g *guarded) Estimate() time.Duration {
	if r, ok := g.Resource.(engine.Estimator); ok {
		return r.Estimate()
	}
	return engine.DefaultEstimate
}
