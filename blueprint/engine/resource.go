package engine

import (
	"context"
	"time"
)

// Resource is one object on one appliance that the engine converges.
//
// Every method must be idempotent: Create must not fail if the object already
// exists with the desired state, Delete must succeed if the object is gone.
// Resources are usually built with [Func] rather than by implementing the
// interface directly.
type Resource interface {
	// Key identifies the resource; it must not change.
	Key() Key
	// Deps lists resources that must be converged before this one.
	// Dependencies implied by [Referencer.References] need not be repeated.
	Deps() []Key
	// Desired returns the desired state, serialisable as JSON. in holds the
	// outputs of dependencies known so far (at plan time, outputs of
	// resources still to be created are missing).
	Desired(in Inputs) any
	// Observe reads the current object, usually through r.List so that one
	// list call per (appliance, collection) serves every resource.
	Observe(ctx context.Context, r *Reader) (Observed, error)
	// Diff returns the names of the fields that differ between the desired
	// state and cur (which exists). No names means no change.
	Diff(in Inputs, cur Observed) []string
	// Create creates the object and returns its outputs.
	Create(ctx context.Context, in Inputs) (Outputs, error)
	// Update brings the existing object cur to the desired state and returns
	// its outputs (nil keeps the observed outputs).
	Update(ctx context.Context, in Inputs, cur Observed) (Outputs, error)
	// Delete removes the object cur.
	Delete(ctx context.Context, cur Observed) error
}

// Referencer is implemented by resources that consume outputs of other
// resources. Each reference implies a dependency on its target, and a
// reference to an output the target does not declare is a plan-time error.
type Referencer interface {
	References() []Reference
}

// OutputDeclarer is implemented by resources that produce outputs. Only
// declared outputs may be referenced.
type OutputDeclarer interface {
	OutputNames() []string
}

// Estimator is implemented by resources that know roughly how long a write
// takes. Estimates only steer priorities; the default is one second.
type Estimator interface {
	Estimate() time.Duration
}

// DefaultEstimate is the duration assumed for a step whose resource does not
// implement [Estimator].
const DefaultEstimate = time.Second

// Outputs are the values a resource exposes to the resources referencing it
// (an id, an address, a path). Values should be JSON-serialisable.
type Outputs map[string]any

// Observed is the current state of a resource as read from its appliance.
type Observed struct {
	// Exists is false when the object was not found.
	Exists bool `json:"exists"`
	// Managed reports whether the object carries this site's managed-by
	// marker (see [Marker]). Deletes only ever touch managed objects.
	Managed bool `json:"managed,omitempty"`
	// State is the current state, comparable with the desired state.
	State any `json:"state,omitempty"`
	// Outputs of the existing object, available to dependents of a no-op.
	Outputs Outputs `json:"outputs,omitempty"`
}

// NotFound is the observation of a missing object.
func NotFound() Observed { return Observed{} }

// Found is the observation of an existing object.
func Found(state any, managed bool, outputs Outputs) Observed {
	return Observed{Exists: true, Managed: managed, State: state, Outputs: outputs}
}

// StateOf returns o.State as a T when it holds one.
func StateOf[T any](o Observed) (T, bool) {
	switch v := o.State.(type) {
	case T:
		return v, true
	case *T:
		if v != nil {
			return *v, true
		}
	}
	var zero T
	return zero, false
}

// Inputs is a read-only view of the outputs of a resource's dependencies.
// Read it through [Ref.Get] or [Ref.Lookup].
type Inputs struct {
	m map[Key]Outputs
}

// Output returns output name of resource k, if known.
func (in Inputs) Output(k Key, name string) (any, bool) {
	o, ok := in.m[k]
	if !ok {
		return nil, false
	}
	v, ok := o[name]
	return v, ok
}

// NewInputs builds Inputs from outputs keyed by resource; for tests and
// distributed executors.
func NewInputs(m map[Key]Outputs) Inputs { return Inputs{m: m} }
