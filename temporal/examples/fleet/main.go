// Command fleet applies N sites through Temporal against in-process appliance simulators:
// a worker (site workflows, activities, one simulator set per site) and a starter (a
// Fleet workflow with a concurrency cap, then a drift-only fleet proving every site
// converged), in one program or as two (-role worker, -role start).
//
// Try it with a local server, either the Temporal CLI's (temporal server start-dev:
// address 127.0.0.1:7233, namespace default) or the one of this repository:
//
//	cd temporal/internal/devserver && go run .     # prints ADDRESS NAMESPACE
//	cd temporal && go run ./examples/fleet -address ADDRESS -namespace NAMESPACE -sites 5
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/temporal"
)

func main() {
	address := flag.String("address", "127.0.0.1:7233", "Temporal frontend host:port")
	namespace := flag.String("namespace", "default", "Temporal namespace")
	queue := flag.String("queue", temporal.DefaultTaskQueue, "task queue")
	n := flag.Int("sites", 5, "number of sites")
	conc := flag.Int("concurrency", 3, "site runs in flight at once")
	role := flag.String("role", "both", "worker, start or both")
	flag.Parse()

	c, err := client.Dial(client.Options{HostPort: *address, Namespace: *namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if *role == "worker" || *role == "both" {
		p := &simProvider{sims: map[string]*blueprinttest.Site{}}
		defer p.close()
		w := temporal.NewWorker(c, *queue, &temporal.Activities{Provider: p}, worker.Options{})
		if *role == "worker" {
			log.Printf("worker on %s: one simulator set per site, started on first use", *queue)
			if err := w.Run(worker.InterruptCh()); err != nil {
				log.Fatal(err)
			}
			return
		}
		if err := w.Start(); err != nil {
			log.Fatal(err)
		}
		defer w.Stop()
	}
	if err := start(c, *queue, *n, *conc); err != nil {
		log.Fatal(err)
	}
}

func sites(n int) []temporal.SiteSpec {
	var out []temporal.SiteSpec
	for i := 1; i <= n; i++ {
		s := blueprinttest.Pessac()
		s.Name = fmt.Sprintf("fleet-%02d", i)
		out = append(out, temporal.SiteSpec{Site: s, Tier: blueprint.TierStandard})
	}
	return out
}

func start(c client.Client, queue string, n, conc int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	run := func(id string, req temporal.FleetRequest) (*temporal.FleetResult, error) {
		wr, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, temporal.Fleet, req)
		if err != nil {
			return nil, err
		}
		var res temporal.FleetResult
		return &res, wr.Get(ctx, &res)
	}
	t0 := time.Now()
	res, err := run(fmt.Sprintf("sitekit-fleet-example-%d", t0.Unix()), temporal.FleetRequest{Sites: sites(n), MaxConcurrent: conc})
	if err != nil {
		return err
	}
	fmt.Printf("Fleet of %d sites, %d at once (max in flight %d), %s:\n", n, conc, res.MaxInFlight, time.Since(t0).Round(time.Millisecond))
	for _, s := range res.Sites {
		fmt.Printf("  %-10s %-10s %3d writes, %3d done, %d failed, %d list calls to plan %s\n",
			s.Site, s.Status, s.Writes, s.Steps.Done, s.Steps.Failed, s.Reads, s.Error)
	}
	drift, err := run(fmt.Sprintf("sitekit-fleet-example-drift-%d", t0.Unix()), temporal.FleetRequest{Sites: sites(n), MaxConcurrent: conc, DriftOnly: true})
	if err != nil {
		return err
	}
	converged := 0
	for _, s := range drift.Sites {
		if s.Status == temporal.StatusConverged {
			converged++
		}
	}
	fmt.Printf("Drift: %d of %d sites converged (empty re-plan).\n", converged, n)
	if converged != n {
		return fmt.Errorf("%d sites drifted after the apply", n-converged)
	}
	return nil
}

// simProvider starts one set of simulators per site, on first use, and connects to it.
type simProvider struct {
	mu    sync.Mutex
	sims  map[string]*blueprinttest.Site
	conns map[string]blueprint.Connections
}

func (p *simProvider) Connections(ctx context.Context, site blueprint.Site) (blueprint.Connections, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[site.Name]; ok {
		return c, nil
	}
	s, err := blueprinttest.New(ctx, blueprinttest.WithSite(site))
	if err != nil {
		return blueprint.Connections{}, err
	}
	c, err := s.Connect()
	if err != nil {
		s.Close()
		return blueprint.Connections{}, err
	}
	if p.conns == nil {
		p.conns = map[string]blueprint.Connections{}
	}
	p.sims[site.Name], p.conns[site.Name] = s, c
	return c, nil
}

func (p *simProvider) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, s := range p.sims {
		_ = p.conns[name].Close()
		s.Close()
	}
}
