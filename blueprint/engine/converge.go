package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrUnknownResource is wrapped by the error of [Graph.Converge] when asked to
// create or update a key that is not in the graph.
var ErrUnknownResource = errors.New("unknown resource")

// Lookup returns the resource of key k: a resource of the graph or, failing
// that, an object returned by a lister of k's appliance and kind (a managed
// object no longer desired, which a plan deletes). Listers run through r, so
// one list call per collection serves every lookup sharing r. Found is false
// when no resource has key k.
func (g *Graph) Lookup(ctx context.Context, k Key, r *Reader) (res Resource, found bool, err error) {
	if res, ok := g.Resource(k); ok {
		return res, true, nil
	}
	for _, l := range g.listers {
		if l.appliance != k.Appliance || l.kind != k.Kind {
			continue
		}
		rs, err := safeList(ctx, l.fn, r)
		if err != nil {
			return nil, false, fmt.Errorf("list managed %s/%s: %w", l.appliance, l.kind, err)
		}
		for _, res := range rs {
			if res.Key() == k {
				return res, true, nil
			}
		}
	}
	return nil, false, nil
}

// Converged is what [Graph.Converge] did to one resource.
type Converged struct {
	// Key is the resource converged.
	Key Key `json:"key"`
	// Action is the write actually made after observing: create, update,
	// delete, or noop when the resource was already as wanted.
	Action Action `json:"action"`
	// Changes lists the fields an update changed.
	Changes []string `json:"changes,omitempty"`
	// Outputs of the resource after the write (observed ones for a noop).
	Outputs Outputs `json:"outputs,omitempty"`
	// Kept is true when a delete found the object without the site's marker
	// and left it alone.
	Kept bool `json:"kept,omitempty"`
	// Reads is the number of list calls made to find and observe the resource.
	Reads int `json:"reads"`
}

// Converge observes the resource of key k afresh, then acts: for action
// [ActionDelete] it deletes the object if it exists and carries the site's
// marker ([WithSite]); for any other action it creates the object when
// missing, updates it when it differs from the desired state computed from
// in, and does nothing when it matches. in holds the outputs of the
// resource's dependencies; every reference must resolve. The resource is
// found with [Graph.Lookup], so deletes of listers' orphans work too; a
// delete of a key found nowhere is a noop (the object is gone).
//
// Observing first on every call makes Converge safe to repeat after any
// failure, a lost answer or a crash: a create whose outcome is unknown
// ([IsAmbiguous]) is observed again at once and reported as done when the
// object turns out to exist as wanted, and any later call observes before
// writing, so nothing is created twice. [WithStepTimeout] bounds the write;
// a panic in resource code becomes a [PanicError]. Retries are the caller's.
func (g *Graph) Converge(ctx context.Context, k Key, action Action, in Inputs, opts ...Option) (out Converged, err error) {
	o := buildOptions(nil, opts)
	out = Converged{Key: k}
	// One reader finds and observes: an orphan found by its lister is observed from the
	// same list call.
	observe := NewReader(o.site)
	defer func() { out.Reads = observe.Calls() }()
	res, ok, err := g.Lookup(ctx, k, observe)
	if err != nil {
		return out, err
	}
	if !ok && action == ActionDelete {
		// Neither desired nor listed as managed: nothing of the site's to delete (a delete
		// repeated after its answer was lost ends here).
		out.Action = ActionNoop
		return out, nil
	}
	if !ok {
		return out, fmt.Errorf("converge %s: %w", k, ErrUnknownResource)
	}
	if action != ActionDelete {
		if rr, ok := res.(Referencer); ok {
			for _, ref := range rr.References() {
				v, ok := in.Output(ref.Target(), ref.OutputName())
				if !ok {
					return out, fmt.Errorf("reference %s: output missing for %s", ref, k)
				}
				if _, err := ref.convert(v); err != nil {
					return out, err
				}
			}
		}
	}
	ob, err := safeObserve(ctx, res, observe)
	if err != nil {
		return out, fmt.Errorf("observe %s: %w", k, err)
	}
	if action == ActionDelete {
		switch {
		case !ob.Exists:
			out.Action = ActionNoop
		case !ob.Managed:
			out.Action, out.Kept = ActionNoop, true
		default:
			out.Action = ActionDelete
			_, err = write(ctx, o.stepTimeout, func(ctx context.Context) (Outputs, error) { return nil, res.Delete(ctx, ob) })
		}
		return out, err
	}
	if !ob.Exists {
		out.Action = ActionCreate
		out.Outputs, err = write(ctx, o.stepTimeout, func(ctx context.Context) (Outputs, error) { return res.Create(ctx, in) })
		if err != nil && IsAmbiguous(err) && ctx.Err() == nil {
			// The object may exist now: look before reporting anything.
			fresh := NewReader(o.site)
			again, oerr := safeObserve(ctx, res, fresh)
			observe.calls.Add(int64(fresh.Calls()))
			switch {
			case oerr != nil:
				err = fmt.Errorf("%w (re-observe after ambiguous create: %v)", err, oerr)
			case again.Exists && len(res.Diff(in, again)) == 0:
				out.Outputs, err = again.Outputs, nil
			}
		}
		return out, err
	}
	out.Changes = res.Diff(in, ob)
	if len(out.Changes) == 0 {
		out.Action, out.Outputs = ActionNoop, ob.Outputs
		return out, nil
	}
	out.Action = ActionUpdate
	out.Outputs, err = write(ctx, o.stepTimeout, func(ctx context.Context) (Outputs, error) { return res.Update(ctx, in, ob) })
	if err == nil && out.Outputs == nil {
		out.Outputs = ob.Outputs
	}
	return out, err
}

// write runs one write with an optional timeout, turning panics into errors.
func write(ctx context.Context, timeout time.Duration, f func(ctx context.Context) (Outputs, error)) (out Outputs, err error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	return f(ctx)
}
