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

// The health gate waits up to gateWait for a host to become healthy, checking every
// gateInterval.
var (
	gateWait     = 10 * time.Minute
	gateInterval = 5 * time.Second
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
		check := func(ctx context.Context) (engine.Outputs, error) {
			c, opts := nd.Host(host), netdata.HealthOptions{}
			if isParent {
				c, opts.ExpectChildren = nd, children
			}
			// A VM just created takes minutes to boot, install Netdata and stream: wait.
			wctx, cancel := context.WithTimeout(ctx, gateWait)
			defer cancel()
			rep, err := c.WaitHealthy(wctx, opts, gateInterval)
			switch {
			case err != nil && rep != nil:
				// Not the engine's deadline: the gate's own wait ran out (not retried).
				return nil, fmt.Errorf("netdata gate %s: unhealthy after %s: %s", host, gateWait, strings.Join(rep.Problems, "; "))
			case err != nil:
				return nil, fmt.Errorf("netdata gate %s: %s", host, strings.ReplaceAll(err.Error(), context.DeadlineExceeded.Error(), "timed out"))
			}
			return engine.Outputs{}, nil
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
