package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ListFunc returns the objects of one kind that carry this site's marker,
// each as a [Resource] able to observe and delete itself. Plan deletes those
// that are not in the graph; Destroy deletes them all. r.Site() names the
// site.
type ListFunc func(ctx context.Context, r *Reader) ([]Resource, error)

// Graph is a set of resources and the dependencies between them. Build it
// with [NewGraph], [Graph.Add] and [Graph.Edge]; errors (duplicates, empty
// names) are collected and reported by [Graph.Validate], which Plan calls.
// A Graph is not safe for concurrent mutation.
type Graph struct {
	res     []Resource
	idx     map[Key]int
	extra   map[Key][]Key
	listers []lister
	errs    []error
}

type lister struct {
	appliance, kind string
	fn              ListFunc
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{idx: map[Key]int{}, extra: map[Key][]Key{}}
}

// Add adds resources. A duplicate key or an empty key part is recorded as an
// error reported by Validate.
func (g *Graph) Add(rs ...Resource) {
	for _, r := range rs {
		k := r.Key()
		if err := k.validate(); err != nil {
			g.errs = append(g.errs, err)
			continue
		}
		if _, dup := g.idx[k]; dup {
			g.errs = append(g.errs, fmt.Errorf("duplicate resource %s", k))
			continue
		}
		g.idx[k] = len(g.res)
		g.res = append(g.res, r)
	}
}

// Edge records that from depends on to, in addition to from.Deps().
func (g *Graph) Edge(from, to Key) {
	g.extra[from] = append(g.extra[from], to)
}

// AddLister registers the lister of managed objects of one kind, used to
// plan deletes of marked objects that are no longer desired.
func (g *Graph) AddLister(appliance, kind string, fn ListFunc) {
	g.listers = append(g.listers, lister{appliance, kind, fn})
}

// Len is the number of resources.
func (g *Graph) Len() int { return len(g.res) }

// Resource returns the resource of key k.
func (g *Graph) Resource(k Key) (Resource, bool) {
	i, ok := g.idx[k]
	if !ok {
		return nil, false
	}
	return g.res[i], true
}

// deps returns the sorted, deduplicated dependencies of r: Deps, edges and
// reference targets.
func (g *Graph) deps(r Resource) []Key {
	k := r.Key()
	ds := slices.Clone(r.Deps())
	ds = append(ds, g.extra[k]...)
	if rr, ok := r.(Referencer); ok {
		for _, ref := range rr.References() {
			ds = append(ds, ref.Target())
		}
	}
	slices.SortFunc(ds, cmpKey)
	return slices.Compact(ds)
}

func cmpKey(a, b Key) int {
	switch {
	case a == b:
		return 0
	case a.Less(b):
		return -1
	}
	return 1
}

// Validate reports every problem of the graph in one error: empty key
// parts, duplicate keys, self-dependencies, unknown dependencies, edges from
// unknown resources, references to undeclared outputs and cycles (naming
// the members in order).
func (g *Graph) Validate() error {
	errs := slices.Clone(g.errs)
	keys := g.sortedKeys()
	for _, k := range keys {
		r := g.res[g.idx[k]]
		for _, d := range g.deps(r) {
			if d == k {
				errs = append(errs, fmt.Errorf("resource %s depends on itself", k))
			} else if _, ok := g.idx[d]; !ok {
				errs = append(errs, fmt.Errorf("resource %s depends on unknown resource %s", k, d))
			}
		}
		if rr, ok := r.(Referencer); ok {
			for _, ref := range rr.References() {
				t, ok := g.Resource(ref.Target())
				if !ok || ref.Target() == k {
					continue // reported above
				}
				var names []string
				if od, ok := t.(OutputDeclarer); ok {
					names = od.OutputNames()
				}
				if !slices.Contains(names, ref.OutputName()) {
					errs = append(errs, fmt.Errorf("resource %s references output %q that %s does not declare (declared: %s)",
						k, ref.OutputName(), ref.Target(), strings.Join(names, ", ")))
				}
			}
		}
	}
	var from []Key
	for k := range g.extra {
		from = append(from, k)
	}
	slices.SortFunc(from, cmpKey)
	for _, k := range from {
		if _, ok := g.idx[k]; !ok {
			errs = append(errs, fmt.Errorf("edge from unknown resource %s", k))
		}
	}
	if len(errs) == 0 {
		if cyc := g.findCycle(keys); cyc != nil {
			names := make([]string, len(cyc))
			for i, k := range cyc {
				names[i] = k.String()
			}
			errs = append(errs, fmt.Errorf("dependency cycle: %s", strings.Join(names, " -> ")))
		}
	}
	return errors.Join(errs...)
}

func (g *Graph) sortedKeys() []Key {
	keys := make([]Key, 0, len(g.res))
	for _, r := range g.res {
		keys = append(keys, r.Key())
	}
	slices.SortFunc(keys, cmpKey)
	return keys
}

// findCycle returns a cycle as a path a -> b -> ... -> a, or nil.
func (g *Graph) findCycle(keys []Key) []Key {
	const (
		white = iota
		grey
		black
	)
	color := make(map[Key]int, len(keys))
	var stack []Key
	var found []Key
	var visit func(k Key) bool
	visit = func(k Key) bool {
		color[k] = grey
		stack = append(stack, k)
		for _, d := range g.deps(g.res[g.idx[k]]) {
			switch color[d] {
			case grey:
				i := slices.Index(stack, d)
				found = append(slices.Clone(stack[i:]), d)
				return true
			case white:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[k] = black
		return false
	}
	for _, k := range keys {
		if color[k] == white && visit(k) {
			return found
		}
	}
	return nil
}

// Order returns the keys in a deterministic topological order (dependencies
// first, ties broken by key), or the Validate error.
func (g *Graph) Order() ([]Key, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g.order(), nil
}

func (g *Graph) order() []Key {
	deps := map[Key][]Key{}
	indeg := map[Key]int{}
	users := map[Key][]Key{}
	keys := g.sortedKeys()
	for _, k := range keys {
		deps[k] = g.deps(g.res[g.idx[k]])
		indeg[k] = len(deps[k])
		for _, d := range deps[k] {
			users[d] = append(users[d], k)
		}
	}
	var ready, out []Key
	for _, k := range keys {
		if indeg[k] == 0 {
			ready = append(ready, k)
		}
	}
	for len(ready) > 0 {
		k := ready[0]
		ready = ready[1:]
		out = append(out, k)
		for _, u := range users[k] {
			indeg[u]--
			if indeg[u] == 0 {
				i, _ := slices.BinarySearchFunc(ready, u, cmpKey)
				ready = slices.Insert(ready, i, u)
			}
		}
	}
	return out
}
