package blueprint

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/fortigate"
)

// FortiOS factory objects the policies use (present on every FortiGate).
const (
	fgAll       = "all" // firewall/address
	fgAny       = "ALL" // firewall.service/custom
	fgSchedule  = "always"
	fgPolicyMax = 35 // policy name length
)

// fgNames are the names of the site's FortiGate objects, derived from the site only, so
// the compliance checks and the report find them without a graph.
type fgNames struct{ site string }

func (n fgNames) net(vlan string) string    { return n.site + "-" + vlan + "-net" }
func (n fgNames) host(vm string) string     { return n.site + "-vm-" + vm }
func (n fgNames) users() string             { return n.site + "-users" }
func (n fgNames) erpService() string        { return n.site + "-erp" }
func (n fgNames) adminService() string      { return n.site + "-admin" }
func (n fgNames) httpsService() string      { return n.site + "-https" }
func (n fgNames) netdataService() string    { return n.site + "-netdata" }
func (n fgNames) webVIP() string            { return n.site + "-vip-web" }
func (n fgNames) ztnaVIP() string           { return n.site + "-vip-ztna" }
func (n fgNames) ztnaTag() string           { return n.site + "-compliant" }
func (n fgNames) emsConnector() string      { return n.site + "-ems" }
func (n fgNames) policy(what string) string { return shortName(fgPolicyMax, n.site, what) }

func (b *build) fgObjects() (ifs *obj[fortigate.Interface], dhcp *obj[fortigate.DHCPServer], addrs *obj[fortigate.Address],
	grps *obj[fortigate.AddressGroup], svcs *obj[fortigate.Service], vips *obj[fortigate.VIP], pols *obj[fortigate.Policy]) {
	fgt := b.conns.FortiGate
	site := b.site.Name
	comment := func(text string) bool { return hasMarker(text, site) }
	ifs = &obj[fortigate.Interface]{app: appFortiGate, kind: "interface", collection: "system/interface",
		list: func(ctx context.Context) ([]fortigate.Interface, error) { return fgt.Interfaces.List(ctx, nil) },
		name: func(i fortigate.Interface) string { return i.Name },
		managed: func(_ context.Context, _ *engine.Reader, i fortigate.Interface) (bool, error) {
			return i.Type == "vlan" && comment(i.Description), nil
		},
		outputs: func(i fortigate.Interface) engine.Outputs { return engine.Outputs{"name": i.Name} },
		diff: func(w, c fortigate.Interface) []string {
			d := engine.DiffJSON(w, c)
			if i := slices.Index(d, "allowaccess"); i >= 0 && w.AllowAccess.Equal(c.AllowAccess) {
				d = slices.Delete(d, i, i+1)
			}
			return d
		},
		create: func(ctx context.Context, w fortigate.Interface) (engine.Outputs, error) {
			_, err := fgt.Interfaces.Create(ctx, w)
			return engine.Outputs{"name": w.Name}, err
		},
		update: func(ctx context.Context, w, c fortigate.Interface) (engine.Outputs, error) {
			if c.Type != "vlan" {
				return nil, fmt.Errorf("interface %s exists and is a %s interface, not a VLAN: rename the site's VLAN", w.Name, c.Type)
			}
			if c.VLANID != w.VLANID || c.Interface != w.Interface {
				return nil, fmt.Errorf("interface %s is VLAN %d on %s, the site wants VLAN %d on %s: FortiOS cannot change them, delete the interface first",
					w.Name, c.VLANID, c.Interface, w.VLANID, w.Interface)
			}
			return engine.Outputs{"name": w.Name}, errOnly(fgt.Interfaces.Update(ctx, w.Name, w))
		},
		del:     func(ctx context.Context, c fortigate.Interface) error { return fgt.Interfaces.Delete(ctx, c.Name) },
		provide: []string{"name"},
	}
	dhcp = &obj[fortigate.DHCPServer]{app: appFortiGate, kind: "dhcp-server", collection: "system.dhcp/server",
		list: func(ctx context.Context) ([]fortigate.DHCPServer, error) { return fgt.DHCPServers.List(ctx, nil) },
		name: func(d fortigate.DHCPServer) string { return d.Interface },
		// A DHCP server has no comment field: it is managed when its interface is.
		managed: func(ctx context.Context, r *engine.Reader, d fortigate.DHCPServer) (bool, error) {
			i, ok, err := ifs.find(ctx, r, d.Interface)
			if err != nil || !ok {
				return false, err
			}
			return ifs.managed(ctx, r, i)
		},
		norm: func(d fortigate.DHCPServer) fortigate.DHCPServer {
			d.ID = 0
			d.IPRange = slices.Clone(d.IPRange)
			for i := range d.IPRange {
				d.IPRange[i].ID = 0
			}
			return d
		},
		create: func(ctx context.Context, w fortigate.DHCPServer) (engine.Outputs, error) {
			_, err := fgt.DHCPServers.Create(ctx, w)
			return nil, err
		},
		update: func(ctx context.Context, w, c fortigate.DHCPServer) (engine.Outputs, error) {
			return nil, errOnly(fgt.DHCPServers.Update(ctx, c.ID, w))
		},
		del: func(ctx context.Context, c fortigate.DHCPServer) error { return fgt.DHCPServers.Delete(ctx, c.ID) },
	}
	addrs = &obj[fortigate.Address]{app: appFortiGate, kind: "address", collection: "firewall/address",
		list: func(ctx context.Context) ([]fortigate.Address, error) { return fgt.Addresses.List(ctx, nil) },
		name: func(a fortigate.Address) string { return a.Name },
		managed: func(_ context.Context, _ *engine.Reader, a fortigate.Address) (bool, error) {
			return comment(a.Comment), nil
		},
		norm: func(a fortigate.Address) fortigate.Address { a.UUID = ""; return a },
		create: func(ctx context.Context, w fortigate.Address) (engine.Outputs, error) {
			_, err := fgt.Addresses.Create(ctx, w)
			return nil, err
		},
		update: func(ctx context.Context, w, _ fortigate.Address) (engine.Outputs, error) {
			return nil, errOnly(fgt.Addresses.Update(ctx, w.Name, w))
		},
		del: func(ctx context.Context, c fortigate.Address) error { return fgt.Addresses.Delete(ctx, c.Name) },
	}
	grps = &obj[fortigate.AddressGroup]{app: appFortiGate, kind: "address-group", collection: "firewall/addrgrp",
		list: func(ctx context.Context) ([]fortigate.AddressGroup, error) { return fgt.AddressGroups.List(ctx, nil) },
		name: func(a fortigate.AddressGroup) string { return a.Name },
		managed: func(_ context.Context, _ *engine.Reader, a fortigate.AddressGroup) (bool, error) {
			return comment(a.Comment), nil
		},
		norm: func(a fortigate.AddressGroup) fortigate.AddressGroup { a.UUID = ""; return a },
		create: func(ctx context.Context, w fortigate.AddressGroup) (engine.Outputs, error) {
			_, err := fgt.AddressGroups.Create(ctx, w)
			return nil, err
		},
		update: func(ctx context.Context, w, _ fortigate.AddressGroup) (engine.Outputs, error) {
			return nil, errOnly(fgt.AddressGroups.Update(ctx, w.Name, w))
		},
		del: func(ctx context.Context, c fortigate.AddressGroup) error {
			return fgt.AddressGroups.Delete(ctx, c.Name)
		},
	}
	svcs = &obj[fortigate.Service]{app: appFortiGate, kind: "service", collection: "firewall.service/custom",
		list: func(ctx context.Context) ([]fortigate.Service, error) { return fgt.Services.List(ctx, nil) },
		name: func(s fortigate.Service) string { return s.Name },
		managed: func(_ context.Context, _ *engine.Reader, s fortigate.Service) (bool, error) {
			return comment(s.Comment), nil
		},
		create: func(ctx context.Context, w fortigate.Service) (engine.Outputs, error) {
			_, err := fgt.Services.Create(ctx, w)
			return nil, err
		},
		update: func(ctx context.Context, w, _ fortigate.Service) (engine.Outputs, error) {
			return nil, errOnly(fgt.Services.Update(ctx, w.Name, w))
		},
		del: func(ctx context.Context, c fortigate.Service) error { return fgt.Services.Delete(ctx, c.Name) },
	}
	vips = &obj[fortigate.VIP]{app: appFortiGate, kind: "vip", collection: "firewall/vip",
		list: func(ctx context.Context) ([]fortigate.VIP, error) { return fgt.VIPs.List(ctx, nil) },
		name: func(v fortigate.VIP) string { return v.Name },
		managed: func(_ context.Context, _ *engine.Reader, v fortigate.VIP) (bool, error) {
			return comment(v.Comment), nil
		},
		norm:    func(v fortigate.VIP) fortigate.VIP { v.UUID, v.ID = "", 0; return v },
		outputs: func(v fortigate.VIP) engine.Outputs { return engine.Outputs{"name": v.Name} },
		create: func(ctx context.Context, w fortigate.VIP) (engine.Outputs, error) {
			_, err := fgt.VIPs.Create(ctx, w)
			return engine.Outputs{"name": w.Name}, err
		},
		update: func(ctx context.Context, w, _ fortigate.VIP) (engine.Outputs, error) {
			return engine.Outputs{"name": w.Name}, errOnly(fgt.VIPs.Update(ctx, w.Name, w))
		},
		del:     func(ctx context.Context, c fortigate.VIP) error { return fgt.VIPs.Delete(ctx, c.Name) },
		provide: []string{"name"},
	}
	pols = &obj[fortigate.Policy]{app: appFortiGate, kind: "policy", collection: "firewall/policy",
		list: func(ctx context.Context) ([]fortigate.Policy, error) { return fgt.Policies.List(ctx, nil) },
		name: func(p fortigate.Policy) string { return p.Name },
		managed: func(_ context.Context, _ *engine.Reader, p fortigate.Policy) (bool, error) {
			return comment(p.Comments), nil
		},
		norm: func(p fortigate.Policy) fortigate.Policy { p.PolicyID, p.UUID = 0, ""; return p },
		diff: func(w, c fortigate.Policy) []string {
			// Reference lists are sets on FortiOS.
			d := engine.DiffJSON(w, c)
			return slices.DeleteFunc(d, func(f string) bool {
				pairs := map[string][2][]fortigate.Ref{"srcintf": {w.SrcIntf, c.SrcIntf}, "dstintf": {w.DstIntf, c.DstIntf},
					"srcaddr": {w.SrcAddr, c.SrcAddr}, "dstaddr": {w.DstAddr, c.DstAddr}, "service": {w.Service, c.Service},
					"ztna-ems-tag": {w.ZTNAEMSTag, c.ZTNAEMSTag}}
				p, ok := pairs[f]
				return ok && sameNames(p[0], p[1])
			})
		},
		create: func(ctx context.Context, w fortigate.Policy) (engine.Outputs, error) {
			_, err := fgt.Policies.Create(ctx, w)
			return nil, err
		},
		update: func(ctx context.Context, w, c fortigate.Policy) (engine.Outputs, error) {
			return nil, errOnly(fgt.Policies.Update(ctx, c.PolicyID, w))
		},
		del: func(ctx context.Context, c fortigate.Policy) error { return fgt.Policies.Delete(ctx, c.PolicyID) },
	}
	return
}

func sameNames(a, b []fortigate.Ref) bool {
	x, y := fortigate.RefNames(a), fortigate.RefNames(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// fortigate adds the FortiGate resources: VLAN sub-interfaces on the internal
// port, DHCP servers on user and guest VLANs, address objects and groups, services, the
// web server's VIP, ordered policies, the EMS connector and ZTNA access to the ERP.
func (b *build) fortigate() error {
	s := b.site
	n := fgNames{s.Name}
	m := b.marker
	ifs, dhcp, addrs, grps, svcs, vips, pols := b.fgObjects()

	// VLAN sub-interfaces and DHCP servers; a VLAN overlapping a factory port address waits
	// for that address to be released.
	release := b.fgReleaseFactoryPorts(ifs)
	for _, v := range s.Network.VLANs {
		access := fortigate.Options{"ping"}
		role := "lan"
		switch v.Role {
		case RoleMgmt:
			access = fortigate.Options{"ping", "https", "ssh"}
		case RoleDMZ:
			role = "dmz"
		}
		want := fortigate.Interface{Name: v.Name, VDOM: "root", Type: "vlan", Interface: s.Network.Port, VLANID: v.ID, Mode: "static",
			IP: fortigate.IPMask{Prefix: netip.PrefixFrom(v.Gateway, v.Subnet.Bits())}, AllowAccess: access, Role: role,
			Alias: string(v.Role), Description: m}
		r := ifs.resource(b, v.Name, want, nil, nil, release[v.Name]...)
		observe := r.OnObserve
		r.OnObserve = func(ctx context.Context, rd *engine.Reader) (engine.Observed, error) {
			ob, err := observe(ctx, rd)
			if err == nil {
				b.fgCheckOverlap(ctx, rd, ifs, v)
			}
			return ob, err
		}
		b.add(r)
		if v.DHCPSize() > 0 {
			lease := 86400
			if v.Role == RoleGuests {
				lease = 3600
			}
			d := fortigate.DHCPServer{Status: "enable", Interface: v.Name, LeaseTime: lease, DefaultGateway: v.Gateway.String(),
				Netmask: prefixMask(v.Subnet), ServerType: "regular",
				IPRange: []fortigate.DHCPRange{{StartIP: v.DHCPStart.String(), EndIP: v.DHCPEnd.String()}}}
			if len(s.Network.DNS) > 0 && v.Role != RoleGuests {
				d.DNSService, d.DNSServer1 = "specify", s.Network.DNS[0].String()
			} else {
				d.DNSService = "default"
			}
			b.add(dhcp.resource(b, v.Name, d, nil, nil, keyFGInterface(v.Name)))
		}
	}

	// Addresses: one per VLAN subnet, one per VM.
	addrKey := func(name string) engine.Key { return engine.K(appFortiGate, "address", name) }
	for _, v := range s.Network.VLANs {
		a := fortigate.Address{Name: n.net(v.Name), Type: "ipmask", Subnet: fortigate.IPMask{Prefix: v.Subnet}, Comment: m}
		b.add(addrs.resource(b, a.Name, a, nil, nil))
	}
	for _, vm := range s.VMs {
		a := fortigate.Address{Name: n.host(vm.Name), Type: "ipmask", Subnet: fortigate.IPMask{Prefix: netip.PrefixFrom(vm.IP, 32)}, Comment: m}
		b.add(addrs.resource(b, a.Name, a, nil, nil))
	}
	users := s.Network.ByRole(RoleUsers)
	var userNets []string
	var userKeys []engine.Key
	for _, v := range users {
		userNets = append(userNets, n.net(v.Name))
		userKeys = append(userKeys, addrKey(n.net(v.Name)))
	}
	grpKey := engine.K(appFortiGate, "address-group", n.users())
	b.add(grps.resource(b, n.users(), fortigate.AddressGroup{Name: n.users(), Member: fortigate.Refs(userNets...), Comment: m}, nil, nil, userKeys...))

	// Services.
	svcKey := func(name string) engine.Key { return engine.K(appFortiGate, "service", name) }
	erp, hasERP := s.VMByRole(VMRoleERP)
	erpPorts := servicePorts(erp.Ports, 3389, 22)
	service := func(name, ports string) {
		b.add(svcs.resource(b, name, fortigate.Service{Name: name, Protocol: "TCP/UDP/UDP-Lite/SCTP", TCPPortRange: ports, Comment: m}, nil, nil))
	}
	if hasERP && erpPorts != "" {
		service(n.erpService(), erpPorts)
	}
	service(n.adminService(), "22 443 3389")
	service(n.httpsService(), "443")
	service(n.netdataService(), "19999")

	// The web server's VIP (HTTPS only), mapped to the address the VM actually has.
	if web, ok := s.VMByRole(VMRoleWeb); ok && s.Network.PublicIP.IsValid() {
		ip := b.str(keyXOVM(web.Name), "ip", web.IP.String())
		wantVIP := func(in engine.Inputs) fortigate.VIP {
			return fortigate.VIP{Name: n.webVIP(), Type: "static-nat", ExtIntf: s.Network.WAN, ExtIP: s.Network.PublicIP.String(),
				MappedIP: []fortigate.VIPRange{{Range: ip.get(in)}}, PortForward: "enable", Protocol: "tcp", ExtPort: "443", MappedPort: "443", Comment: m}
		}
		b.add(vips.resource(b, n.webVIP(), fortigate.VIP{}, wantVIP, ip.uses()))
	}

	// Policies, in evaluation order (the table in fortigate_policies.go).
	var ztna func() *fortigate.Policy
	if b.feat.ZTNA && s.Teleworkers.Enabled && s.Network.PublicIP.IsValid() {
		ztna = func() *fortigate.Policy { return b.fgZTNA(addrs, vips) }
	}
	var defs []fgPolicySpec
	for _, spec := range b.fgPolicies(ztna) {
		p := spec.p
		p.Name = n.policy(spec.what)
		p.Comments = m
		if p.Action == "" {
			p.Action = "accept"
		}
		if p.Schedule == "" {
			p.Schedule = fgSchedule
		}
		if p.LogTraffic == "" {
			p.LogTraffic = "all"
		}
		if p.NAT == "" {
			p.NAT = "disable"
		}
		p.Status = "enable"
		var deps []engine.Key
		for _, r := range slices.Concat(p.SrcIntf, p.DstIntf) {
			if _, ok := s.Network.VLAN(r.Name); ok {
				deps = append(deps, keyFGInterface(r.Name))
			}
		}
		for _, r := range slices.Concat(p.SrcAddr, p.DstAddr) {
			switch {
			case r.Name == fgAll:
			case r.Name == n.users():
				deps = append(deps, grpKey)
			case r.Name == n.webVIP() || r.Name == n.ztnaVIP():
				deps = append(deps, engine.K(appFortiGate, "vip", r.Name))
			default:
				deps = append(deps, addrKey(r.Name))
			}
		}
		for _, r := range p.Service {
			if r.Name != fgAny {
				deps = append(deps, svcKey(r.Name))
			}
		}
		for _, r := range p.ZTNAEMSTag {
			deps = append(deps, addrKey(r.Name))
		}
		if p.ZTNAStatus == "enable" {
			deps = append(deps, engine.K(appFortiGate, "access-proxy", n.ztnaVIP()))
		}
		defs = append(defs, fgPolicySpec{spec.what, p})
		b.add(pols.resource(b, p.Name, p, nil, nil, deps...))
	}
	// Everything else: FortiOS's implicit deny (policy 0), logged by the site's policies above.

	b.fgPolicyOrder(pols, defs)
	if b.feat.EMS && s.Teleworkers.Enabled {
		b.fgEMSConnector()
	}
	for _, o := range []interface{ lister(*build) }{ifs, addrs, grps, svcs, vips, pols} {
		o.lister(b)
	}
	b.fgUnmanaged(addrs, grps, svcs, vips, pols)
	return nil
}

// factoryPorts are the addresses a FortiGate 80F ships with on its physical ports. FortiOS
// refuses overlapping interface subnets (-506), and the factory dmz address 10.10.10.1/24
// lies inside the mgmt VLAN of a 10.10.0.0/16 plan.
var factoryPorts = map[string]netip.Prefix{"dmz": netip.MustParsePrefix("10.10.10.1/24")}

// portAddress is the address of a physical port, "" when it has none.
type portAddress struct {
	Port string `json:"port"`
	IP   string `json:"ip"`
}

// fgReleaseFactoryPorts adds, for each factory port address that overlaps a VLAN of the
// site, a step that clears it (only while it is still the factory address: an address
// someone set by hand is reported, never touched). It returns, per VLAN name, the steps its
// interface must wait for. The step is not marked: destroy leaves the port alone.
func (b *build) fgReleaseFactoryPorts(ifs *obj[fortigate.Interface]) map[string][]engine.Key {
	out := map[string][]engine.Key{}
	ports := make([]string, 0, len(factoryPorts))
	for p := range factoryPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	for _, port := range ports {
		factory := factoryPorts[port]
		var overlapping []VLAN
		for _, v := range b.site.Network.VLANs {
			if v.Subnet.Overlaps(factory.Masked()) {
				overlapping = append(overlapping, v)
			}
		}
		if len(overlapping) == 0 {
			continue
		}
		key := engine.K(appFortiGate, "port-address", port)
		for _, v := range overlapping {
			out[v.Name] = append(out[v.Name], key)
		}
		fgt := b.conns.FortiGate
		b.add(&engine.Func[portAddress]{
			ID: key, Want: portAddress{Port: port}, Duration: estimates[appFortiGate],
			OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
				all, err := engine.ListAs(ctx, r, appFortiGate, ifs.collection, func(ctx context.Context) ([]fortigate.Interface, error) {
					l, err := ifs.list(ctx)
					return l, classify(err)
				})
				if err != nil {
					return engine.NotFound(), err
				}
				cur := portAddress{Port: port}
				for _, i := range all {
					if i.Name == port && i.IP.IsValid() && !i.IP.Addr().IsUnspecified() && i.IP.Masked().Overlaps(overlapping[0].Subnet) {
						cur.IP = i.IP.Prefix.String()
					}
				}
				return engine.Found(cur, false, nil), nil
			},
			OnUpdate: func(ctx context.Context, _ portAddress, cur engine.Observed) (engine.Outputs, error) {
				c, _ := engine.StateOf[portAddress](cur)
				if c.IP != factory.String() {
					return nil, fmt.Errorf("fortigate port %s has %s, overlapping VLAN %s (%s); it is not the factory address, so it is left alone: change it or the site's address plan",
						port, c.IP, overlapping[0].Name, overlapping[0].Subnet)
				}
				return nil, classify(fgt.Interfaces.Patch(ctx, port, map[string]any{"ip": "0.0.0.0 0.0.0.0"}))
			},
		})
	}
	return out
}

// fgCheckOverlap warns when another FortiGate interface already has an address in the
// VLAN's subnet: FortiOS refuses overlapping interface subnets (unless allow-subnet-overlap
// is enabled). A factory 80F has dmz at 10.10.10.1/24, inside the mgmt VLAN of a
// 10.10.0.0/16 plan. It reads the interface list the plan already holds.
func (b *build) fgCheckOverlap(ctx context.Context, r *engine.Reader, ifs *obj[fortigate.Interface], v VLAN) {
	all, err := engine.ListAs(ctx, r, appFortiGate, ifs.collection, func(ctx context.Context) ([]fortigate.Interface, error) {
		l, err := ifs.list(ctx)
		return l, classify(err)
	})
	if err != nil {
		return
	}
	for _, i := range all {
		if i.Name == v.Name || !i.IP.IsValid() || i.IP.Addr().IsUnspecified() || factoryPorts[i.Name] == i.IP.Prefix {
			continue // a factory address is released by fgReleaseFactoryPorts
		}
		if i.IP.Masked().Overlaps(v.Subnet) {
			b.warn("fortigate: interface %s (%s) overlaps VLAN %s (%s): FortiOS refuses overlapping subnets; clear that port's address or change the site's address plan",
				i.Name, i.IP.Prefix, v.Name, v.Subnet)
		}
	}
}

// fgZTNA adds the ZTNA objects (the EMS tag address, the access-proxy VIP, the access proxy
// forwarding to the teleworkers' services) and returns the policy allowing compliant
// endpoints through it.
func (b *build) fgZTNA(addrs *obj[fortigate.Address], vips *obj[fortigate.VIP]) *fortigate.Policy {
	s, n, m, fgt := b.site, fgNames{b.site.Name}, b.marker, b.conns.FortiGate
	tag := fortigate.Address{Name: n.ztnaTag(), Type: "dynamic", SubType: "ems-tag", Comment: m}
	b.add(addrs.resource(b, tag.Name, tag, nil, nil, b.after(keyEMSTag(emsNames{s.Name}.tag()))...))
	vip := fortigate.VIP{Name: n.ztnaVIP(), Type: "access-proxy", ExtIntf: s.Network.WAN, ExtIP: s.Network.PublicIP.String(),
		ExtPort: strconv.Itoa(s.Teleworkers.Port), Comment: m}
	b.add(vips.resource(b, vip.Name, vip, nil, nil))
	var gws []fortigate.AccessProxyGateway
	var dstIntf []string
	for _, name := range s.Teleworkers.Services {
		vm, _ := s.VM(name)
		port := 443
		if ps := servicePortList(vm.Ports, 3389, 22); len(ps) > 0 {
			port = ps[0]
		}
		gws = append(gws, fortigate.AccessProxyGateway{URLMap: "/" + vm.Name, Service: "tcp-forwarding",
			RealServers: []fortigate.AccessProxyRealServer{{AddrType: "ip", IP: vm.IP.String(), Port: port}}})
		if !slices.Contains(dstIntf, vm.VLAN) {
			dstIntf = append(dstIntf, vm.VLAN)
		}
	}
	ap := &obj[fortigate.AccessProxy]{app: appFortiGate, kind: "access-proxy", collection: "firewall/access-proxy",
		list: func(ctx context.Context) ([]fortigate.AccessProxy, error) { return fgt.AccessProxies.List(ctx, nil) },
		name: func(a fortigate.AccessProxy) string { return a.Name },
		// No comment field: managed when its VIP is.
		managed: func(ctx context.Context, r *engine.Reader, a fortigate.AccessProxy) (bool, error) {
			v, ok, err := vips.find(ctx, r, a.VIP)
			if err != nil || !ok {
				return false, err
			}
			return vips.managed(ctx, r, v)
		},
		norm: func(a fortigate.AccessProxy) fortigate.AccessProxy {
			a.APIGateway = slices.Clone(a.APIGateway)
			for i := range a.APIGateway {
				g := &a.APIGateway[i]
				g.ID = 0
				g.RealServers = slices.Clone(g.RealServers)
				for j := range g.RealServers {
					g.RealServers[j].ID = 0
				}
			}
			return a
		},
		create: func(ctx context.Context, w fortigate.AccessProxy) (engine.Outputs, error) {
			_, err := fgt.AccessProxies.Create(ctx, w)
			return nil, err
		},
		update: func(ctx context.Context, w, _ fortigate.AccessProxy) (engine.Outputs, error) {
			return nil, errOnly(fgt.AccessProxies.Update(ctx, w.Name, w))
		},
		del: func(ctx context.Context, c fortigate.AccessProxy) error { return fgt.AccessProxies.Delete(ctx, c.Name) },
	}
	b.add(ap.resource(b, n.ztnaVIP(), fortigate.AccessProxy{Name: n.ztnaVIP(), VIP: n.ztnaVIP(), APIGateway: gws}, nil, nil,
		keyFGVIP(s.Name, "ztna")))
	return &fortigate.Policy{SrcIntf: fortigate.Refs(s.Network.WAN), DstIntf: fortigate.Refs(dstIntf...),
		SrcAddr: fortigate.Refs(fgAll), DstAddr: fortigate.Refs(n.ztnaVIP()), Service: fortigate.Refs(fgAny),
		ZTNAStatus: "enable", ZTNAEMSTag: fortigate.Refs(n.ztnaTag())}
}

// policyOrder is the state of the policy-order resource: the site's policy names in
// evaluation order.
type policyOrder struct {
	Order []string `json:"order"`
}

// fgPolicyOrder adds the resource that keeps the site's policies in the intended relative
// order (FortiOS evaluates in table order; new policies are appended).
func (b *build) fgPolicyOrder(pols *obj[fortigate.Policy], defs []fgPolicySpec) {
	fgt := b.conns.FortiGate
	want := policyOrder{}
	var after []engine.Key
	for _, d := range defs {
		want.Order = append(want.Order, d.p.Name)
		after = append(after, engine.K(appFortiGate, "policy", d.p.Name))
	}
	current := func(all []fortigate.Policy) policyOrder {
		var o policyOrder
		for _, p := range all {
			if slices.Contains(want.Order, p.Name) {
				o.Order = append(o.Order, p.Name)
			}
		}
		return o
	}
	ensure := func(ctx context.Context, w policyOrder) (engine.Outputs, error) {
		all, err := fgt.Policies.List(ctx, nil)
		if err != nil {
			return nil, err
		}
		ids := map[string]int{}
		for _, p := range all {
			ids[p.Name] = p.PolicyID
		}
		var order []int
		for _, name := range w.Order {
			id, ok := ids[name]
			if !ok {
				return nil, fmt.Errorf("policy %s is missing", name)
			}
			order = append(order, id)
		}
		_, err = fgt.Policies.EnsureOrder(ctx, order)
		return nil, err
	}
	b.add(&engine.Func[policyOrder]{
		ID: engine.K(appFortiGate, "policy-order", b.site.Name), After: after, Want: want, Duration: estimates[appFortiGate],
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			all, err := engine.ListAs(ctx, r, appFortiGate, pols.collection, func(ctx context.Context) ([]fortigate.Policy, error) {
				v, err := pols.list(ctx)
				return v, classify(err)
			})
			if err != nil {
				return engine.NotFound(), err
			}
			cur := current(all)
			if len(cur.Order) == 0 {
				return engine.NotFound(), nil
			}
			return engine.Found(cur, true, nil), nil
		},
		OnCreate: func(ctx context.Context, w policyOrder) (engine.Outputs, error) {
			out, err := ensure(ctx, w)
			return out, classify(err)
		},
		OnUpdate: func(ctx context.Context, w policyOrder, _ engine.Observed) (engine.Outputs, error) {
			out, err := ensure(ctx, w)
			return out, classify(err)
		},
		OnDelete: func(context.Context, engine.Observed) error { return nil }, // deleting the policies is enough
	})
}

// emsSlots is the number of EMS connector slots (ems-id 1–7 on FortiOS 7.2.4+).
const emsSlots = 7

// fgEMSConnector adds the FortiGate's connector to the site's EMS (endpoint-control/fctems).
// The record has no comment field: its name ("<site>-ems") is the marker. On 7.2+ the slots
// pre-exist disabled: the first free slot is updated, a record is created only when every
// listed slot is taken.
func (b *build) fgEMSConnector() {
	fgt := b.conns.FortiGate
	n := fgNames{b.site.Name}
	emsVM, ok := b.site.VMByRole(VMRoleEMS)
	if !ok {
		return
	}
	conn := &obj[fortigate.EMSConnector]{app: appFortiGate, kind: "ems-connector", collection: "endpoint-control/fctems",
		list: func(ctx context.Context) ([]fortigate.EMSConnector, error) { return fgt.EMSConnectors.List(ctx, nil) },
		name: func(c fortigate.EMSConnector) string { return c.Name },
		managed: func(_ context.Context, _ *engine.Reader, c fortigate.EMSConnector) (bool, error) {
			return c.Name == n.emsConnector(), nil
		},
		norm: func(c fortigate.EMSConnector) fortigate.EMSConnector { c.EMSID = 0; return c },
		create: func(ctx context.Context, w fortigate.EMSConnector) (engine.Outputs, error) {
			all, err := fgt.EMSConnectors.List(ctx, nil)
			if err != nil {
				return nil, err
			}
			used := map[int]bool{}
			for _, c := range all {
				used[c.EMSID] = true
				if c.Name == w.Name || (c.Name == "" && c.Status != "enable") {
					return nil, errOnly(fgt.EMSConnectors.Update(ctx, c.EMSID, w))
				}
			}
			for id := 1; id <= emsSlots; id++ {
				if !used[id] {
					w.EMSID = id
					_, err := fgt.EMSConnectors.Create(ctx, w)
					return nil, err
				}
			}
			return nil, errors.New("every EMS connector slot of the FortiGate is in use")
		},
		update: func(ctx context.Context, w, c fortigate.EMSConnector) (engine.Outputs, error) {
			return nil, errOnly(fgt.EMSConnectors.Update(ctx, c.EMSID, w))
		},
		del: func(ctx context.Context, c fortigate.EMSConnector) error {
			err := fgt.EMSConnectors.Delete(ctx, c.EMSID)
			if err == nil || errors.Is(err, sitekit.ErrNotFound) {
				return err
			}
			// Pre-existing slot that cannot be deleted: free it.
			return fgt.EMSConnectors.Patch(ctx, c.EMSID, map[string]any{"status": "disable", "name": "", "server": ""})
		},
	}
	want := fortigate.EMSConnector{Status: "enable", Name: n.emsConnector(), Server: emsVM.IP.String(), HTTPSPort: 443,
		PullTags: "enable", PullSysinfo: "enable"}
	b.add(conn.resource(b, want.Name, want, nil, nil, b.after(keyXOVM(emsVM.Name))...))
	conn.lister(b)
}

// prefixMask returns the dotted netmask of p.
func prefixMask(p netip.Prefix) string { return fortigate.IPMask{Prefix: p}.Mask() }

// servicePortList returns ports without the excluded ones (admin ports are not part of a
// service offered to users).
func servicePortList(ports []int, exclude ...int) []int {
	var out []int
	for _, p := range ports {
		if !slices.Contains(exclude, p) {
			out = append(out, p)
		}
	}
	return out
}

// servicePorts is servicePortList as a FortiOS port range string ("1433 8080").
func servicePorts(ports []int, exclude ...int) string {
	var s []string
	for _, p := range servicePortList(ports, exclude...) {
		s = append(s, strconv.Itoa(p))
	}
	return strings.Join(s, " ")
}

// errOnly drops the record a fortigate Update returns.
func errOnly[T any](_ T, err error) error { return err }
