package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sitekit/sitekit/blueprint/engine"
)

// appliance is an in-memory stand-in for an appliance API: objects by
// collection and name.
type appliance struct {
	mu   sync.Mutex
	objs map[string]map[string]string // collection → name → value
}

func (a *appliance) list(collection string) map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]string{}
	for k, v := range a.objs[collection] {
		out[k] = v
	}
	return out
}

func (a *appliance) put(collection, name, value string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.objs[collection] == nil {
		a.objs[collection] = map[string]string{}
	}
	a.objs[collection][name] = value
}

// Example plans and applies three resources on two appliances: a VLAN, a
// VM attached to it (its network id flows through a typed reference) and a
// firewall VIP pointing at the VM's address.
func Example() {
	ctx := context.Background()
	fw, xo := &appliance{objs: map[string]map[string]string{}}, &appliance{objs: map[string]map[string]string{}}

	// obj builds a resource whose state is a string stored in one collection.
	obj := func(a *appliance, k engine.Key, uses []engine.Reference, want func(engine.Inputs) string) *engine.Func[string] {
		return &engine.Func[string]{
			ID: k, Uses: uses, WantFn: want, Provides: []string{"id"},
			OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
				all, err := engine.ListAs(ctx, r, k.Appliance, k.Kind, func(context.Context) (map[string]string, error) {
					return a.list(k.Kind), nil
				})
				if v, ok := all[k.Name]; ok {
					return engine.Found(v, true, engine.Outputs{"id": k.Name + "-id"}), err
				}
				return engine.NotFound(), err
			},
			OnCreate: func(ctx context.Context, want string) (engine.Outputs, error) {
				a.put(k.Kind, k.Name, want)
				return engine.Outputs{"id": k.Name + "-id"}, nil
			},
			OnUpdate: func(ctx context.Context, want string, _ engine.Observed) (engine.Outputs, error) {
				a.put(k.Kind, k.Name, want)
				return nil, nil
			},
		}
	}

	vlanKey, vmKey, vipKey := engine.K("fortigate", "vlan", "servers"), engine.K("xo", "vm", "web"), engine.K("fortigate", "vip", "web")
	netID := engine.Output[string](vlanKey, "id")
	vmID := engine.Output[string](vmKey, "id")
	g := engine.NewGraph()
	g.Add(
		obj(fw, vlanKey, nil, func(engine.Inputs) string { return "vlan 20" }),
		obj(xo, vmKey, []engine.Reference{netID}, func(in engine.Inputs) string { return "vm on " + netID.Get(in) }),
		obj(fw, vipKey, []engine.Reference{vmID}, func(in engine.Inputs) string { return "vip to " + vmID.Get(in) }),
	)

	plan, err := g.Plan(ctx, engine.WithSite("pessac"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan)
	res, err := plan.Apply(ctx)
	fmt.Println(res.Summary.Done, "done, err:", err)
	fmt.Println(fw.list("vip")["web"])

	again, _ := g.Plan(ctx, engine.WithSite("pessac"))
	fmt.Print(again)
	// Output:
	// + fortigate/vlan/servers
	// + xo/vm/web
	// + fortigate/vip/web
	// Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged.
	// 3 done, err: <nil>
	// vip to web-id
	// Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged.
}

// The scheduler alone: a VLAN before two VMs, one write at a time on the firewall and two on
// XO. Each call to Next returns what may start now.
func ExampleScheduler() {
	steps := []*engine.Step{
		{ID: "fw/vlan/lan", Key: engine.K("fw", "vlan", "lan"), Action: engine.ActionCreate, Estimate: time.Second},
		{ID: "xo/vm/a", Key: engine.K("xo", "vm", "a"), Action: engine.ActionCreate, Estimate: 10 * time.Second, Deps: []string{"fw/vlan/lan"}},
		{ID: "xo/vm/b", Key: engine.K("xo", "vm", "b"), Action: engine.ActionCreate, Estimate: 5 * time.Second, Deps: []string{"fw/vlan/lan"}},
	}
	s, err := engine.NewScheduler(steps, engine.Limits{Parallelism: 4, Appliances: map[string]int{"xo": 2}}, false)
	if err != nil {
		panic(err)
	}
	show := func(is []int) {
		var ids []string
		for _, i := range is {
			ids = append(ids, steps[i].ID)
		}
		fmt.Println(strings.Join(ids, " "))
	}
	show(s.Next())
	_ = s.Done(0)
	show(s.Next())
	// Output:
	// fw/vlan/lan
	// xo/vm/a xo/vm/b
}
