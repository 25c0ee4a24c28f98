package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sitekit/sitekit"
)

const site = "pessac"

func mustPlan(t *testing.T, g *Graph, opts ...Option) *Plan {
	t.Helper()
	p, err := g.Plan(t.Context(), append([]Option{WithSite(site)}, opts...)...)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	return p
}

func wantOutcome(t *testing.T, res *Result, k Key, want Outcome) *StepResult {
	t.Helper()
	s := res.Step(k)
	if s == nil {
		t.Fatalf("no result for %s", k)
	}
	if s.Outcome != want {
		t.Fatalf("%s: outcome %s (err %v), want %s", k, s.Outcome, s.Err, want)
	}
	return s
}

func TestChain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		a, b, d := K("fw", "vlan", "a"), K("fw", "policy", "b"), K("xo", "vm", "c")
		g := NewGraph()
		g.Add(c.res(d, 1, 3*time.Second, b), c.res(b, 1, 2*time.Second, a), c.res(a, 1, time.Second))
		p := mustPlan(t, g)
		if got := []string{p.Steps[0].ID, p.Steps[1].ID, p.Steps[2].ID}; strings.Join(got, " ") != "fw/vlan/a fw/policy/b xo/vm/c" {
			t.Fatalf("order %v", got)
		}
		start := time.Now()
		res, err := p.Apply(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if wall := time.Since(start); wall != 6*time.Second {
			t.Fatalf("wall %v, want 6s", wall)
		}
		if strings.Join(c.order, " ") != "fw/vlan/a fw/policy/b xo/vm/c" {
			t.Fatalf("write order %v", c.order)
		}
		if res.Summary.Done != 3 {
			t.Fatalf("summary %+v", res.Summary)
		}
		s := wantOutcome(t, res, d, OutcomeDone)
		if s.Attempts != 1 || s.Duration() != 3*time.Second || s.Outputs["id"] != "id-c" {
			t.Fatalf("step %+v", s)
		}
	})
}

func TestFanOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		root := K("fw", "vlan", "root")
		g := NewGraph()
		g.Add(c.res(root, 1, time.Second))
		for i := range 20 {
			g.Add(c.res(K(fmt.Sprintf("app%d", i%4), "obj", fmt.Sprint(i)), 1, time.Second, root))
		}
		p := mustPlan(t, g)
		start := time.Now()
		res, err := p.Apply(t.Context(), WithDefaultLimit(5), WithParallelism(20))
		if err != nil {
			t.Fatal(err)
		}
		// root 1s, then 4 appliances × 5 children with 5 lanes each: 1s.
		if wall := time.Since(start); wall != 2*time.Second {
			t.Fatalf("wall %v, want 2s", wall)
		}
		if res.Summary.Done != 21 || c.maxTotal != 20 {
			t.Fatalf("summary %+v max total %d", res.Summary, c.maxTotal)
		}
	})
}

func TestDiamondWithReferences(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		a, b, cc, d := K("xo", "net", "a"), K("xo", "vm", "b"), K("nas", "ds", "c"), K("fw", "vip", "d")
		g := NewGraph()
		ra := c.res(a, 1, time.Second)
		rb := c.res(b, 2, 2*time.Second)
		netID := Output[string](a, "id")
		rb.Uses = []Reference{netID}
		rb.WantFn = func(in Inputs) spec { return spec{Size: 2, Net: netID.Get(in), Marker: sitekit.Marker(site)} }
		rc := c.res(cc, 3, time.Second, a)
		rd := c.res(d, 4, time.Second)
		bSize, cID := Output[int](b, "size"), Output[string](cc, "id")
		rd.Uses = []Reference{bSize, cID}
		rd.WantFn = func(in Inputs) spec {
			return spec{Size: bSize.Get(in) * 10, Net: cID.Get(in), Marker: sitekit.Marker(site)}
		}
		g.Add(rd, rc, rb, ra)
		p := mustPlan(t, g, WithDefaultLimit(2))
		if got := strings.Join(p.Step(d).Deps, ","); got != "nas/ds/c,xo/vm/b" {
			t.Fatalf("d deps %q", got)
		}
		start := time.Now()
		if _, err := p.Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		if wall := time.Since(start); wall != 4*time.Second {
			t.Fatalf("wall %v, want 4s (a 1s, b 2s, d 1s)", wall)
		}
		objs := c.snapshot()
		if objs[b].Net != "id-a" || objs[d].Size != 20 || objs[d].Net != "id-c" {
			t.Fatalf("references not resolved: %+v", objs)
		}
		// Re-plan: nothing to do, references resolved from observed outputs.
		if p2 := mustPlan(t, g); !p2.Empty() {
			t.Fatalf("second plan not empty:\n%s", p2)
		}
	})
}

func TestApplianceLimitRespected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		g := NewGraph()
		for i := range 30 {
			g.Add(c.res(K("fw", "policy", fmt.Sprint(i)), 1, time.Duration(1+i%3)*time.Second))
			g.Add(c.res(K("xo", "vm", fmt.Sprint(i)), 1, time.Duration(1+i%4)*time.Second))
			g.Add(c.res(K("nas", "ds", fmt.Sprint(i)), 1, time.Second))
		}
		p := mustPlan(t, g)
		res, err := p.Apply(t.Context(), WithLimit("xo", 3), WithLimit("nas", 4), WithParallelism(6))
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary.Done != 90 {
			t.Fatalf("summary %+v", res.Summary)
		}
		if c.maxRunning["fw"] != 1 || c.maxRunning["xo"] != 3 || c.maxRunning["nas"] > 4 || c.maxTotal > 6 {
			t.Fatalf("limits exceeded: per appliance %v, total %d", c.maxRunning, c.maxTotal)
		}
	})
}

func TestFailureSkipsOnlyDependents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		vlan, pol, vm, ds, job := K("fw", "vlan", "v"), K("fw", "policy", "p"), K("xo", "vm", "m"), K("nas", "ds", "d"), K("xo", "backup", "j")
		g := NewGraph()
		g.Add(c.res(vlan, 1, time.Second), c.res(pol, 1, time.Second, vlan), c.res(vm, 1, 5*time.Second, vlan),
			c.res(ds, 1, 2*time.Second), c.res(job, 1, time.Second, vm, ds))
		c.fail[vlan] = errors.New("400 bad vlan")
		p := mustPlan(t, g)
		var mu sync.Mutex
		var events []Event
		res, err := p.Apply(t.Context(), WithEvents(func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }))
		if err == nil || !strings.Contains(err.Error(), "fw/vlan/v: 400 bad vlan") {
			t.Fatalf("err %v", err)
		}
		wantOutcome(t, res, vlan, OutcomeFailed)
		wantOutcome(t, res, ds, OutcomeDone)
		for _, k := range []Key{pol, vm} {
			s := wantOutcome(t, res, k, OutcomeSkipped)
			if !errors.Is(s.Err, ErrUpstream) || !strings.Contains(s.Error, "fw/vlan/v failed") {
				t.Fatalf("%s: %v", k, s.Err)
			}
		}
		s := wantOutcome(t, res, job, OutcomeSkipped)
		if !strings.Contains(s.Error, "via xo/vm/m") {
			t.Fatalf("job reason %q", s.Error)
		}
		if res.Summary != (Summary{Done: 1, Failed: 1, Skipped: 3}) {
			t.Fatalf("summary %+v", res.Summary)
		}
		count := map[EventType]int{}
		for _, e := range events {
			count[e.Type]++
		}
		if count[EventPlanned] != 5 || count[EventFailed] != 1 || count[EventSkipped] != 3 || count[EventDone] != 1 || count[EventStarted] != 2 {
			t.Fatalf("events %v", count)
		}
	})
}

func TestFailFastCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		vlan, vm := K("fw", "vlan", "v"), K("xo", "vm", "m")
		g := NewGraph()
		g.Add(c.res(vlan, 1, time.Second), c.res(K("fw", "policy", "p"), 1, time.Second, vlan), c.res(vm, 1, 10*time.Second))
		for i := range 5 {
			g.Add(c.res(K("nas", "ds", fmt.Sprint(i)), 1, 3*time.Second))
		}
		c.fail[vlan] = errors.New("400 bad vlan")
		p := mustPlan(t, g)
		start := time.Now()
		res, err := p.Apply(t.Context(), WithFailFast())
		if err == nil {
			t.Fatal("no error")
		}
		if wall := time.Since(start); wall != time.Second {
			t.Fatalf("wall %v: fail-fast should stop at 1s", wall)
		}
		wantOutcome(t, res, vlan, OutcomeFailed)
		wantOutcome(t, res, K("fw", "policy", "p"), OutcomeSkipped)
		s := wantOutcome(t, res, vm, OutcomeCancelled) // running, then cancelled
		if s.Attempts != 1 {
			t.Fatalf("vm attempts %d", s.Attempts)
		}
		s = wantOutcome(t, res, K("nas", "ds", "4"), OutcomeCancelled) // never started
		if s.Attempts != 0 || !strings.Contains(s.Error, "fail-fast: fw/vlan/v failed") {
			t.Fatalf("ds4 %+v", s)
		}
		if len(c.snapshot()) != 0 {
			t.Fatalf("objects written: %v", c.snapshot())
		}
	})
}

func TestPanicCaptured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		a, b := K("fw", "vlan", "a"), K("nas", "ds", "b")
		g := NewGraph()
		g.Add(c.res(a, 1, time.Second), c.res(b, 1, time.Second))
		c.panics[a] = true
		res, err := mustPlan(t, g).Apply(t.Context())
		var pe *PanicError
		if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "boom in fw/vlan/a") || len(pe.Stack) == 0 {
			t.Fatalf("err %v", err)
		}
		wantOutcome(t, res, a, OutcomeFailed)
		wantOutcome(t, res, b, OutcomeDone)
	})
}

func TestCancellationMidRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		g := NewGraph()
		prev := Key{}
		for i := range 10 {
			k := K("fw", "policy", fmt.Sprintf("p%02d", i))
			if i == 0 {
				g.Add(c.res(k, 1, time.Second))
			} else {
				g.Add(c.res(k, 1, time.Second, prev))
			}
			prev = k
		}
		p := mustPlan(t, g)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(3500*time.Millisecond, cancel)
		start := time.Now()
		res, err := p.Apply(ctx)
		if wall := time.Since(start); wall != 3500*time.Millisecond {
			t.Fatalf("wall %v, want 3.5s", wall)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
		if res.Summary != (Summary{Done: 3, Cancelled: 7}) {
			t.Fatalf("summary %+v", res.Summary)
		}
		if s := wantOutcome(t, res, K("fw", "policy", "p03"), OutcomeCancelled); s.Attempts != 1 {
			t.Fatalf("running step %+v", s)
		}
		if s := wantOutcome(t, res, K("fw", "policy", "p09"), OutcomeCancelled); s.Attempts != 0 {
			t.Fatalf("pending step %+v", s)
		}
		// Re-apply converges.
		if _, err := mustPlan(t, g).Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		if !mustPlan(t, g).Empty() {
			t.Fatal("not converged")
		}
	})
}

func TestIdempotentApplyTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		g := NewGraph()
		a := K("fw", "vlan", "a")
		g.Add(c.res(a, 1, time.Second), c.res(K("xo", "vm", "b"), 2, time.Second, a), c.res(K("nas", "ds", "c"), 3, time.Second))
		p := mustPlan(t, g)
		if p.Changes() != 3 {
			t.Fatalf("first plan:\n%s", p)
		}
		if _, err := p.Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		p2 := mustPlan(t, g)
		if !p2.Empty() || p2.Changes() != 0 {
			t.Fatalf("second plan:\n%s", p2)
		}
		writes := c.writes.Load()
		res, err := p2.Apply(t.Context())
		if err != nil || res.Summary.Noop != 3 || c.writes.Load() != writes {
			t.Fatalf("no-op apply wrote: %v %+v", err, res.Summary)
		}
		// Drift: change an object behind the engine's back.
		c.mu.Lock()
		c.objs[a] = spec{Size: 9, Marker: sitekit.Marker(site)}
		c.mu.Unlock()
		p3 := mustPlan(t, g)
		if p3.Changes() != 1 || !strings.Contains(p3.String(), "~ fw/vlan/a (size)") {
			t.Fatalf("drift plan:\n%s", p3)
		}
	})
}

func TestAmbiguousCreateNeverDuplicates(t *testing.T) {
	for _, retries := range []int{0, 3} {
		t.Run(fmt.Sprint("retries=", retries), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCloud(site)
				k := K("xo", "vm", "web")
				g := NewGraph()
				g.Add(c.res(k, 1, time.Second))
				c.ambiguous[k] = 1
				res, err := mustPlan(t, g).Apply(t.Context(), WithRetries(retries, time.Second))
				if err != nil {
					t.Fatal(err)
				}
				s := wantOutcome(t, res, k, OutcomeDone)
				if c.creates[k] != 1 || len(c.snapshot()) != 1 || s.Attempts != 1 || s.Outputs["id"] != "id-web" {
					t.Fatalf("creates %d objects %d attempts %d", c.creates[k], len(c.snapshot()), s.Attempts)
				}
			})
		})
	}
}

func TestAmbiguousCreateThatDidNotHappen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		k := K("xo", "vm", "web")
		g := NewGraph()
		g.Add(c.res(k, 1, time.Second))
		c.lost[k] = 1
		res, err := mustPlan(t, g).Apply(t.Context(), WithRetries(2, time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if s := wantOutcome(t, res, k, OutcomeDone); s.Attempts != 2 || c.creates[k] != 1 {
			t.Fatalf("attempts %d creates %d", s.Attempts, c.creates[k])
		}
		// Without retries the step fails, and the next apply creates it once.
		c2 := newCloud(site)
		g2 := NewGraph()
		g2.Add(c2.res(k, 1, time.Second))
		c2.lost[k] = 1
		if _, err := mustPlan(t, g2).Apply(t.Context()); !errors.Is(err, sitekit.ErrOutcomeUnknown) {
			t.Fatalf("err %v", err)
		}
		if _, err := mustPlan(t, g2).Apply(t.Context()); err != nil || c2.creates[k] != 1 {
			t.Fatalf("err %v creates %d", err, c2.creates[k])
		}
	})
}

func TestStepTimeoutIsAmbiguous(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		k := K("xo", "vm", "slow")
		g := NewGraph()
		g.Add(c.res(k, 1, 10*time.Second))
		res, err := mustPlan(t, g).Apply(t.Context(), WithStepTimeout(2*time.Second), WithRetries(1, time.Second))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
		s := wantOutcome(t, res, k, OutcomeFailed)
		if s.Attempts != 2 || s.Duration() != 5*time.Second {
			t.Fatalf("step %+v duration %v", s, s.Duration())
		}
	})
}

func TestTransientRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		k := K("fw", "vlan", "v")
		g := NewGraph()
		g.Add(c.res(k, 1, time.Second))
		c.transient[k] = 2
		var retrying []int
		res, err := mustPlan(t, g).Apply(t.Context(), WithRetries(3, time.Second), WithEvents(func(e Event) {
			if e.Type == EventRetrying {
				retrying = append(retrying, e.Attempt)
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		s := wantOutcome(t, res, k, OutcomeDone)
		// 1s + 1s backoff + 1s + 2s backoff + 1s.
		if s.Attempts != 3 || s.Duration() != 6*time.Second || fmt.Sprint(retrying) != "[2 3]" {
			t.Fatalf("attempts %d duration %v retrying %v", s.Attempts, s.Duration(), retrying)
		}
		// Without retries the transient error fails the step.
		c2 := newCloud(site)
		g2 := NewGraph()
		g2.Add(c2.res(k, 1, time.Second))
		c2.transient[k] = 1
		if _, err := mustPlan(t, g2).Apply(t.Context()); !errors.Is(err, ErrTransient) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestEventsNeverBlockCoordinator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		g := NewGraph()
		for i := range 5 {
			g.Add(c.res(K("nas", "ds", fmt.Sprint(i)), 1, time.Second))
		}
		n := 0
		res, err := mustPlan(t, g).Apply(t.Context(), WithDefaultLimit(5), WithEvents(func(Event) {
			time.Sleep(time.Minute) // a very slow consumer
			n++
		}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Wall() != time.Second {
			t.Fatalf("wall %v: the consumer slowed the run", res.Wall())
		}
		if n != 15 { // 5 planned, 5 started, 5 done, all delivered before Apply returned
			t.Fatalf("delivered %d events", n)
		}
	})
}

func TestBadGraphs(t *testing.T) {
	c := newCloud(site)
	a, b, d := K("fw", "vlan", "a"), K("fw", "vlan", "b"), K("fw", "vlan", "d")
	cases := []struct {
		name  string
		build func(g *Graph)
		want  []string
	}{
		{"cycle", func(g *Graph) {
			g.Add(c.res(a, 1, time.Second, d), c.res(b, 1, time.Second, a), c.res(d, 1, time.Second, b))
		}, []string{"dependency cycle: fw/vlan/a -> fw/vlan/d -> fw/vlan/b -> fw/vlan/a"}},
		{"self", func(g *Graph) { g.Add(c.res(a, 1, time.Second, a)) }, []string{"fw/vlan/a depends on itself"}},
		{"unknown dep", func(g *Graph) { g.Add(c.res(a, 1, time.Second, K("xo", "net", "ghost"))) },
			[]string{"fw/vlan/a depends on unknown resource xo/net/ghost"}},
		{"unknown edge", func(g *Graph) { g.Add(c.res(a, 1, time.Second)); g.Edge(b, a) }, []string{"edge from unknown resource fw/vlan/b"}},
		{"duplicate", func(g *Graph) { g.Add(c.res(a, 1, time.Second), c.res(a, 2, time.Second)) }, []string{"duplicate resource fw/vlan/a"}},
		{"empty name", func(g *Graph) {
			g.Add(c.res(K("fw", "vlan", ""), 1, time.Second), c.res(K("", "", "x"), 1, time.Second))
		},
			[]string{`resource "fw/vlan/": empty name`, `resource "//x": empty appliance, kind`}},
		{"missing output", func(g *Graph) {
			r := c.res(b, 1, time.Second)
			r.Uses = []Reference{Output[string](a, "vlanid")}
			g.Add(c.res(a, 1, time.Second), r)
		}, []string{`fw/vlan/b references output "vlanid" that fw/vlan/a does not declare (declared: id, size)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph()
			tc.build(g)
			before := c.lists.Load()
			_, err := g.Plan(t.Context(), WithSite(site))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.lists.Load() != before || c.writes.Load() != 0 {
				t.Fatal("something was read or written")
			}
			if _, err := g.Destroy(t.Context(), WithSite(site)); err == nil {
				t.Fatal("destroy accepted a bad graph")
			}
		})
	}
}

func TestPlanListsOncePerCollection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		g := synthetic(c, 300, 12, 1)
		p := mustPlan(t, g)
		if p.Reads != 12 || c.lists.Load() != 12 {
			t.Fatalf("plan made %d list calls (fake saw %d), want 12", p.Reads, c.lists.Load())
		}
		if _, err := p.Apply(t.Context(), WithDefaultLimit(4)); err != nil {
			t.Fatal(err)
		}
		c.lists.Store(0)
		if p := mustPlan(t, g); !p.Empty() || c.lists.Load() != 12 {
			t.Fatalf("no-op plan: %d changes, %d lists", p.Changes(), c.lists.Load())
		}
	})
}

func TestReaderSharesConcurrentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := NewReader(site)
		calls := 0
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				v, err := r.List(t.Context(), "xo", "vms", func(ctx context.Context) (any, error) {
					calls++ // guarded by singleflight
					time.Sleep(time.Second)
					return []string{"a"}, nil
				})
				if err != nil || len(v.([]string)) != 1 {
					t.Error(v, err)
				}
			})
		}
		wg.Wait()
		if calls != 1 || r.Calls() != 1 {
			t.Fatalf("calls %d", calls)
		}
		if _, err := ListAs(t.Context(), r, "xo", "vms", func(ctx context.Context) (int, error) { return 0, nil }); err == nil {
			t.Fatal("type mismatch not reported")
		}
	})
}

func TestDestroyWithReferences(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		a, b := K("xo", "net", "a"), K("xo", "vm", "b")
		ra, rb := c.res(a, 1, time.Second), c.res(b, 2, time.Second)
		netID := Output[string](a, "id")
		rb.Uses = []Reference{netID}
		rb.WantFn = func(in Inputs) spec { return spec{Size: 2, Net: netID.Get(in), Marker: sitekit.Marker(site)} }
		g := NewGraph()
		g.Add(ra, rb)
		if _, err := mustPlan(t, g).Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		res, err := g.Destroy(t.Context(), WithSite(site))
		if err != nil {
			t.Fatalf("destroy of a referencing resource: %v", err)
		}
		if n := len(c.snapshot()); n != 0 {
			t.Fatalf("%d objects left after destroy (%s)", n, res)
		}
	})
}

func TestDestroyOnlyManagedInReverse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		vlan, pol, vm, foreign := K("fw", "vlan", "v"), K("fw", "policy", "p"), K("xo", "vm", "m"), K("nas", "ds", "theirs")
		g := NewGraph()
		g.Add(c.res(vlan, 1, time.Second), c.res(pol, 1, time.Second, vlan), c.res(vm, 1, time.Second, vlan), c.res(foreign, 1, time.Second))
		if _, err := mustPlan(t, g).Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		c.objs[foreign] = spec{Size: 1, Marker: sitekit.Marker("other-site")}
		c.order = nil
		c.mu.Unlock()
		p, err := g.PlanDestroy(t.Context(), WithSite(site))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.String(), "! nas/ds/theirs kept") || p.Changes() != 3 {
			t.Fatalf("destroy plan:\n%s", p)
		}
		if _, err := p.Apply(t.Context(), WithDefaultLimit(2)); err != nil {
			t.Fatal(err)
		}
		if got := c.snapshot(); len(got) != 1 || got[foreign].Size != 1 {
			t.Fatalf("left %v", got)
		}
		if c.order[len(c.order)-1] != "fw/vlan/v" {
			t.Fatalf("vlan deleted before its dependents: %v", c.order)
		}
		res, err := g.Destroy(t.Context(), WithSite(site))
		if err != nil || len(res.Steps) != 0 {
			t.Fatalf("second destroy %v %v", res, err)
		}
	})
}

func TestPlanDeletesManagedOrphans(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		c.objs[K("fw", "policy", "old")] = spec{Size: 1, Marker: sitekit.Marker(site)}
		c.objs[K("fw", "policy", "manual")] = spec{Size: 1, Marker: "made by hand"}
		c.objs[K("fw", "policy", "neighbour")] = spec{Size: 1, Marker: sitekit.Marker(site + "-2")}
		g := NewGraph()
		g.Add(c.res(K("fw", "policy", "new"), 1, time.Second))
		g.AddLister("fw", "policy", c.lister("fw", "policy"))
		p := mustPlan(t, g)
		if got := p.String(); got != "+ fw/policy/new\n- fw/policy/old\nPlan: 1 to create, 0 to update, 1 to delete, 0 unchanged.\n" {
			t.Fatalf("plan:\n%s", got)
		}
		if p.Reads != 1 {
			t.Fatalf("reads %d", p.Reads)
		}
		if _, err := p.Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		objs := c.snapshot()
		if _, ok := objs[K("fw", "policy", "old")]; ok || len(objs) != 3 {
			t.Fatalf("objects %v", objs)
		}
	})
}

func TestMissingOutputAtApply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		a, b := K("xo", "net", "a"), K("xo", "vm", "b")
		ra := c.res(a, 1, time.Second)
		ra.Provides = append(ra.Provides, "vlan") // declared but never produced
		rb := c.res(b, 1, time.Second)
		rb.Uses = []Reference{Output[int](a, "vlan")}
		g := NewGraph()
		g.Add(ra, rb)
		res, err := mustPlan(t, g).Apply(t.Context())
		if err == nil || !strings.Contains(err.Error(), "reference xo/net/a.vlan: output missing") {
			t.Fatalf("err %v", err)
		}
		if s := wantOutcome(t, res, b, OutcomeFailed); s.Attempts != 0 {
			t.Fatalf("resource code ran: %+v", s)
		}
	})
}

func TestRenderings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		a, b := K("fw", "vlan", "a"), K("xo", "vm", "b")
		g := NewGraph()
		g.Add(c.res(a, 1, time.Second), c.res(b, 1, time.Second, a))
		c.fail[b] = errors.New("quota | exceeded")
		p := mustPlan(t, g)
		js, err := p.JSON()
		if err != nil || !strings.Contains(string(js), `"deps": [`) || !strings.Contains(string(js), `"desired": {`) {
			t.Fatalf("json %s %v", js, err)
		}
		res, _ := p.Apply(t.Context())
		dot := p.DOT(res)
		for _, w := range []string{`"fw/vlan/a" -> "xo/vm/b";`, `label="xo/vm/b\ncreate · failed"`, `fillcolor="salmon"`, `fillcolor="palegreen"`} {
			if !strings.Contains(dot, w) {
				t.Fatalf("dot lacks %s:\n%s", w, dot)
			}
		}
		md := res.Markdown()
		if !strings.Contains(md, "| `xo/vm/b` | create | failed | 1 | 1s | quota \\| exceeded |") {
			t.Fatalf("markdown:\n%s", md)
		}
	})
}

func TestProgressPlain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		a := K("fw", "vlan", "a")
		g := NewGraph()
		g.Add(c.res(a, 1, time.Second), c.res(K("xo", "vm", "b"), 1, 2*time.Second, a))
		var buf strings.Builder
		pr := NewProgress(&buf)
		if _, err := mustPlan(t, g).Apply(t.Context(), WithEvents(pr.Event)); err != nil {
			t.Fatal(err)
		}
		pr.Close()
		want := "[0s 0/2] started   create fw/vlan/a\n[1s 1/2] done      create fw/vlan/a\n[1s 1/2] started   create xo/vm/b\n[3s 2/2] done      create xo/vm/b\n"
		if buf.String() != want {
			t.Fatalf("progress:\n%q", buf.String())
		}
	})
}

func TestDiffJSON(t *testing.T) {
	if d := DiffJSON(spec{Size: 1, Net: "n"}, spec{Size: 2, Net: "n", Marker: "x"}); fmt.Sprint(d) != "[size]" {
		t.Fatal(d)
	}
	if d := DiffJSON(spec{Size: 1}, nil); fmt.Sprint(d) != "[size]" {
		t.Fatal(d)
	}
	if d := DiffJSON("a", "b"); fmt.Sprint(d) != "[state]" {
		t.Fatal(d)
	}
}

func TestCancelledBeforeApplyRunsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		g := NewGraph()
		g.Add(c.res(K("fw", "vlan", "a"), 1, time.Second), c.res(K("xo", "vm", "b"), 1, time.Second))
		p := mustPlan(t, g)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		res, err := p.Apply(ctx)
		if !errors.Is(err, context.Canceled) || res.Summary.Cancelled != 2 || c.writes.Load() != 0 {
			t.Fatalf("err %v summary %+v writes %d", err, res.Summary, c.writes.Load())
		}
	})
}

func TestTerminalDetection(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "progress")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&strings.Builder{}) {
		t.Fatal("a file is not a terminal")
	}
	p := NewProgress(f)
	p.tty = true // render the status line anyway
	p.Event(Event{Type: EventPlanned, Total: 2})
	p.Event(Event{Type: EventStarted, Step: "fw/vlan/a", Action: ActionCreate})
	p.Event(Event{Type: EventFailed, Step: "fw/vlan/a", Action: ActionCreate, Err: errors.New("nope")})
	p.Close()
	b, _ := os.ReadFile(f.Name())
	if s := string(b); !strings.Contains(s, "failed    create fw/vlan/a: nope\n") || !strings.Contains(s, "0/2 done, 1 failed, 0 skipped") {
		t.Fatalf("%q", s)
	}
}

func TestNoGoroutineLeftBehind(t *testing.T) {
	// Every synctest.Test above would also fail if a goroutine outlived it;
	// this test checks explicitly after a run with a failure, a blocked step
	// cancelled by fail-fast, retries and events.
	synctest.Test(t, func(t *testing.T) {
		before := runtime.NumGoroutine()
		c := newCloud(site)
		a, b := K("fw", "vlan", "a"), K("xo", "vm", "b")
		g := NewGraph()
		g.Add(c.res(a, 1, time.Second), c.res(b, 1, time.Second), c.res(K("nas", "ds", "c"), 1, time.Second, a))
		c.transient[a] = 5
		c.block[b] = true
		_, err := mustPlan(t, g).Apply(t.Context(), WithFailFast(), WithRetries(1, time.Second), WithEvents(func(Event) {}))
		if err == nil {
			t.Fatal("no error")
		}
		synctest.Wait()
		// The count is process-wide: a goroutine of an earlier test may still be exiting, so
		// only a rise is a leak.
		if after := runtime.NumGoroutine(); after > before {
			t.Fatalf("%d goroutines before, %d after", before, after)
		}
	})
}

func TestFind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := NewReader(site)
		type vlan struct{ Name string }
		list := func(context.Context) ([]vlan, error) { return []vlan{{"a"}, {"b"}}, nil }
		v, ok, err := Find(t.Context(), r, K("fw", "vlan", "b"), "vlans", list, func(v vlan) string { return v.Name })
		if err != nil || !ok || v.Name != "b" {
			t.Fatal(v, ok, err)
		}
		if _, ok, _ := Find(t.Context(), r, K("fw", "vlan", "z"), "vlans", list, func(v vlan) string { return v.Name }); ok || r.Calls() != 1 {
			t.Fatal("found z or listed twice")
		}
	})
}

func TestEventChan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(site)
		g := NewGraph()
		g.Add(c.res(K("fw", "vlan", "a"), 1, time.Second))
		ch := make(chan Event)
		var got []EventType
		done := make(chan struct{})
		go func() {
			defer close(done)
			for e := range ch {
				got = append(got, e.Type)
			}
		}()
		_, err := mustPlan(t, g).Apply(t.Context(), WithEventChan(ch))
		close(ch)
		<-done
		if err != nil || fmt.Sprint(got) != "[planned started done]" {
			t.Fatal(err, got)
		}
	})
}

func TestRefConversion(t *testing.T) {
	k := K("xo", "net", "a")
	in := NewInputs(map[Key]Outputs{k: {"vlan": float64(20), "id": "n-1", "bad": []int{1}}})
	if v, ok := Output[int](k, "vlan").Lookup(in); !ok || v != 20 {
		t.Fatal("JSON number not converted to int", v, ok)
	}
	if v := Output[string](k, "id").Get(in); v != "n-1" {
		t.Fatal(v)
	}
	if _, ok := Output[string](k, "bad").Lookup(in); ok {
		t.Fatal("[]int converted to string")
	}
	if _, ok := Output[string](k, "missing").Lookup(in); ok {
		t.Fatal("missing output found")
	}
	if s := Output[string](k, "id").String(); s != "xo/net/a.id" {
		t.Fatal(s)
	}
}

// A step whose only dependency is a no-op listed before it becomes ready while the roots are
// being readied; it must still be dispatched exactly once.
func TestStepAfterNoopDispatchedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var creates atomic.Int32
		exists := false
		a := &Func[int]{ID: K("fw", "vlan", "a"), Want: 1,
			OnObserve: func(context.Context, *Reader) (Observed, error) { return Found(1, true, nil), nil },
			OnCreate:  func(context.Context, int) (Outputs, error) { t.Error("a is a no-op"); return nil, nil }}
		b := &Func[int]{ID: K("fw", "policy", "b"), After: []Key{a.ID}, Want: 2,
			OnObserve: func(context.Context, *Reader) (Observed, error) {
				if exists {
					return Found(2, true, nil), nil
				}
				return NotFound(), nil
			},
			OnCreate: func(context.Context, int) (Outputs, error) { creates.Add(1); exists = true; return nil, nil }}
		g := NewGraph()
		g.Add(a, b)
		res, err := mustPlan(t, g, WithParallelism(4), WithDefaultLimit(4)).Apply(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n := creates.Load(); n != 1 {
			t.Fatalf("b created %d times (%s)", n, res)
		}
	})
}
