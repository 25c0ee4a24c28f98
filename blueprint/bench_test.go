package blueprint_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

var apps = []string{"fortigate", "xo", "ems", "truenas", "netdata"}

// BenchmarkNoopReplan measures the API calls of a no-op re-plan of the converged Pessac
// site, per appliance: it must equal the number of collections the plan declares (one
// list call per collection, shared by every resource).
func BenchmarkNoopReplan(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, blueprinttest.Faults{})
	e.converge(b, ctx, 2)
	p, err := e.bp.Plan(ctx, e.conns)
	if err != nil || !p.Empty() {
		b.Fatalf("not converged: %v\n%s", err, p)
	}
	e.sims.ResetCounters()
	n := 0
	for b.Loop() {
		if _, err := e.bp.Plan(ctx, e.conns); err != nil {
			b.Fatal(err)
		}
		n++
	}
	calls := e.sims.Calls()
	total := 0
	for _, a := range apps {
		b.ReportMetric(float64(calls[a])/float64(n), a+"-calls/plan")
		b.ReportMetric(float64(len(p.Collections[a])), a+"-collections")
		total += calls[a]
	}
	b.ReportMetric(float64(total)/float64(n), "calls/plan")
}

// BenchmarkApplyWallOverLowerBound applies the Standard site on simulators answering every
// call after a fixed latency and reports the wall time divided by the lower bound computed
// from the steps' measured durations (critical path, per-appliance write limits).
func BenchmarkApplyWallOverLowerBound(b *testing.B) {
	for _, lat := range []time.Duration{2 * time.Millisecond, 10 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%s", lat), func(b *testing.B) {
			ctx := context.Background()
			var ratio, wall float64
			n := 0
			for b.Loop() {
				b.StopTimer()
				e := newEnv(b, blueprinttest.Faults{Latency: lat})
				p, err := e.bp.Plan(ctx, e.conns)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := p.Apply(ctx)
				if err != nil {
					b.Fatal(err)
				}
				ratio += float64(res.Wall()) / float64(res.LowerBound())
				wall += float64(res.Wall().Milliseconds())
				n++
			}
			b.ReportMetric(ratio/float64(n), "wall/lb")
			b.ReportMetric(wall/float64(n), "wall-ms")
		})
	}
}

// processCPU returns the user+system CPU time the process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// deploySites deploys n Pessac-like sites, parallel at a time, each on its own five simulators
// (in the same process), calling sample after each apply.
func deploySites(ctx context.Context, n, parallel int, sample func()) error {
	var g errgroup.Group
	g.SetLimit(parallel)
	for i := range n {
		g.Go(func() error {
			site := blueprinttest.Pessac()
			site.Name = fmt.Sprintf("site-%03d", i)
			sims, err := blueprinttest.New(ctx, blueprinttest.WithSite(site))
			if err != nil {
				return err
			}
			defer sims.Close()
			conns := sims.Connections()
			bp, err := blueprint.Standard(site)
			if err != nil {
				return err
			}
			p, err := bp.Plan(ctx, conns)
			if err != nil {
				return err
			}
			if _, err := p.Apply(ctx); err != nil {
				return fmt.Errorf("%s: %w", site.Name, err)
			}
			sample()
			return nil
		})
	}
	return g.Wait()
}

// BenchmarkHundredSites deploys 100 Pessac-like sites from one process, ten at a time,
// each on its own five simulators (in the same process), and reports the wall time and
// the peak heap (simulators included), and the wall and CPU time per site against one site
// deployed alone in the same run (wall-per-site-ratio, cpu-per-site-ratio: 100-site figure
// ÷ 100 ÷ one-site figure; below 1 when the sites overlap, above 1 when they contend).
func BenchmarkHundredSites(b *testing.B) {
	const sites, parallel = 100, 10
	ctx := context.Background()
	var peak uint64
	var mu sync.Mutex
	sample := func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		mu.Lock()
		peak = max(peak, s[0].Value.Uint64())
		mu.Unlock()
	}
	var wall, cpu, wall1, cpu1 time.Duration
	n := 0
	for b.Loop() {
		runtime.GC()
		start, startCPU := time.Now(), processCPU(b)
		if err := deploySites(ctx, 1, 1, func() {}); err != nil {
			b.Fatal(err)
		}
		wall1 += time.Since(start)
		cpu1 += processCPU(b) - startCPU

		runtime.GC()
		start, startCPU = time.Now(), processCPU(b)
		if err := deploySites(ctx, sites, parallel, sample); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		cpu += processCPU(b) - startCPU
		n++
	}
	b.ReportMetric(float64(wall.Milliseconds())/float64(n), "wall-ms/100sites")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "cpu-ms/100sites")
	b.ReportMetric(float64(wall1.Milliseconds())/float64(n), "wall-ms/site-alone")
	b.ReportMetric(float64(cpu1.Milliseconds())/float64(n), "cpu-ms/site-alone")
	b.ReportMetric(float64(wall)/sites/float64(wall1), "wall-per-site-ratio")
	b.ReportMetric(float64(cpu)/sites/float64(cpu1), "cpu-per-site-ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
