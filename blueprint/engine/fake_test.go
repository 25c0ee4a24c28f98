package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sitekit/sitekit"
)

// hasMarker reports whether text carries the marker of site.
func hasMarker(text, site string) bool {
	s, ok := sitekit.ParseMarker(text)
	return ok && s == site
}

// spec is the state of a fake object.
type spec struct {
	Size   int    `json:"size"`
	Net    string `json:"net,omitempty"`
	Marker string `json:"marker,omitempty"`
}

// cloud is a set of fake appliances holding objects, counting list calls
// and tracking concurrent writes per appliance.
type cloud struct {
	mu         sync.Mutex
	site       string
	objs       map[Key]spec
	lists      atomic.Int64
	writes     atomic.Int64
	running    map[string]int
	maxRunning map[string]int
	total      int
	maxTotal   int
	creates    map[Key]int
	order      []string // completed writes, in order

	// Faults, keyed by resource.
	fail      map[Key]error // every write fails with this error
	panics    map[Key]bool
	ambiguous map[Key]int // creates that apply then report a timeout
	transient map[Key]int // writes that fail transiently before applying
	lost      map[Key]int // writes that report a timeout without applying
	block     map[Key]bool
}

func newCloud(site string) *cloud {
	return &cloud{site: site, objs: map[Key]spec{}, running: map[string]int{}, maxRunning: map[string]int{},
		creates: map[Key]int{}, fail: map[Key]error{}, panics: map[Key]bool{}, ambiguous: map[Key]int{},
		transient: map[Key]int{}, lost: map[Key]int{}, block: map[Key]bool{}}
}

// list returns a copy of the objects of one (appliance, kind).
func (c *cloud) list(appliance, kind string) map[string]spec {
	c.lists.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]spec{}
	for k, v := range c.objs {
		if k.Appliance == appliance && k.Kind == kind {
			out[k.Name] = v
		}
	}
	return out
}

// write simulates a write of duration d on k's appliance.
func (c *cloud) write(ctx context.Context, k Key, d time.Duration, apply func()) error {
	c.writes.Add(1)
	c.mu.Lock()
	c.running[k.Appliance]++
	c.maxRunning[k.Appliance] = max(c.maxRunning[k.Appliance], c.running[k.Appliance])
	c.total++
	c.maxTotal = max(c.maxTotal, c.total)
	panics, block := c.panics[k], c.block[k]
	failErr := c.fail[k]
	transient := c.transient[k] > 0
	if transient {
		c.transient[k]--
	}
	lost := c.lost[k] > 0
	if lost {
		c.lost[k]--
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running[k.Appliance]--
		c.total--
		c.mu.Unlock()
	}()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	if panics {
		panic("boom in " + k.String())
	}
	if failErr != nil {
		return failErr
	}
	if transient {
		return Transient(errors.New("503 busy"))
	}
	if lost {
		return Ambiguous(errors.New("connection reset after sending"))
	}
	c.mu.Lock()
	apply()
	c.order = append(c.order, k.String())
	amb := c.ambiguous[k] > 0
	if amb {
		c.ambiguous[k]--
	}
	c.mu.Unlock()
	if amb {
		return Ambiguous(fmt.Errorf("%s: %w", k, context.DeadlineExceeded))
	}
	return nil
}

func (c *cloud) snapshot() map[Key]spec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.objs)
}

// res builds a fake resource with Func: desired size, write duration d.
func (c *cloud) res(k Key, size int, d time.Duration, deps ...Key) *Func[spec] {
	f := &Func[spec]{
		ID:       k,
		After:    deps,
		Provides: []string{"id", "size"},
		Want:     spec{Size: size, Marker: sitekit.Marker(c.site)},
		Duration: d,
	}
	f.OnObserve = func(ctx context.Context, r *Reader) (Observed, error) {
		all, err := ListAs(ctx, r, k.Appliance, k.Kind, func(ctx context.Context) (map[string]spec, error) {
			return c.list(k.Appliance, k.Kind), nil
		})
		if err != nil {
			return Observed{}, err
		}
		s, ok := all[k.Name]
		if !ok {
			return NotFound(), nil
		}
		return Found(s, hasMarker(s.Marker, r.Site()), Outputs{"id": "id-" + k.Name, "size": s.Size}), nil
	}
	f.OnCreate = func(ctx context.Context, want spec) (Outputs, error) {
		err := c.write(ctx, k, d, func() { c.objs[k] = want; c.creates[k]++ })
		if err != nil {
			return nil, err
		}
		return Outputs{"id": "id-" + k.Name, "size": want.Size}, nil
	}
	f.OnUpdate = func(ctx context.Context, want spec, cur Observed) (Outputs, error) {
		err := c.write(ctx, k, d, func() { c.objs[k] = want })
		if err != nil {
			return nil, err
		}
		return Outputs{"id": "id-" + k.Name, "size": want.Size}, nil
	}
	f.OnDelete = func(ctx context.Context, cur Observed) error {
		return c.write(ctx, k, d, func() { delete(c.objs, k) })
	}
	return f
}

// lister returns the managed objects of one kind as deletable resources.
func (c *cloud) lister(appliance, kind string) ListFunc {
	return func(ctx context.Context, r *Reader) ([]Resource, error) {
		all, err := ListAs(ctx, r, appliance, kind, func(ctx context.Context) (map[string]spec, error) {
			return c.list(appliance, kind), nil
		})
		if err != nil {
			return nil, err
		}
		var out []Resource
		for name, s := range all {
			if hasMarker(s.Marker, r.Site()) {
				out = append(out, c.res(K(appliance, kind, name), 0, time.Second))
			}
		}
		return out, nil
	}
}
