package blueprint

import (
	"context"
	"fmt"
	"slices"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/xo"
)

// ── networks ───────────────────────────────────────────────────────────────────────────

type xoNetworkState struct {
	VLAN   int    `json:"vlan"`
	Marker string `json:"marker"`
	// Name is the label on XO; shown, not diffed (the identity is pool, PIF device, VLAN).
	Name string `json:"-"`
	pool string
	pif  string
}

func (b *build) xoNetwork(v VLAN) {
	c := b.conns.XO
	host := keyXOHost(b.site.Host.Name)
	pool := engine.Output[string](host, "pool")
	pif := engine.Output[string](host, "pif")
	b.add(&engine.Func[xoNetworkState]{
		ID:       keyXONetwork(v.Name),
		Uses:     []engine.Reference{pool, pif},
		Provides: []string{"id"},
		Duration: estimates[appXO],
		WantFn: func(in engine.Inputs) xoNetworkState {
			return xoNetworkState{VLAN: v.ID, Marker: b.marker, Name: v.Name, pool: pool.Get(in), pif: pif.Get(in)}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			n, ok, err := b.xoFindNetwork(ctx, r, v.ID)
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			managed := slices.Contains(n.Tags, b.marker)
			st := xoNetworkState{VLAN: v.ID, Name: n.NameLabel}
			if managed {
				st.Marker = b.marker
			}
			return engine.Found(st, managed, engine.Outputs{"id": n.ID}), nil
		},
		OnCreate: func(ctx context.Context, w xoNetworkState) (engine.Outputs, error) {
			n, created, err := c.Networks.Ensure(ctx, xo.NetworkCreateRequest{Pool: w.pool, Name: v.Name,
				Description: b.marker, PIF: w.pif, VLAN: v.ID, Tags: []string{b.marker}})
			if err != nil {
				return nil, describe(appXO, "network "+v.Name, rpcWriteErr(err))
			}
			if !created && !slices.Contains(n.Tags, b.marker) {
				if err := c.Networks.AddTag(ctx, n.ID, b.marker); err != nil {
					return nil, describe(appXO, "network "+v.Name, err)
				}
			}
			return engine.Outputs{"id": n.ID}, nil
		},
		OnUpdate: func(ctx context.Context, _ xoNetworkState, cur engine.Observed) (engine.Outputs, error) {
			id, _ := cur.Outputs["id"].(string)
			return nil, describe(appXO, "network "+v.Name, c.Networks.AddTag(ctx, id, b.marker))
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			id, _ := cur.Outputs["id"].(string)
			if !cur.Managed {
				return fmt.Errorf("xo network %s: not managed by %s, kept", v.Name, b.site.Name)
			}
			return deleted(appXO, "network "+v.Name, c.Networks.Delete(ctx, id))
		},
	})
}

// xoFindNetwork finds the network of VLAN id on the main host's NIC: the network of the
// VLAN PIF with the same pool, device and tag.
func (b *build) xoFindNetwork(ctx context.Context, r *engine.Reader, vlan int) (xo.Network, bool, error) {
	c := b.conns.XO
	h, ok, err := b.xoFindHost(ctx, r, b.site.Host.Name)
	if err != nil || !ok || h.PIFDevice == "" {
		return xo.Network{}, false, err
	}
	pifs, err := xoList(ctx, b, r, xoCollPIFs, c.PIFs.List)
	if err != nil {
		return xo.Network{}, false, err
	}
	nets, err := xoList(ctx, b, r, xoCollNets, c.Networks.List)
	if err != nil {
		return xo.Network{}, false, err
	}
	for _, p := range pifs {
		if p.Pool == h.Pool && p.Device == h.PIFDevice && int(p.VLAN) == vlan && p.Network != "" {
			for _, n := range nets {
				if n.ID == p.Network {
					return n, true, nil
				}
			}
		}
	}
	return xo.Network{}, false, nil
}
