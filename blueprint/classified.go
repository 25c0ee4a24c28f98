package blueprint

import (
	"context"
	"errors"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/xo"
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

// rejections are the sentinels of an answer that refuses the request itself: resending it
// unchanged cannot succeed.
var rejections = []error{sitekit.ErrInvalid, sitekit.ErrUnauthorized, sitekit.ErrNotFound, sitekit.ErrInUse, sitekit.ErrExists}

// serverFault reports an error answer that rejects nothing in the request and comes from the
// appliance's side: an HTTP 5xx, or a JSON-RPC error naming no rejection (XO's "unknown error
// from the peer", a TrueNAS CallError). Such faults often clear (a restarting service), so the
// engine retries them a few times; sitekit.IsRetryable, which promises more, does not accept
// them.
func serverFault(err error) bool {
	for _, r := range rejections {
		if errors.Is(err, r) {
			return false
		}
	}
	var (
		fe *fortigate.APIError
		xe *xo.APIError
		ee *ems.APIError
		te *truenas.APIError
		ne *netdata.APIError
	)
	switch {
	case errors.As(err, &fe):
		return fe.StatusCode >= 500
	case errors.As(err, &xe):
		return xe.StatusCode >= 500 || xe.StatusCode == 0
	case errors.As(err, &ee):
		return ee.StatusCode >= 500
	case errors.As(err, &te):
		return true
	case errors.As(err, &ne):
		return ne.StatusCode >= 500
	}
	return false
}
