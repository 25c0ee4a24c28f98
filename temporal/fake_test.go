package temporal

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// fakeCloud is a few fake appliances holding objects, with scripted faults: the graph of
// a small site is built over it, as a worker would build a blueprint over real clients.
type fakeCloud struct {
	mu        sync.Mutex
	objs      map[engine.Key]string // key → marker
	creates   map[engine.Key]int
	deletes   map[engine.Key]int
	lists     int
	fail      map[engine.Key]error // every write fails with this error
	ambiguous map[engine.Key]int   // creates that commit, then lose their answer
	block     map[engine.Key]chan struct{}
	limits    engine.Limits
}

func newFakeCloud() *fakeCloud {
	return &fakeCloud{objs: map[engine.Key]string{}, creates: map[engine.Key]int{}, deletes: map[engine.Key]int{},
		fail: map[engine.Key]error{}, ambiguous: map[engine.Key]int{}, block: map[engine.Key]chan struct{}{},
		limits: engine.Limits{Parallelism: 4, Default: 1, Appliances: map[string]int{"xo": 2}}}
}

var (
	kVLAN    = engine.K("fw", "vlan", "lan")
	kVMA     = engine.K("xo", "vm", "a")
	kVMB     = engine.K("xo", "vm", "b")
	kDataset = engine.K("nas", "dataset", "d")
	kJob     = engine.K("xo", "job", "backup")
	kOrphan  = engine.K("xo", "vm", "old")
)

func (c *fakeCloud) snapshot() map[engine.Key]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.objs)
}

func (c *fakeCloud) count(m map[engine.Key]int, k engine.Key) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m[k]
}

func (c *fakeCloud) list(appliance, kind string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lists++
	out := map[string]string{}
	for k, m := range c.objs {
		if k.Appliance == appliance && k.Kind == kind {
			out[k.Name] = m
		}
	}
	return out
}

func (c *fakeCloud) write(ctx context.Context, k engine.Key, apply func()) error {
	c.mu.Lock()
	failErr, block := c.fail[k], c.block[k]
	c.mu.Unlock()
	if block != nil {
		close(block) // tell the test the write started
		<-ctx.Done()
		return ctx.Err()
	}
	if failErr != nil {
		return failErr
	}
	c.mu.Lock()
	apply()
	amb := c.ambiguous[k] > 0
	if amb {
		c.ambiguous[k]--
	}
	c.mu.Unlock()
	if amb {
		return engine.Ambiguous(errors.New("connection reset after sending"))
	}
	return nil
}

func (c *fakeCloud) res(site string, k engine.Key, deps ...engine.Key) *engine.Func[string] {
	marker := sitekit.Marker(site)
	f := &engine.Func[string]{ID: k, After: deps, Want: marker, Provides: []string{"id"}}
	f.OnObserve = func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
		all, err := engine.ListAs(ctx, r, k.Appliance, k.Kind, func(context.Context) (map[string]string, error) {
			return c.list(k.Appliance, k.Kind), nil
		})
		if err != nil {
			return engine.Observed{}, err
		}
		m, ok := all[k.Name]
		if !ok {
			return engine.NotFound(), nil
		}
		return engine.Found(m, m == marker, engine.Outputs{"id": "id-" + k.Name}), nil
	}
	f.OnDiff = func(want string, cur engine.Observed) []string {
		if cur.State != want {
			return []string{"marker"}
		}
		return nil
	}
	f.OnCreate = func(ctx context.Context, want string) (engine.Outputs, error) {
		err := c.write(ctx, k, func() { c.objs[k] = want; c.creates[k]++ })
		return engine.Outputs{"id": "id-" + k.Name}, err
	}
	f.OnUpdate = func(ctx context.Context, want string, _ engine.Observed) (engine.Outputs, error) {
		return nil, c.write(ctx, k, func() { c.objs[k] = want })
	}
	f.OnDelete = func(ctx context.Context, _ engine.Observed) error {
		return c.write(ctx, k, func() { delete(c.objs, k); c.deletes[k]++ })
	}
	return f
}

// graph: a VLAN, two VMs after it, a dataset, a backup job after VM a and the dataset; a
// lister of marked VMs (orphans are deleted).
func (c *fakeCloud) graph(spec SiteSpec, _ blueprint.Connections, _ bool) (*engine.Graph, error) {
	site := spec.Name()
	g := engine.NewGraph()
	g.Add(c.res(site, kVLAN), c.res(site, kVMA, kVLAN), c.res(site, kVMB, kVLAN), c.res(site, kDataset),
		c.res(site, kJob, kVMA, kDataset))
	g.AddLister("xo", "vm", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		all, err := engine.ListAs(ctx, r, "xo", "vm", func(context.Context) (map[string]string, error) {
			return c.list("xo", "vm"), nil
		})
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for name, m := range all {
			if m == sitekit.Marker(site) {
				out = append(out, c.res(site, engine.K("xo", "vm", name)))
			}
		}
		return out, nil
	})
	return g, nil
}

func (c *fakeCloud) plan(ctx context.Context, spec SiteSpec, conns blueprint.Connections, destroy bool) (*engine.Plan, planExtras, error) {
	g, err := c.graph(spec, conns, destroy)
	if err != nil {
		return nil, planExtras{}, err
	}
	opts := append([]engine.Option{engine.WithSite(spec.Name())}, c.limits.Options()...)
	var p *engine.Plan
	if destroy {
		p, err = g.PlanDestroy(ctx, opts...)
	} else {
		p, err = g.Plan(ctx, opts...)
	}
	return p, planExtras{collections: map[string][]string{"fw": {"vlan"}, "xo": {"vm", "job"}, "nas": {"dataset"}}}, err
}

// fakeActivities are the real activities over the fake cloud.
func fakeActivities(c *fakeCloud) *Activities {
	return &Activities{
		Provider: ProviderFunc(func(context.Context, blueprint.Site) (blueprint.Connections, error) {
			return blueprint.Connections{}, nil
		}),
		builder: c,
	}
}

func fakeSpec(name string) SiteSpec { return SiteSpec{Site: blueprint.Site{Name: name}} }
