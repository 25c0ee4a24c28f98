package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"
)

// Func is a [Resource] built from closures, so the site layer needs no type
// per resource. T is the desired state type (a struct with JSON tags).
//
// Only ID, one of Want/WantFn, OnObserve and OnCreate are required:
//
//	vlan := &engine.Func[VLAN]{
//		ID:        engine.K("fortigate", "vlan", "compta"),
//		Want:      VLAN{Name: "compta", ID: 30, Comments: sitekit.Marker(site)},
//		Provides:  []string{"name"},
//		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) { ... },
//		OnCreate:  func(ctx context.Context, want VLAN) (engine.Outputs, error) { ... },
//		OnUpdate:  func(ctx context.Context, want VLAN, cur engine.Observed) (engine.Outputs, error) { ... },
//		OnDelete:  func(ctx context.Context, cur engine.Observed) error { ... },
//	}
//
// Put the managed-by marker in the desired state (as above): an existing
// object without it then diffs as an update of that field, which adopts it,
// and the plan shows it.
//
// When the desired state depends on another resource's output, set Uses and
// WantFn; WantFn receives the resolved inputs:
//
//	netID := engine.Output[string](network.ID, "id")
//	vm := &engine.Func[VM]{
//		ID:     engine.K("xo", "vm", "web"),
//		Uses:   []engine.Reference{netID},
//		WantFn: func(in engine.Inputs) VM { return VM{Name: "web", Network: netID.Get(in)} },
//		...
//	}
type Func[T any] struct {
	// ID is the resource key.
	ID Key
	// After lists explicit dependencies (references imply their own).
	After []Key
	// Uses lists the references consumed by WantFn.
	Uses []Reference
	// Provides names the outputs OnCreate/OnUpdate/OnObserve return.
	Provides []string
	// Want is the desired state when it needs no inputs.
	Want T
	// WantFn, when set, computes the desired state from inputs; it wins over Want.
	WantFn func(in Inputs) T
	// Duration estimates a write; zero means [DefaultEstimate].
	Duration time.Duration

	// OnObserve reads the object (required).
	OnObserve func(ctx context.Context, r *Reader) (Observed, error)
	// OnDiff returns changed field names; nil compares the top-level JSON
	// fields of the desired state with cur.State (see [DiffJSON]).
	OnDiff func(want T, cur Observed) []string
	// OnCreate creates the object (required unless the plan only deletes).
	OnCreate func(ctx context.Context, want T) (Outputs, error)
	// OnUpdate updates the object; nil makes any needed update fail.
	OnUpdate func(ctx context.Context, want T, cur Observed) (Outputs, error)
	// OnDelete deletes the object; nil makes any needed delete fail.
	OnDelete func(ctx context.Context, cur Observed) error
}

var (
	_ Resource       = (*Func[int])(nil)
	_ Referencer     = (*Func[int])(nil)
	_ OutputDeclarer = (*Func[int])(nil)
	_ Estimator      = (*Func[int])(nil)
)

// Key implements [Resource].
func (f *Func[T]) Key() Key { return f.ID }

// Deps implements [Resource].
func (f *Func[T]) Deps() []Key { return f.After }

// References implements [Referencer].
func (f *Func[T]) References() []Reference { return f.Uses }

// OutputNames implements [OutputDeclarer].
func (f *Func[T]) OutputNames() []string { return f.Provides }

// Estimate implements [Estimator].
func (f *Func[T]) Estimate() time.Duration {
	if f.Duration <= 0 {
		return DefaultEstimate
	}
	return f.Duration
}

func (f *Func[T]) want(in Inputs) T {
	if f.WantFn != nil {
		return f.WantFn(in)
	}
	return f.Want
}

// Desired implements [Resource].
func (f *Func[T]) Desired(in Inputs) any { return f.want(in) }

// Observe implements [Resource].
func (f *Func[T]) Observe(ctx context.Context, r *Reader) (Observed, error) {
	if f.OnObserve == nil {
		return Observed{}, fmt.Errorf("%s: no OnObserve", f.ID)
	}
	return f.OnObserve(ctx, r)
}

// Diff implements [Resource].
func (f *Func[T]) Diff(in Inputs, cur Observed) []string {
	w := f.want(in)
	if f.OnDiff != nil {
		return f.OnDiff(w, cur)
	}
	return DiffJSON(w, cur.State)
}

// Create implements [Resource].
func (f *Func[T]) Create(ctx context.Context, in Inputs) (Outputs, error) {
	if f.OnCreate == nil {
		return nil, fmt.Errorf("%s: create not supported", f.ID)
	}
	return f.OnCreate(ctx, f.want(in))
}

// Update implements [Resource].
func (f *Func[T]) Update(ctx context.Context, in Inputs, cur Observed) (Outputs, error) {
	if f.OnUpdate == nil {
		return nil, fmt.Errorf("%s: update not supported", f.ID)
	}
	return f.OnUpdate(ctx, f.want(in), cur)
}

// Delete implements [Resource].
func (f *Func[T]) Delete(ctx context.Context, cur Observed) error {
	if f.OnDelete == nil {
		return fmt.Errorf("%s: delete not supported", f.ID)
	}
	return f.OnDelete(ctx, cur)
}

// DiffJSON compares want and have through their JSON encodings and returns,
// sorted, the top-level fields of want whose values differ in have. Fields
// absent from want's encoding (omitempty, "-") are not compared, so have may
// carry extra fields. When either side is not a JSON object the whole value
// is compared and reported as "state".
func DiffJSON(want, have any) []string {
	wm, werr := toJSONMap(want)
	hm, herr := toJSONMap(have)
	if werr != nil || herr != nil || wm == nil {
		if jsonEqual(want, have) {
			return nil
		}
		return []string{"state"}
	}
	var out []string
	for k, wv := range wm {
		if hv, ok := hm[k]; !ok || !reflect.DeepEqual(wv, hv) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func toJSONMap(v any) (map[string]any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
