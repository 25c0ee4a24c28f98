package blueprint

import (
	"slices"

	"github.com/sitekit/sitekit/fortigate"
)

// fgRule is one row of the site's firewall policy table: who talks to whom on which
// service. A row whose ends resolve to nothing on this site (no ERP VM, no public IP, no
// user VLAN) yields no policy.
type fgRule struct {
	// what names the policy after the site prefix; a row expanded per VLAN or per VM is
	// named "<vlan or vm>-<what>".
	what    string
	each    fgEach
	from    fgEnd
	to      fgEnd
	service fgService
	nat     bool
	// ztna rows exist only where the tier has ZTNA, teleworking is enabled and the site
	// has a public IP; their destination is the ZTNA access proxy.
	ztna bool
}

// fgEach says how many policies a row yields.
type fgEach int

const (
	eachOnce      fgEach = iota // one policy
	eachVLAN                    // one per VLAN of from.vlans, that VLAN as the source
	eachStreamerV               // one per Linux VM outside the Netdata parent's VLAN, that VM as the source
)

// fgEnd is one side of a policy.
type fgEnd struct {
	vlans    []Role // the VLANs with these roles (interfaces and subnet addresses)
	group    bool   // with vlans: the "<site>-users" address group instead of the subnets
	vm       VMRole // the VM with this role (its VLAN's interface and its host address)
	internet bool   // the WAN interface and "all"
	vip      VMRole // the VIP publishing the VM with this role (destination only)
	self     bool   // the VLAN or VM the row is expanded for
}

// fgService names the service of a row.
type fgService int

const (
	svcAny     fgService = iota // every service
	svcERP                      // the ERP VM's ports without RDP and SSH
	svcAdmin                    // SSH, HTTPS, RDP
	svcHTTPS                    // 443
	svcNetdata                  // Netdata streaming, 19999
)

// fgPolicyTable is the site's policy list, in evaluation order. Everything else falls to
// FortiOS's implicit deny.
var fgPolicyTable = []fgRule{
	// The departments reach the ERP on its service only.
	{what: "users-erp", from: fgEnd{vlans: []Role{RoleUsers}, group: true}, to: fgEnd{vm: VMRoleERP}, service: svcERP},
	// The management VLAN administers the servers and the DMZ.
	{what: "mgmt-admin", from: fgEnd{vlans: []Role{RoleMgmt}}, to: fgEnd{vlans: []Role{RoleServers, RoleDMZ}}, service: svcAdmin},
	// Linux VMs stream their metrics to the Netdata parent.
	{what: "netdata", each: eachStreamerV, from: fgEnd{self: true}, to: fgEnd{vm: VMRoleMonitor}, service: svcNetdata},
	// The web server, published through its VIP (HTTPS only).
	{what: "web-in", from: fgEnd{internet: true}, to: fgEnd{vip: VMRoleWeb}, service: svcHTTPS},
	// Teleworkers whose endpoint EMS tags compliant reach their services through ZTNA.
	{what: "ztna-erp", ztna: true},
	// Users and guests reach the internet (NAT, logged); guests nothing else.
	{what: "inet", each: eachVLAN, from: fgEnd{vlans: []Role{RoleUsers, RoleGuests}, self: true}, to: fgEnd{internet: true}, service: svcAny, nat: true},
}

// fgPolicySpec is a resolved row: the policy's name suffix and content.
type fgPolicySpec struct {
	what string
	p    fortigate.Policy
}

// fgPolicies resolves the policy table for the site; ztna builds the ZTNA row (nil: the
// row is left out).
func (b *build) fgPolicies(ztna func() *fortigate.Policy) []fgPolicySpec {
	s := b.site
	var out []fgPolicySpec
	for _, r := range fgPolicyTable {
		if r.ztna {
			if ztna != nil {
				if p := ztna(); p != nil {
					out = append(out, fgPolicySpec{r.what, *p})
				}
			}
			continue
		}
		svc, ok := b.fgServiceName(r.service)
		if !ok {
			continue
		}
		emit := func(what string, selfVLAN *VLAN, selfVM *VM) {
			si, sa := b.fgEndRefs(r.from, selfVLAN, selfVM)
			di, da := b.fgEndRefs(r.to, nil, nil)
			if len(si) == 0 || len(sa) == 0 || len(di) == 0 || len(da) == 0 {
				return
			}
			p := fortigate.Policy{SrcIntf: fortigate.Refs(si...), DstIntf: fortigate.Refs(di...), SrcAddr: fortigate.Refs(sa...),
				DstAddr: fortigate.Refs(da...), Service: fortigate.Refs(svc)}
			if r.nat {
				p.NAT = "enable"
			}
			out = append(out, fgPolicySpec{what, p})
		}
		switch r.each {
		case eachOnce:
			emit(r.what, nil, nil)
		case eachVLAN:
			for _, v := range s.Network.VLANs {
				if slices.Contains(r.from.vlans, v.Role) {
					emit(v.Name+"-"+r.what, &v, nil)
				}
			}
		case eachStreamerV:
			mon, ok := s.VMByRole(VMRoleMonitor)
			if !ok {
				continue
			}
			for _, vm := range s.VMs {
				if vm.OS == Debian12 && vm.Name != mon.Name && vm.VLAN != mon.VLAN {
					emit(vm.Name+"-"+r.what, nil, &vm)
				}
			}
		}
	}
	return out
}

// fgServiceName returns the FortiOS service of a row; false when the site has none (an
// ERP without service ports).
func (b *build) fgServiceName(svc fgService) (string, bool) {
	n := fgNames{b.site.Name}
	switch svc {
	case svcERP:
		erp, ok := b.site.VMByRole(VMRoleERP)
		return n.erpService(), ok && servicePorts(erp.Ports, 3389, 22) != ""
	case svcAdmin:
		return n.adminService(), true
	case svcHTTPS:
		return n.httpsService(), true
	case svcNetdata:
		return n.netdataService(), true
	}
	return fgAny, true
}

// fgEndRefs resolves one end of a row to interface and address names (empty: the end does
// not exist on this site).
func (b *build) fgEndRefs(e fgEnd, selfVLAN *VLAN, selfVM *VM) (intfs, addrs []string) {
	s, n := b.site, fgNames{b.site.Name}
	switch {
	case e.self && selfVLAN != nil:
		return []string{selfVLAN.Name}, []string{n.net(selfVLAN.Name)}
	case e.self && selfVM != nil:
		return []string{selfVM.VLAN}, []string{n.host(selfVM.Name)}
	case e.internet:
		return []string{s.Network.WAN}, []string{fgAll}
	case e.vip != "":
		vm, ok := s.VMByRole(e.vip)
		if !ok || !s.Network.PublicIP.IsValid() || e.vip != VMRoleWeb {
			return nil, nil
		}
		return []string{vm.VLAN}, []string{n.webVIP()}
	case e.vm != "":
		vm, ok := s.VMByRole(e.vm)
		if !ok {
			return nil, nil
		}
		return []string{vm.VLAN}, []string{n.host(vm.Name)}
	}
	for _, v := range s.Network.VLANs {
		if slices.Contains(e.vlans, v.Role) {
			intfs = append(intfs, v.Name)
			addrs = append(addrs, n.net(v.Name))
		}
	}
	if e.group && len(intfs) > 0 {
		addrs = []string{n.users()}
	}
	return intfs, addrs
}
