package blueprint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/netdata"
)

// A Netdata health gate waits up to gateWait (10 minutes: a VM just created boots,
// installs the agent and starts streaming) for its host to become healthy, checking
// every gateInterval (5 seconds) and reporting progress ([engine.EventProgress]) at
// most every gateReport. A check in flight when the wait ends is finished, then the gate
// fails saying what never happened.
var (
	gateWait     = 10 * time.Minute
	gateInterval = 5 * time.Second
	gateReport   = 30 * time.Second
)

// gateState is the state of a Netdata health gate: the host streams to the parent (or, for
// the parent, answers).
type gateState struct {
	Host      string `json:"host"`
	Streaming bool   `json:"streaming"`
}

// netdataChildren returns the Linux VMs that stream to the parent (every Debian VM except
// the parent itself) and the parent's name ("" without a monitor VM).
func (s Site) netdataChildren() (children []string, parent string) {
	for _, vm := range s.VMs {
		if vm.OS != Debian12 {
			continue
		}
		if vm.Role == VMRoleMonitor && parent == "" {
			parent = vm.Name
			continue
		}
		children = append(children, vm.Name)
	}
	return children, parent
}

// netdata adds the health gates: one per Linux VM. A gate writes nothing: it is planned as
// a no-op when the parent (Connections.Netdata) lists the host as streaming, and otherwise
// as a check that, at apply time, runs the full health gate (the agent answers, collection is
// alive, no critical alarm, and for the parent every child streams) and fails the step while
// the host is unhealthy (retried: a VM just created takes a while to stream). Gates run after
// their VM.
func (b *build) netdata() error {
	nd := b.conns.Netdata
	children, parent := b.site.netdataChildren()
	if parent == "" || b.destroy {
		return nil
	}
	b.reads(appNetdata, "api/v1/info")
	info := func(ctx context.Context, r *engine.Reader) (*netdata.Info, error) {
		return engine.ListAs(ctx, r, appNetdata, "api/v1/info", func(ctx context.Context) (*netdata.Info, error) {
			i, err := nd.Info(ctx)
			return i, classify(err)
		})
	}
	gate := func(host string, isParent bool, after []engine.Key) *engine.Func[gateState] {
		what := fmt.Sprintf("%s to stream to the Netdata parent %s", host, parent)
		if isParent {
			what = fmt.Sprintf("the Netdata parent %s to answer with its children %s streaming", host, strings.Join(children, ", "))
		}
		check := func(ctx context.Context) (engine.Outputs, error) {
			c, opts := nd.Host(host), netdata.HealthOptions{}
			if isParent {
				c, opts.ExpectChildren = nd, children
			}
			// A VM just created takes minutes to boot, install Netdata and stream: wait,
			// saying for what, up to gateWait.
			start := time.Now()
			var lastReport time.Time
			for attempt := 1; ; attempt++ {
				rep, err := c.Health(ctx, opts)
				if err == nil && rep.Healthy {
					return engine.Outputs{}, nil
				}
				if ctx.Err() != nil {
					return nil, ctx.Err() // the run was cancelled: not the gate's verdict
				}
				why := "no answer"
				switch {
				case err != nil:
					why = err.Error()
				case len(rep.Problems) > 0:
					why = strings.Join(rep.Problems, "; ")
				}
				waited := time.Since(start)
				if lastReport.IsZero() || time.Since(lastReport) >= gateReport {
					engine.Report(ctx, "waiting for %s (%s of %s): %s", what, waited.Round(time.Second), gateWait, why)
					lastReport = time.Now()
				}
				if waited >= gateWait {
					return nil, fmt.Errorf("netdata gate %s failed: waited %s (%d checks) for %s, which never happened; last check: %s",
						host, gateWait, attempt, what, why)
				}
				t := time.NewTimer(gateInterval)
				select {
				case <-ctx.Done():
					t.Stop()
					return nil, ctx.Err()
				case <-t.C:
				}
			}
		}
		return &engine.Func[gateState]{
			ID: keyNetdataGate(host), After: b.after(after...), Want: gateState{Host: host, Streaming: true}, Duration: estimates[appNetdata],
			OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
				i, err := info(ctx, r)
				if err != nil {
					// An unreachable parent is a gate to check, not a plan error.
					return engine.Found(gateState{Host: host}, false, nil), nil
				}
				ok := isParent
				for _, h := range i.MirroredHostsStatus {
					if h.Hostname == host && (int(h.Hops) == 0 || bool(h.Reachable)) {
						ok = true
					}
				}
				if !isParent && !slices.Contains(i.MirroredHosts, host) {
					ok = false
				}
				// A gate is observe-only: it always "exists" (nothing to create or delete)
				// and is never managed (destroy leaves it alone).
				return engine.Found(gateState{Host: host, Streaming: ok}, false, nil), nil
			},
			OnCreate: func(ctx context.Context, _ gateState) (engine.Outputs, error) { return check(ctx) },
			OnUpdate: func(ctx context.Context, _ gateState, _ engine.Observed) (engine.Outputs, error) { return check(ctx) },
			OnDelete: func(context.Context, engine.Observed) error { return nil },
		}
	}
	var childGates []engine.Key
	for _, h := range children {
		b.add(gate(h, false, []engine.Key{keyXOVM(h), keyXOVM(parent)}))
		childGates = append(childGates, keyNetdataGate(h))
	}
	b.add(gate(parent, true, append([]engine.Key{keyXOVM(parent)}, childGates...)))
	return nil
}
