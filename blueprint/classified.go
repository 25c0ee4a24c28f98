package blueprint

import (
	"context"
	"time"

	"github.com/sitekit/sitekit/blueprint/engine"
)

// classified wraps a resource so that the errors of its writes are classified ([classify])
// the same way whatever file built it: rate limits and 5xx transient, unknown outcomes and
// duplicates ambiguous (the engine re-observes before retrying a create).
type classified struct {
	engine.Resource
}

func classifyWrites(r engine.Resource) engine.Resource { return &classified{Resource: r} }

// Create implements engine.Resource.
func (g *classified) Create(ctx context.Context, in engine.Inputs) (engine.Outputs, error) {
	out, err := g.Resource.Create(ctx, in)
	return out, classify(err)
}

// Update implements engine.Resource.
func (g *classified) Update(ctx context.Context, in engine.Inputs, cur engine.Observed) (engine.Outputs, error) {
	out, err := g.Resource.Update(ctx, in, cur)
	return out, classify(err)
}

// Delete implements engine.Resource.
func (g *classified) Delete(ctx context.Context, cur engine.Observed) error {
	return classify(g.Resource.Delete(ctx, cur))
}

// References implements engine.Referencer.
func (g *classified) References() []engine.Reference {
	if r, ok := g.Resource.(engine.Referencer); ok {
		return r.References()
	}
	return nil
}

// OutputNames implements engine.OutputDeclarer.
func (g *classified) OutputNames() []string {
	if r, ok := g.Resource.(engine.OutputDeclarer); ok {
		return r.OutputNames()
	}
	return nil
}

// Estimate implements engine.Estimator.
func (g *classified) Estimate() time.Duration {
	if r, ok := g.Resource.(engine.Estimator); ok {
		return r.Estimate()
	}
	return engine.DefaultEstimate
}
