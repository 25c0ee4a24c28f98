package blueprint

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/fortigate"
)

// Unmanaged is an object on an appliance that does not carry the site's marker but
// touches the site: it can break the site's promises (a hand-added policy letting the
// guests reach the servers) or block its destroy (a policy using one of its addresses).
type Unmanaged struct {
	Appliance string `json:"appliance"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	// Touches lists the site's VLANs the object concerns.
	Touches []string `json:"touches,omitempty"`
	// References lists the site's managed objects the object uses.
	References []string `json:"references,omitempty"`
	// Detail says what the object does, in one line.
	Detail string `json:"detail"`
}

// String renders the object as "fortigate/policy/<name>: <detail>".
func (u Unmanaged) String() string {
	return fmt.Sprintf("%s/%s/%s: %s", u.Appliance, u.Kind, u.Name, u.Detail)
}

// fgUnmanaged registers the reading of the FortiGate objects sitekit did not create:
// policies whose interfaces are site VLANs (or "any"), VIPs mapping into a VLAN, addresses
// inside a VLAN (drift: Plan.Unmanaged), and any of them referencing a managed object
// (destroy blockers: Plan.Blockers). It reads only collections the resources read anyway.
func (b *build) fgUnmanaged(addrs *obj[fortigate.Address], grps *obj[fortigate.AddressGroup], svcs *obj[fortigate.Service],
	vips *obj[fortigate.VIP], pols *obj[fortigate.Policy]) {
	site := b.site
	list := func(ctx context.Context, r *engine.Reader) (as []fortigate.Address, gs []fortigate.AddressGroup, ss []fortigate.Service,
		vs []fortigate.VIP, ps []fortigate.Policy, err error) {
		if as, err = listObj(ctx, r, addrs); err != nil {
			return
		}
		if gs, err = listObj(ctx, r, grps); err != nil {
			return
		}
		if ss, err = listObj(ctx, r, svcs); err != nil {
			return
		}
		if vs, err = listObj(ctx, r, vips); err != nil {
			return
		}
		ps, err = listObj(ctx, r, pols)
		return
	}
	b.g.AddLister(appFortiGate, "unmanaged", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		as, gs, ss, vs, ps, err := list(ctx, r)
		if err != nil {
			return nil, err
		}
		marked := func(text string) bool { return hasMarker(text, site.Name) }
		managed := map[string]bool{}
		for _, a := range as {
			managed[a.Name] = managed[a.Name] || marked(a.Comment)
		}
		for _, g := range gs {
			managed[g.Name] = managed[g.Name] || marked(g.Comment)
		}
		for _, s := range ss {
			managed[s.Name] = managed[s.Name] || marked(s.Comment)
		}
		for _, v := range vs {
			managed[v.Name] = managed[v.Name] || marked(v.Comment)
		}
		vlanOf := func(intf string) []string {
			if intf == "any" {
				return vlanNames(site)
			}
			if _, ok := site.Network.VLAN(intf); ok {
				return []string{intf}
			}
			return nil
		}
		vlanOfAddr := func(p netip.Prefix) []string {
			var out []string
			for _, v := range site.Network.VLANs {
				if p.IsValid() && p.Bits() >= v.Subnet.Bits() && v.Subnet.Contains(p.Addr()) {
					out = append(out, v.Name)
				}
			}
			return out
		}
		refsOf := func(refs ...[]fortigate.Ref) []string {
			var out []string
			for _, r := range slices.Concat(refs...) {
				if managed[r.Name] && !slices.Contains(out, r.Name) {
					out = append(out, r.Name)
				}
			}
			return out
		}
		var found, blocking []Unmanaged
		note := func(u Unmanaged) {
			if len(u.Touches) > 0 {
				found = append(found, u)
			}
			if len(u.References) > 0 {
				blocking = append(blocking, u)
			}
		}
		for _, p := range ps {
			if marked(p.Comments) {
				continue
			}
			var touches []string
			for _, i := range slices.Concat(p.SrcIntf, p.DstIntf) {
				for _, v := range vlanOf(i.Name) {
					if !slices.Contains(touches, v) {
						touches = append(touches, v)
					}
				}
			}
			u := Unmanaged{Appliance: appFortiGate, Kind: "policy", Name: p.Name, Touches: touches,
				References: refsOf(p.SrcAddr, p.DstAddr, p.Service)}
			action := p.Action
			if action == "" {
				action = "accept"
			}
			u.Detail = fmt.Sprintf("unmanaged policy %d %q: %s %s → %s (%s → %s, service %s)", p.PolicyID, p.Name, action,
				strings.Join(fortigate.RefNames(p.SrcIntf), ","), strings.Join(fortigate.RefNames(p.DstIntf), ","),
				strings.Join(fortigate.RefNames(p.SrcAddr), ","), strings.Join(fortigate.RefNames(p.DstAddr), ","),
				strings.Join(fortigate.RefNames(p.Service), ","))
			if len(u.References) > 0 {
				u.Detail += "; uses the site's " + strings.Join(u.References, ", ")
			}
			note(u)
		}
		for _, v := range vs {
			if marked(v.Comment) {
				continue
			}
			var touches []string
			for _, m := range v.MappedIP {
				ip, err := netip.ParseAddr(strings.SplitN(m.Range, "-", 2)[0])
				if err == nil {
					touches = append(touches, vlanOfAddr(netip.PrefixFrom(ip, 32))...)
				}
			}
			var mapped []string
			for _, m := range v.MappedIP {
				mapped = append(mapped, m.Range)
			}
			note(Unmanaged{Appliance: appFortiGate, Kind: "vip", Name: v.Name, Touches: slices.Compact(touches),
				Detail: fmt.Sprintf("unmanaged VIP %q publishes %s:%s to %s", v.Name, v.ExtIP, v.ExtPort, strings.Join(mapped, ","))})
		}
		for _, a := range as {
			if marked(a.Comment) || a.Type != "ipmask" || !a.Subnet.IsValid() {
				continue
			}
			note(Unmanaged{Appliance: appFortiGate, Kind: "address", Name: a.Name, Touches: vlanOfAddr(a.Subnet.Masked()),
				Detail: fmt.Sprintf("unmanaged address %q is %s", a.Name, a.Subnet.Prefix)})
		}
		for _, g := range gs {
			if marked(g.Comment) {
				continue
			}
			if refs := refsOf(g.Member); len(refs) > 0 {
				note(Unmanaged{Appliance: appFortiGate, Kind: "address-group", Name: g.Name, References: refs,
					Detail: fmt.Sprintf("unmanaged address group %q has the site's %s as members", g.Name, strings.Join(refs, ", "))})
			}
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		b.unmanaged, b.blockers = found, blocking
		if !b.destroy {
			b.blockers = nil
		}
		return nil, nil
	})
}

// listObj lists o's collection through the plan's shared reader.
func listObj[T any](ctx context.Context, r *engine.Reader, o *obj[T]) ([]T, error) {
	return engine.ListAs(ctx, r, o.app, o.collection, func(ctx context.Context) ([]T, error) {
		v, err := o.list(ctx)
		return v, classify(err)
	})
}
