package blueprint

import (
	"context"
	"time"

	"github.com/sitekit/sitekit/blueprint/engine"
)

// writeHook is called synchronously around each write (Create, Update, Delete) of every
// resource, on the worker that runs it. The package's tests use it to cancel an apply at
// an exact point: before a write is sent, or after it landed and before its answer
// reaches the engine. It is nil outside those tests.
type writeHook struct {
	before func(ctx context.Context, k engine.Key)
	after  func(ctx context.Context, k engine.Key)
}

// hooked runs a resource's writes between the hook's before and after calls. When the
// context is cancelled by then, the write's result is dropped and the context's error is
// returned, as when an answer is lost to a cancellation.
type hooked struct {
	engine.Resource
	hook *writeHook
}

func (h *hooked) around(ctx context.Context, write func() error) error {
	k := h.Resource.Key()
	if h.hook.before != nil {
		h.hook.before(ctx, k)
	}
	err := write()
	if h.hook.after != nil {
		h.hook.after(ctx, k)
	}
	if err == nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// Create implements engine.Resource.
func (h *hooked) Create(ctx context.Context, in engine.Inputs) (out engine.Outputs, err error) {
	err = h.around(ctx, func() error { out, err = h.Resource.Create(ctx, in); return err })
	return out, err
}

// Update implements engine.Resource.
func (h *hooked) Update(ctx context.Context, in engine.Inputs, cur engine.Observed) (out engine.Outputs, err error) {
	err = h.around(ctx, func() error { out, err = h.Resource.Update(ctx, in, cur); return err })
	return out, err
}

// Delete implements engine.Resource.
func (h *hooked) Delete(ctx context.Context, cur engine.Observed) error {
	return h.around(ctx, func() error { return h.Resource.Delete(ctx, cur) })
}

// References implements engine.Referencer.
func (h *hooked) References() []engine.Reference {
	if r, ok := h.Resource.(engine.Referencer); ok {
		return r.References()
	}
	return nil
}

// OutputNames implements engine.OutputDeclarer.
func (h *hooked) OutputNames() []string {
	if r, ok := h.Resource.(engine.OutputDeclarer); ok {
		return r.OutputNames()
	}
	return nil
}

// Estimate implements engine.Estimator.
func (h *hooked) Estimate() time.Duration {
	if r, ok := h.Resource.(engine.Estimator); ok {
		return r.Estimate()
	}
	return engine.DefaultEstimate
}
