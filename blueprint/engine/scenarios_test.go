package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

// siteExample adds the one-site example of engines.md §2 on appliances fw,
// xo and nas (names suffixed by sfx; xo may be shared): a VLAN (2 units), 3
// policies after it (1 each) on the firewall, 4 VMs after the VLAN (10 each)
// on XO, 3 datasets (1 each) on TrueNAS and a backup job (1) on XO after VM0
// and dataset0.
func siteExample(g *Graph, c *cloud, unit time.Duration, fw, xo, nas, sfx string) {
	vlan := K(fw, "vlan", "servers"+sfx)
	g.Add(c.res(vlan, 1, 2*unit))
	for i := range 3 {
		g.Add(c.res(K(fw, "policy", fmt.Sprintf("p%d%s", i, sfx)), 1, unit, vlan))
	}
	for i := range 4 {
		g.Add(c.res(K(xo, "vm", fmt.Sprintf("vm%d%s", i, sfx)), 1, 10*unit, vlan))
	}
	for i := range 3 {
		g.Add(c.res(K(nas, "dataset", fmt.Sprintf("ds%d%s", i, sfx)), 1, unit))
	}
	g.Add(c.res(K(xo, "backup", "job"+sfx), 1, unit, K(xo, "vm", "vm0"+sfx), K(nas, "dataset", "ds0"+sfx)))
}

var exampleOpts = []Option{WithLimit("fw", 1), WithLimit("xo", 2), WithLimit("nas", 2), WithParallelism(10)}

// manySites is 100 sites, each with its own firewall and NAS, sharing one XO
// (write limit 10, global parallelism 20).
func manySites(c *cloud, unit time.Duration) (*Graph, []Option) {
	g := NewGraph()
	opts := []Option{WithLimit("xo", 10), WithParallelism(20), WithDefaultLimit(1)}
	for s := range 100 {
		sfx := fmt.Sprintf("-%03d", s)
		siteExample(g, c, unit, "fw"+sfx, "xo", "nas"+sfx, sfx)
		opts = append(opts, WithLimit("nas"+sfx, 2))
	}
	return g, opts
}

// synthetic is n resources spread evenly over the given number of
// collections (3 kinds on each of collections/3 appliances), each depending
// on up to two earlier resources chosen by a seeded generator; durations
// 1-4 units by kind.
func synthetic(c *cloud, n, collections int, unit time.Duration) *Graph {
	rng := rand.New(rand.NewPCG(7, 300))
	g := NewGraph()
	keys := make([]Key, 0, n)
	for i := range n {
		col := i % collections
		k := K(fmt.Sprintf("app%d", col/3), fmt.Sprintf("kind%d", col%3), fmt.Sprintf("r%03d", i))
		var deps []Key
		for range 2 {
			if len(keys) > 0 && rng.IntN(3) > 0 {
				deps = append(deps, keys[rng.IntN(len(keys))])
			}
		}
		g.Add(c.res(k, 1, time.Duration(1+col%4)*unit, deps...))
		keys = append(keys, k)
	}
	return g
}

var syntheticOpts = []Option{WithDefaultLimit(2), WithLimit("app0", 1), WithParallelism(10)}

// ratio applies g and returns wall, lower bound (from estimates) and their
// ratio, and the ratio to the lower bound of the measured step durations.
func ratio(tb testing.TB, g *Graph, opts []Option) (time.Duration, time.Duration, float64, float64) {
	c := tb.Context()
	p, err := g.Plan(c, append([]Option{WithSite(site)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	lb := p.LowerBound()
	start := time.Now()
	res, err := p.Apply(c)
	if err != nil {
		tb.Fatal(err)
	}
	wall := time.Since(start)
	return wall, lb, float64(wall) / float64(lb), float64(wall) / float64(res.LowerBound())
}

// TestSchedulerRatios measures wall ÷ lower bound exactly under synctest (the
// fake clock makes the scheduler the only variable). The engines.md example
// must take 23 s, as the reference prototype did; the others are logged.
func TestSchedulerRatios(t *testing.T) {
	t.Run("example", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := NewGraph()
			siteExample(g, newCloud(site), time.Second, "fw", "xo", "nas", "")
			wall, lb, r, rm := ratio(t, g, exampleOpts)
			t.Logf("wall %v lb %v wall/lb %.3f (measured %.3f)", wall, lb, r, rm)
			if lb != 22500*time.Millisecond || wall != 23*time.Second {
				t.Fatalf("wall %v lb %v, want 23s and 22.5s", wall, lb)
			}
		})
	})
	t.Run("synthetic300", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			wall, lb, r, rm := ratio(t, synthetic(newCloud(site), 300, 12, time.Second), syntheticOpts)
			t.Logf("wall %v lb %v wall/lb %.3f (measured %.3f)", wall, lb, r, rm)
		})
	})
	t.Run("100sites", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g, opts := manySites(newCloud(site), time.Second)
			wall, lb, r, rm := ratio(t, g, opts)
			t.Logf("wall %v lb %v wall/lb %.3f (measured %.3f)", wall, lb, r, rm)
		})
	})
}

// The benchmarks run on the real clock with fake resources sleeping their
// duration (unit 1 ms): synctest.Test needs a *testing.T, so it cannot wrap
// a benchmark (TestSchedulerRatios gives the exact fake-clock figures). On a
// loaded machine a 1 ms timer overshoots by 10-20 %, which says nothing about
// the scheduler, so "wall/lb" divides the wall time by the lower bound of the
// measured step durations (Result.LowerBound, the "live" method of
// engines.md §2): what remains is scheduling quality plus the engine's own
// overhead (dispatch latency, goroutines, channels). "wall/lb-est" divides
// by the lower bound of the nominal durations and includes timer overshoot.
// Both are averaged over iterations.
const benchUnit = time.Millisecond

func benchRatio(b *testing.B, build func() (*Graph, []Option)) {
	var sum, sumMeasured float64
	n := 0
	for b.Loop() {
		b.StopTimer()
		g, opts := build()
		b.StartTimer()
		_, _, r, rm := ratio(b, g, opts)
		sum += r
		sumMeasured += rm
		n++
	}
	b.ReportMetric(sumMeasured/float64(n), "wall/lb")
	b.ReportMetric(sum/float64(n), "wall/lb-est")
}

func BenchmarkApplyExampleSite(b *testing.B) {
	benchRatio(b, func() (*Graph, []Option) {
		g := NewGraph()
		siteExample(g, newCloud(site), benchUnit, "fw", "xo", "nas", "")
		return g, exampleOpts
	})
}

func BenchmarkApplySynthetic300(b *testing.B) {
	benchRatio(b, func() (*Graph, []Option) {
		return synthetic(newCloud(site), 300, 12, benchUnit), syntheticOpts
	})
}

func BenchmarkApply100SitesSharedXO(b *testing.B) {
	benchRatio(b, func() (*Graph, []Option) { return manySites(newCloud(site), benchUnit) })
}

// BenchmarkPlan300 plans 300 existing resources in 12 collections and
// reports the list calls per plan (must be 12).
func BenchmarkPlan300(b *testing.B) {
	c := newCloud(site)
	g := synthetic(c, 300, 12, 0)
	p, err := g.Plan(b.Context(), WithSite(site))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Apply(b.Context(), WithDefaultLimit(10)); err != nil {
		b.Fatal(err)
	}
	c.lists.Store(0)
	plans := 0
	for b.Loop() {
		p, err := g.Plan(b.Context(), WithSite(site))
		if err != nil || !p.Empty() {
			b.Fatal(err, p)
		}
		plans++
	}
	b.ReportMetric(float64(c.lists.Load())/float64(plans), "calls/plan")
}
