package temporal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/sync/errgroup"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// BenchmarkFleet100 applies 100 sites sharing one Xen Orchestra twice, on fresh
// simulators each time: in process (10 sites at once, each planned then applied by the
// engine) and through the Temporal server of .ci/run (a Fleet workflow, 10 children at
// once, one worker). It reports both wall times and list calls per site, and their
// ratios (Temporal ÷ in-process). Run it once:
//
//	go test -run '^$' -bench Fleet100 -benchtime 1x
func BenchmarkFleet100(b *testing.B) {
	const n, conc = 100, 10
	c := dial(b)
	specs := make([]SiteSpec, n)
	for k := 1; k <= n; k++ {
		specs[k-1] = SiteSpec{Site: sharedSite(k)}
	}
	xoSims := func() (*blueprinttest.Site, blueprint.Connections) {
		sims, err := blueprinttest.New(b.Context())
		require.NoError(b, err)
		b.Cleanup(sims.Close)
		conns, err := sims.Connect()
		require.NoError(b, err)
		b.Cleanup(func() { _ = conns.Close() })
		return sims, blueprint.Connections{XO: conns.XO, Secrets: conns.Secrets}
	}
	ctx, cancel := context.WithTimeout(b.Context(), 30*time.Minute)
	defer cancel()
	for b.Loop() {
		// In process.
		_, xoOnly := xoSims()
		t0 := time.Now()
		var g errgroup.Group
		g.SetLimit(conc)
		reads := make([]int, n)
		for i, spec := range specs {
			g.Go(func() error {
				bp, err := spec.Blueprint()
				if err != nil {
					return err
				}
				p, err := bp.Plan(ctx, xoOnly)
				if err != nil {
					return err
				}
				reads[i] = p.Reads
				_, err = p.Apply(ctx)
				return err
			})
		}
		require.NoError(b, g.Wait())
		inWall := time.Since(t0)
		inReads := 0
		for _, r := range reads {
			inReads += r
		}

		// Through Temporal.
		_, xoOnly = xoSims()
		queue := uniqueQueue(b)
		w := NewWorker(c, queue, &Activities{Provider: fixed(xoOnly)}, worker.Options{})
		require.NoError(b, w.Start())
		t0 = time.Now()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-fleet-" + queue, TaskQueue: queue}, Fleet,
			FleetRequest{Sites: specs, MaxConcurrent: conc})
		require.NoError(b, err)
		var res FleetResult
		require.NoError(b, run.Get(ctx, &res))
		tWall := time.Since(t0)
		w.Stop()
		tReads, tStepReads := 0, 0
		for _, s := range res.Sites {
			require.Equal(b, StatusApplied, s.Status, "%s: %s %v", s.Site, s.Error, s.Failed)
			tReads += s.Reads
			tStepReads += s.StepReads
		}
		b.ReportMetric(inWall.Seconds(), "inproc-wall-s")
		b.ReportMetric(tWall.Seconds(), "temporal-wall-s")
		b.ReportMetric(tWall.Seconds()/inWall.Seconds(), "wall-ratio")
		b.ReportMetric(float64(inReads)/n, "inproc-lists/site")
		b.ReportMetric(float64(tReads+tStepReads)/n, "temporal-lists/site")
		b.ReportMetric(float64(tReads+tStepReads)/float64(inReads), "lists-ratio")
		b.ReportMetric(float64(tReads)/n, "temporal-plan-lists/site")
	}
}

// BenchmarkDrift1000 runs the nightly drift of 1,000 sites (plan only) through the
// Temporal server of .ci/run on one worker, the five simulators in the same process. It
// reports the wall time and the list calls per site next to the collections each site
// reads: a plan-only run lists each collection once and never re-observes. Goal: under
// 10 minutes.
//
//	go test -run '^$' -bench Drift1000 -benchtime 1x
func BenchmarkDrift1000(b *testing.B) {
	const n = 1000
	c := dial(b)
	sims, err := blueprinttest.New(b.Context())
	require.NoError(b, err)
	b.Cleanup(sims.Close)
	conns, err := sims.Connect()
	require.NoError(b, err)
	b.Cleanup(func() { _ = conns.Close() })
	ctx, cancel := context.WithTimeout(b.Context(), 30*time.Minute)
	defer cancel()
	for b.Loop() {
		queue := uniqueQueue(b)
		w := NewWorker(c, queue, &Activities{Provider: fixed(conns)}, worker.Options{})
		require.NoError(b, w.Start())
		t0 := time.Now()
		runs := make([]client.WorkflowRun, n)
		for i := range n {
			s := blueprinttest.Pessac()
			s.Name = fmt.Sprintf("drift-%04d", i)
			runs[i], err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: DriftWorkflowID(s.Name) + "-" + queue, TaskQueue: queue},
				DriftSite, DriftRequest{Spec: SiteSpec{Site: s}})
			require.NoError(b, err)
		}
		reads, collections := 0, 0
		for _, run := range runs {
			var res SiteResult
			require.NoError(b, run.Get(ctx, &res))
			require.Equal(b, StatusDrift, res.Status)
			reads += res.Reads + res.StepReads
			for _, cs := range res.Plan.Collections {
				collections += len(cs)
			}
		}
		wall := time.Since(t0)
		w.Stop()
		b.ReportMetric(wall.Minutes(), "wall-min")
		b.ReportMetric(float64(reads)/n, "lists/site")
		b.ReportMetric(float64(collections)/n, "collections/site")
	}
}
