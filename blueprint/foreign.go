package blueprint

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
)

// Foreign is an object on an appliance that the site does not manage (it carries no marker
// of the site) but that touches the site: a FortiGate policy from or to one of its VLANs, a
// VIP mapping to an address in one, an address inside one. Drift in the blueprint's own
// objects shows in the plan; Foreign objects are what the plan cannot show.
type Foreign struct {
	// Appliance and Kind say what the object is ("fortigate", "policy" | "vip" | "address").
	Appliance string `json:"appliance"`
	Kind      string `json:"kind"`
	// Name is the object's name (for a policy without a name, "#<policy id>").
	Name string `json:"name"`
	// Zones are the site's zones the object touches (VLAN names, "internet").
	Zones []string `json:"zones"`
	// Opens lists, for a policy, the flows it allows that the site's VLAN matrix forbids,
	// as "from→to service→destination". A policy that opens any breaks the site's isolation.
	Opens []string `json:"opens,omitempty"`
}

// String names the object, the zones it touches and the forbidden flows it opens.
func (f Foreign) String() string {
	s := fmt.Sprintf("%s %s %q (%s)", f.Appliance, f.Kind, f.Name, strings.Join(f.Zones, ", "))
	if len(f.Opens) > 0 {
		s += " opens " + strings.Join(f.Opens, "; ")
	}
	return s
}

// Foreign lists the objects on the connected FortiGate that touch the site's VLANs without
// carrying its marker, policies first (in evaluation order), then VIPs, then addresses. It
// reads only. Without a FortiGate connection it returns nothing.
func (bp *Blueprint) Foreign(ctx context.Context, conns Connections) ([]Foreign, error) {
	fgt := conns.FortiGate
	if fgt == nil {
		return nil, nil
	}
	s := bp.site
	managed := func(text string) bool {
		site, ok := sitekit.ParseMarker(text)
		return ok && site == s.Name
	}
	zoneOfIntf := func(intf string) []string {
		switch {
		case intf == "any":
			return append([]string{zoneInternet}, vlanNames(s)...)
		case intf == s.Network.WAN:
			return []string{zoneInternet}
		}
		if _, ok := s.Network.VLAN(intf); ok {
			return []string{intf}
		}
		return nil
	}
	zoneOfAddr := func(a netip.Addr) string {
		for _, v := range s.Network.VLANs {
			if v.Subnet.Contains(a) {
				return v.Name
			}
		}
		return ""
	}
	var out []Foreign

	pols, err := fgt.Policies.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read FortiGate policies: %w", err)
	}
	intended := bp.intendedFlows()
	for _, p := range pols {
		if managed(p.Comments) || p.Status == "disable" {
			continue
		}
		var zones []string
		touchesVLAN := false
		for _, r := range append(slices.Clone(p.SrcIntf), p.DstIntf...) {
			for _, z := range zoneOfIntf(r.Name) {
				touchesVLAN = touchesVLAN || z != zoneInternet
				if !slices.Contains(zones, z) {
					zones = append(zones, z)
				}
			}
		}
		if !touchesVLAN {
			continue
		}
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("#%d", p.PolicyID)
		}
		f := Foreign{Appliance: appFortiGate, Kind: "policy", Name: name, Zones: zones}
		if p.Action != "deny" {
			flows := actualFlows(s, []fortigate.Policy{p})
			for _, k := range slices.Sorted(maps.Keys(flows)) {
				for _, flow := range flows[k] {
					if !slices.Contains(intended[k], flow) {
						f.Opens = append(f.Opens, k+" "+flow)
					}
				}
			}
		}
		out = append(out, f)
	}

	vips, err := fgt.VIPs.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read FortiGate VIPs: %w", err)
	}
	for _, v := range vips {
		if managed(v.Comment) {
			continue
		}
		var zones []string
		for _, m := range v.MappedIP {
			first, _, _ := strings.Cut(m.Range, "-")
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				if z := zoneOfAddr(a); z != "" && !slices.Contains(zones, z) {
					zones = append(zones, z)
				}
			}
		}
		if len(zones) > 0 {
			out = append(out, Foreign{Appliance: appFortiGate, Kind: "vip", Name: v.Name, Zones: append([]string{zoneInternet}, zones...)})
		}
	}

	addrs, err := fgt.Addresses.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read FortiGate addresses: %w", err)
	}
	for _, a := range addrs {
		if managed(a.Comment) {
			continue
		}
		var zones []string
		if _, ok := s.Network.VLAN(a.AssociatedInterface); ok {
			zones = append(zones, a.AssociatedInterface)
		}
		if !a.Subnet.IsZero() && a.Subnet.Masked().Bits() > 0 {
			for _, v := range s.Network.VLANs {
				if v.Subnet.Overlaps(a.Subnet.Masked()) && !slices.Contains(zones, v.Name) {
					zones = append(zones, v.Name)
				}
			}
		}
		if len(zones) > 0 {
			out = append(out, Foreign{Appliance: appFortiGate, Kind: "address", Name: a.Name, Zones: zones})
		}
	}
	return out, nil
}
