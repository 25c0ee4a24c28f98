package blueprint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// obj describes one named object kind on an appliance, so that a resource needs only its
// desired value: how to list the collection, name an item, tell whether it carries the
// marker, normalise what the appliance adds (ids, defaults), and write.
type obj[T any] struct {
	app, kind, collection string
	list                  func(ctx context.Context) ([]T, error)
	name                  func(T) string
	// managed reports whether an item carries the site's marker; r gives access to other
	// cached collections (a DHCP server is managed when its interface is).
	managed func(ctx context.Context, r *engine.Reader, item T) (bool, error)
	// norm prepares an observed item for the diff (drop appliance-allocated ids).
	norm func(T) T
	// diff overrides the JSON diff (nil: engine.DiffJSON on normalised values).
	diff    func(want, cur T) []string
	outputs func(T) engine.Outputs
	create  func(ctx context.Context, want T) (engine.Outputs, error)
	update  func(ctx context.Context, want, cur T) (engine.Outputs, error)
	del     func(ctx context.Context, cur T) error
	provide []string
}

// raw is what Observed.State holds for obj resources: the item as read and its normalised
// form (the diff compares the latter).
type raw[T any] struct {
	Item T `json:"item"`
	norm T
	// extra are further items with the same name and the marker: duplicates left by a
	// write whose outcome was unknown (a cancelled or timed-out create that landed late on
	// an API keyed by id, such as FortiOS policies). The update deletes them.
	extra []T
}

// MarshalJSON shows the normalised state (what the diff compares).
func (r raw[T]) MarshalJSON() ([]byte, error) { return json.Marshal(r.norm) }

// find lists the collection through the plan's shared reader and returns the item named
// name.
func (o *obj[T]) find(ctx context.Context, r *engine.Reader, name string) (T, bool, error) {
	var zero T
	items, err := engine.ListAs(ctx, r, o.app, o.collection, func(ctx context.Context) ([]T, error) {
		v, err := o.list(ctx)
		return v, classify(err)
	})
	if err != nil {
		return zero, false, err
	}
	for _, it := range items {
		if o.name(it) == name {
			return it, true, nil
		}
	}
	return zero, false, nil
}

func (o *obj[T]) observe(ctx context.Context, r *engine.Reader, name string) (engine.Observed, error) {
	items, err := engine.ListAs(ctx, r, o.app, o.collection, func(ctx context.Context) ([]T, error) {
		v, err := o.list(ctx)
		return v, classify(err)
	})
	if err != nil {
		return engine.NotFound(), err
	}
	var it T
	var extra []T
	found, m := false, false
	for _, c := range items {
		if o.name(c) != name {
			continue
		}
		cm, err := o.managed(ctx, r, c)
		if err != nil {
			return engine.NotFound(), err
		}
		switch {
		case !found:
			it, m, found = c, cm, true
		case cm:
			extra = append(extra, c)
		}
	}
	if !found {
		return engine.NotFound(), nil
	}
	n := it
	if o.norm != nil {
		n = o.norm(it)
	}
	var out engine.Outputs
	if o.outputs != nil {
		out = o.outputs(it)
	}
	return engine.Found(raw[T]{Item: it, norm: n, extra: extra}, m, out), nil
}

// resource returns the engine resource converging the object named name to want (wantFn,
// when set, computes it from the inputs of uses).
func (o *obj[T]) resource(b *build, name string, want T, wantFn func(engine.Inputs) T, uses []engine.Reference, after ...engine.Key) *engine.Func[T] {
	b.reads(o.app, o.collection)
	return o.res(name, want, wantFn, uses, b.after(after...))
}

func (o *obj[T]) res(name string, want T, wantFn func(engine.Inputs) T, uses []engine.Reference, after []engine.Key) *engine.Func[T] {
	return &engine.Func[T]{
		ID:        engine.K(o.app, o.kind, name),
		After:     after,
		Uses:      uses,
		Provides:  o.provide,
		Want:      want,
		WantFn:    wantFn,
		Duration:  estimates[o.app],
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) { return o.observe(ctx, r, name) },
		OnDiff: func(w T, cur engine.Observed) []string {
			c, ok := engine.StateOf[raw[T]](cur)
			if !ok {
				return []string{"state"}
			}
			var d []string
			if o.diff != nil {
				d = o.diff(w, c.norm)
			} else {
				d = engine.DiffJSON(w, c.norm)
			}
			if len(c.extra) > 0 {
				d = append(d, fmt.Sprintf("duplicates (%d)", len(c.extra)))
			}
			return d
		},
		OnCreate: func(ctx context.Context, w T) (engine.Outputs, error) {
			out, err := o.create(ctx, w)
			return out, classify(err)
		},
		OnUpdate: func(ctx context.Context, w T, cur engine.Observed) (engine.Outputs, error) {
			c, _ := engine.StateOf[raw[T]](cur)
			for _, x := range c.extra {
				if err := o.del(ctx, x); err != nil && !errors.Is(err, sitekit.ErrNotFound) {
					return nil, classify(err)
				}
			}
			out, err := o.update(ctx, w, c.Item)
			return out, classify(err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			c, _ := engine.StateOf[raw[T]](cur)
			err := o.del(ctx, c.Item)
			if errors.Is(err, sitekit.ErrNotFound) {
				return nil
			}
			return classify(err)
		},
	}
}

// lister registers the lister of managed objects of this kind: those not in the graph are
// planned for deletion (a VLAN removed from the site), Destroy deletes them all.
func (o *obj[T]) lister(b *build) {
	b.g.AddLister(o.app, o.kind, func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		items, err := engine.ListAs(ctx, r, o.app, o.collection, func(ctx context.Context) ([]T, error) {
			v, err := o.list(ctx)
			return v, classify(err)
		})
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, it := range items {
			m, err := o.managed(ctx, r, it)
			if err != nil {
				return nil, err
			}
			if m {
				var zero T
				out = append(out, o.res(o.name(it), zero, nil, nil, nil))
			}
		}
		return out, nil
	})
}

// classify maps client errors onto the engine's retry semantics: an unknown outcome or a
// duplicate (a lost answer to our own create) is ambiguous, so the engine re-observes before
// anything else; what sitekit.IsRetryable accepts (502/503/504, short throttling, transport
// errors that left nothing half-done), any throttling and server faults ([serverFault]) are
// transient: the engine retries them a bounded number of times with backoff.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case sitekit.IsOutcomeUnknown(err), errors.Is(err, sitekit.ErrExists):
		return engine.Ambiguous(err)
	case sitekit.IsRetryable(err), errors.Is(err, sitekit.ErrRateLimited), serverFault(err):
		return engine.Transient(err)
	}
	return err
}

// shortName returns prefix-suffix, shortened to max characters with a stable hash when it
// is longer (FortiOS policy names are ≤ 35).
func shortName(max int, parts ...string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += "-"
		}
		s += p
	}
	if len(s) <= max {
		return s
	}
	h := fnv.New32a()
	h.Write([]byte(s))
	sum := strconv.FormatUint(uint64(h.Sum32()), 36)
	return s[:max-len(sum)-1] + "-" + sum
}
