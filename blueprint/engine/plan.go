package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Action is what a step does.
type Action string

// Actions of a step.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
	ActionNoop   Action = "noop"
)

// Step is one planned operation on one resource. Its exported fields are
// plain data and serialise to JSON, so a distributed executor can ship the
// same steps elsewhere.
type Step struct {
	// ID is the key as a string, "appliance/kind/name".
	ID  string `json:"id"`
	Key Key    `json:"key"`
	// Action to take.
	Action Action `json:"action"`
	// Changes lists the fields an update changes.
	Changes []string `json:"changes,omitempty"`
	// Diff gives, for each field in Changes, its value on the appliance and the value the
	// update writes (secret-looking fields redacted, see [FieldChange]).
	Diff []FieldChange `json:"diff,omitempty"`
	// Deps are the IDs of the steps that must succeed first.
	Deps []string `json:"deps,omitempty"`
	// Desired is the desired state as known at plan time (null for deletes).
	Desired json.RawMessage `json:"desired,omitempty"`
	// Estimate is the expected duration of the write (0 for no-ops), in
	// nanoseconds in JSON.
	Estimate time.Duration `json:"estimate_ns"`

	res   Resource
	obs   Observed
	refs  []Reference
	deps  []int
	users []int
}

// Observed returns the state observed at plan time.
func (s *Step) Observed() Observed { return s.obs }

// Plan is the result of reading the appliances and diffing them against the
// graph: one step per desired resource (no-ops included, they carry outputs)
// plus deletes, in a deterministic topological order. Plan never writes.
type Plan struct {
	// Site is the site planned.
	Site string `json:"site,omitempty"`
	// Destroy is true for plans made by [Graph.PlanDestroy].
	Destroy bool `json:"destroy,omitempty"`
	// Steps in dependency order.
	Steps []*Step `json:"steps"`
	// Kept lists existing objects a destroy leaves alone because they do not
	// carry the site's marker.
	Kept []Key `json:"kept,omitempty"`
	// Reads is the number of list calls made while planning.
	Reads int `json:"reads"`

	opts  options
	index map[string]int
}

// Plan observes every resource through one shared [Reader] and diffs it
// against its desired state: create when missing, update (with the changed
// fields) when different, no-op otherwise, and delete for managed objects
// returned by listers that are not in the graph. A graph error is returned
// before anything is read.
func (g *Graph) Plan(ctx context.Context, opts ...Option) (*Plan, error) {
	return g.plan(ctx, false, opts)
}

// PlanDestroy plans the deletion of every resource that exists and carries
// the site's marker, plus the managed objects returned by listers, in reverse
// dependency order. Objects without the marker are listed in Plan.Kept.
func (g *Graph) PlanDestroy(ctx context.Context, opts ...Option) (*Plan, error) {
	return g.plan(ctx, true, opts)
}

// Destroy is PlanDestroy followed by Apply.
func (g *Graph) Destroy(ctx context.Context, opts ...Option) (*Result, error) {
	p, err := g.PlanDestroy(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return p.Apply(ctx)
}

func (g *Graph) plan(ctx context.Context, destroy bool, opts []Option) (*Plan, error) {
	o := buildOptions(nil, opts)
	if err := g.Validate(); err != nil {
		return nil, err
	}
	order := g.order()
	reader := NewReader(o.site)

	// Observe every resource and run every lister, concurrently.
	obs := make([]Observed, len(order))
	obsErr := make([]error, len(order))
	listed := make([][]Resource, len(g.listers))
	listErr := make([]error, len(g.listers))
	var eg errgroup.Group
	eg.SetLimit(o.parallelism)
	for i, k := range order {
		r := g.res[g.idx[k]]
		eg.Go(func() error {
			obs[i], obsErr[i] = safeObserve(ctx, r, reader)
			return nil
		})
	}
	for i, l := range g.listers {
		eg.Go(func() error {
			listed[i], listErr[i] = safeList(ctx, l.fn, reader)
			return nil
		})
	}
	_ = eg.Wait()
	var errs []error
	for i, err := range obsErr {
		if err != nil {
			errs = append(errs, fmt.Errorf("observe %s: %w", order[i], err))
		}
	}
	for i, err := range listErr {
		if err != nil {
			errs = append(errs, fmt.Errorf("list managed %s/%s: %w", g.listers[i].appliance, g.listers[i].kind, err))
		}
	}
	// Orphans: managed objects listed but not desired (or, for destroy,
	// everything listed).
	type orphan struct {
		r   Resource
		obs Observed
	}
	var orphans []orphan
	seen := map[Key]bool{}
	if len(errs) == 0 {
		var cands []Resource
		for _, rs := range listed {
			cands = append(cands, rs...)
		}
		slices.SortStableFunc(cands, func(a, b Resource) int { return cmpKey(a.Key(), b.Key()) })
		for _, r := range cands {
			k := r.Key()
			if _, desired := g.idx[k]; desired || seen[k] {
				continue
			}
			seen[k] = true
			ob, err := safeObserve(ctx, r, reader)
			if err != nil {
				errs = append(errs, fmt.Errorf("observe %s: %w", k, err))
				continue
			}
			if ob.Exists && ob.Managed {
				orphans = append(orphans, orphan{r, ob})
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	p := &Plan{Site: o.site, Destroy: destroy, opts: o, Reads: reader.Calls()}
	// Desired resources, in dependency order.
	known := map[Key]Outputs{}
	type entry struct {
		st   *Step
		deps []Key
	}
	var entries []entry
	for i, k := range order {
		r := g.res[g.idx[k]]
		ob := obs[i]
		deps := g.deps(r)
		st := &Step{ID: k.String(), Key: k, res: r, obs: ob, Estimate: estimate(r)}
		if rr, ok := r.(Referencer); ok {
			st.refs = rr.References()
		}
		in := inputsFor(known, deps)
		if destroy {
			if !ob.Exists {
				continue
			}
			if !ob.Managed {
				p.Kept = append(p.Kept, k)
				continue
			}
			st.Action = ActionDelete
		} else {
			st.Desired = marshalDesired(r.Desired(in))
			switch {
			case !ob.Exists:
				st.Action = ActionCreate
			default:
				st.Changes = slices.Clone(r.Diff(in, ob))
				for _, ref := range st.refs {
					if _, ok := known[ref.Target()]; !ok {
						st.Changes = append(st.Changes, ref.String()+" (known after apply)")
					}
				}
				if len(st.Changes) > 0 {
					st.Action = ActionUpdate
					st.Diff = fieldChanges(st.Changes, ob.State, st.Desired)
				} else {
					st.Action = ActionNoop
					st.Estimate = 0
				}
				known[k] = ob.Outputs
			}
		}
		entries = append(entries, entry{st, deps})
	}
	for _, or := range orphans {
		k := or.r.Key()
		entries = append(entries, entry{&Step{ID: k.String(), Key: k, Action: ActionDelete, res: or.r, obs: or.obs, Estimate: estimate(or.r)}, g.depsOfOrphan(or.r)})
	}

	// Edges between steps. Deletes run in reverse: a delete waits for the
	// deletes of the objects depending on it.
	byKey := map[Key]int{}
	for i, e := range entries {
		byKey[e.st.Key] = i
	}
	edges := make([][]int, len(entries)) // edges[i]: steps i waits for
	for i, e := range entries {
		for _, d := range e.deps {
			j, ok := byKey[d]
			if !ok {
				continue
			}
			if e.st.Action == ActionDelete && entries[j].st.Action == ActionDelete {
				edges[j] = append(edges[j], i)
			} else if e.st.Action != ActionDelete && entries[j].st.Action != ActionDelete {
				edges[i] = append(edges[i], j)
			}
		}
	}
	if destroy {
		// A destroy skips missing objects: connect each delete to the nearest
		// existing dependents through missing ones.
		edges = g.destroyEdges(order, entries2steps(entries, func(e entry) *Step { return e.st }), byKey)
	}
	steps := make([]*Step, len(entries))
	for i, e := range entries {
		steps[i] = e.st
	}
	p.Steps = topoSteps(steps, edges)
	p.finish()
	return p, nil
}

func entries2steps[E any](es []E, f func(E) *Step) []*Step {
	out := make([]*Step, len(es))
	for i, e := range es {
		out[i] = f(e)
	}
	return out
}

// destroyEdges computes, for a destroy plan, edges[i] = the delete steps that
// must finish before step i: the nearest existing transitive dependents.
func (g *Graph) destroyEdges(order []Key, steps []*Step, byKey map[Key]int) [][]int {
	users := map[Key][]Key{}
	for _, k := range order {
		for _, d := range g.deps(g.res[g.idx[k]]) {
			users[d] = append(users[d], k)
		}
	}
	for _, s := range steps {
		if _, desired := g.idx[s.Key]; !desired {
			for _, d := range g.depsOfOrphan(s.res) {
				users[d] = append(users[d], s.Key)
			}
		}
	}
	memo := map[Key][]int{}
	var nearest func(k Key) []int
	nearest = func(k Key) []int {
		if v, ok := memo[k]; ok {
			return v
		}
		var out []int
		for _, u := range users[k] {
			if j, ok := byKey[u]; ok {
				out = append(out, j)
			} else {
				out = append(out, nearest(u)...)
			}
		}
		slices.Sort(out)
		out = slices.Compact(out)
		memo[k] = out
		return out
	}
	edges := make([][]int, len(steps))
	for i, s := range steps {
		edges[i] = nearest(s.Key)
	}
	return edges
}

func (g *Graph) depsOfOrphan(r Resource) []Key {
	ds := slices.Clone(r.Deps())
	slices.SortFunc(ds, cmpKey)
	return slices.Compact(ds)
}

// topoSteps orders steps (dependencies first, ties by ID) and fills deps,
// users and Deps.
func topoSteps(steps []*Step, edges [][]int) []*Step {
	n := len(steps)
	indeg := make([]int, n)
	users := make([][]int, n)
	for i := range steps {
		e := slices.Clone(edges[i])
		slices.Sort(e)
		e = slices.Compact(e)
		edges[i] = e
		indeg[i] = len(e)
		for _, j := range e {
			users[j] = append(users[j], i)
		}
	}
	cmp := func(a, b int) int { return strings.Compare(steps[a].ID, steps[b].ID) }
	var ready []int
	for i := range steps {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	slices.SortFunc(ready, cmp)
	pos := make([]int, n)
	var out []*Step
	for len(ready) > 0 {
		i := ready[0]
		ready = ready[1:]
		pos[i] = len(out)
		out = append(out, steps[i])
		for _, u := range users[i] {
			indeg[u]--
			if indeg[u] == 0 {
				at, _ := slices.BinarySearchFunc(ready, u, cmp)
				ready = slices.Insert(ready, at, u)
			}
		}
	}
	for i, s := range steps {
		s.deps = s.deps[:0]
		s.Deps = nil
		for _, j := range edges[i] {
			s.deps = append(s.deps, pos[j])
		}
		slices.Sort(s.deps)
		for _, j := range s.deps {
			s.Deps = append(s.Deps, out[j].ID)
		}
	}
	return out
}

// finish computes users and the index.
func (p *Plan) finish() {
	p.index = make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		p.index[s.ID] = i
		s.users = nil
	}
	for i, s := range p.Steps {
		for _, d := range s.deps {
			p.Steps[d].users = append(p.Steps[d].users, i)
		}
	}
}

func estimate(r Resource) time.Duration {
	if e, ok := r.(Estimator); ok {
		if d := e.Estimate(); d > 0 {
			return d
		}
	}
	return DefaultEstimate
}

func inputsFor(known map[Key]Outputs, deps []Key) Inputs {
	m := make(map[Key]Outputs, len(deps))
	for _, d := range deps {
		if o, ok := known[d]; ok {
			m[d] = o
		}
	}
	return Inputs{m: m}
}

func marshalDesired(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}

func safeObserve(ctx context.Context, r Resource, reader *Reader) (ob Observed, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	return r.Observe(ctx, reader)
}

func safeList(ctx context.Context, fn ListFunc, reader *Reader) (rs []Resource, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	return fn(ctx, reader)
}

// Step returns the step of key k, or nil.
func (p *Plan) Step(k Key) *Step {
	i, ok := p.index[k.String()]
	if !ok {
		return nil
	}
	return p.Steps[i]
}

// Counts returns the number of steps per action.
func (p *Plan) Counts() (create, update, del, noop int) {
	for _, s := range p.Steps {
		switch s.Action {
		case ActionCreate:
			create++
		case ActionUpdate:
			update++
		case ActionDelete:
			del++
		default:
			noop++
		}
	}
	return
}

// Changes is the number of steps that write (everything but no-ops).
func (p *Plan) Changes() int {
	c, u, d, _ := p.Counts()
	return c + u + d
}

// Empty reports whether the plan changes nothing: the appliances match the
// graph. Re-planning after a successful apply gives an empty plan.
func (p *Plan) Empty() bool { return p.Changes() == 0 }

// String renders the plan as a readable diff: "+ create", "~ update (fields)" followed
// by one "field: before → after" line per changed field, "- delete", then a counts line.
// No-ops are not listed; [Plan.Format] lists them on request.
func (p *Plan) String() string { return p.Format(FormatOptions{}) }

// FormatOptions tune [Plan.Format].
type FormatOptions struct {
	// Unchanged lists the no-op steps ("= id") as well.
	Unchanged bool
}

// Format renders the plan as [Plan.String] does, with the options.
func (p *Plan) Format(o FormatOptions) string {
	var b strings.Builder
	for _, s := range p.Steps {
		switch s.Action {
		case ActionCreate:
			fmt.Fprintf(&b, "+ %s\n", s.ID)
		case ActionUpdate:
			fmt.Fprintf(&b, "~ %s (%s)\n", s.ID, strings.Join(s.Changes, ", "))
			for _, c := range s.Diff {
				if c.Before == nil && c.After == nil {
					continue // a change without values (duplicates, a value known after apply)
				}
				fmt.Fprintf(&b, "    %s: %s → %s\n", c.Field, showValue(c.Before), showValue(c.After))
			}
		case ActionDelete:
			fmt.Fprintf(&b, "- %s\n", s.ID)
		case ActionNoop:
			if o.Unchanged {
				fmt.Fprintf(&b, "= %s\n", s.ID)
			}
		}
	}
	for _, k := range p.Kept {
		fmt.Fprintf(&b, "! %s kept: not managed by this site\n", k)
	}
	c, u, d, n := p.Counts()
	fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to delete, %d unchanged.\n", c, u, d, n)
	return b.String()
}

// JSON returns the plan as indented JSON.
func (p *Plan) JSON() ([]byte, error) { return json.MarshalIndent(p, "", "  ") }
