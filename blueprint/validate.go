package blueprint

import (
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
)

// ValidationError lists every problem found in a site. It matches sitekit.ErrInvalid and
// unwraps to one *sitekit.FieldError per problem.
type ValidationError struct {
	Problems []*sitekit.FieldError
}

// Error implements error: one problem per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return fmt.Sprintf("site is invalid (%d problems):\n  %s", len(e.Problems), strings.Join(lines, "\n  "))
}

// Unwrap returns the problems, so errors.As finds a *sitekit.FieldError.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// Fields returns the field names of the problems, in order.
func (e *ValidationError) Fields() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Field
	}
	return out
}

type problems struct{ list []*sitekit.FieldError }

func (p *problems) add(field string, value any, format string, args ...any) {
	p.list = append(p.list, &sitekit.FieldError{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)})
}

var (
	siteNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	ifNameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	vmNameRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
)

// fortiGatePorts are the interface names of a factory FortiGate 80F (and the names FortiOS
// reserves): a VLAN cannot take them.
var fortiGatePorts = []string{"wan1", "wan2", "dmz", "internal", "internal1", "internal2", "internal3", "internal4",
	"internal5", "a", "b", "fortilink", "modem", "ssl.root", "any", "lan"}

// FortiOS interface names are at most 15 characters (reference fortigate.md §3.1).
const maxInterfaceName = 15

// Validate checks the site with defaults filled ([Site.WithDefaults]) and returns a
// *[ValidationError] listing every problem, or nil. Nothing may be sent to an appliance for an
// invalid site; the presets call Validate first.
func (s Site) Validate() error {
	s = s.WithDefaults()
	var p problems
	if !siteNameRE.MatchString(s.Name) || len(s.Name) > 20 {
		p.add("Name", s.Name, "must be 1–20 lowercase letters, digits or '-' (it names objects on every appliance)")
	}
	if s.Users < 1 || s.Users > 10000 {
		p.add("Users", s.Users, "must be between 1 and 10000")
	}
	if s.Growth < 1 || s.Growth > 10 || math.IsNaN(s.Growth) {
		p.add("Growth", s.Growth, "must be between 1 and 10 (2 = the site doubles)")
	}
	s.validateNetwork(&p)
	s.validateHost(&p)
	s.validateVMs(&p)
	s.validateBackup(&p)
	s.validateOffsite(&p)
	s.validateTeleworkers(&p)
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list}
}

// documentationNets are the IPv4 ranges reserved for documentation (RFC 5737).
var documentationNets = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24")}

func (s Site) validateNetwork(p *problems) {
	n := s.Network
	if n.invalid != "" {
		p.add("Network.Supernet", n.badSupernet, "%s: DefaultNetwork built no address plan from it", n.invalid)
		return
	}
	if len(n.VLANs) == 0 && !n.Supernet.IsValid() {
		p.add("Network", "", "is required: give the site its own address plan, e.g. DefaultNetwork(\"10.20.0.0/16\")")
		return
	}
	if !n.Supernet.IsValid() || !n.Supernet.Addr().Is4() {
		p.add("Network.Supernet", n.Supernet.String(), "must be an IPv4 prefix such as 10.10.0.0/16")
	}
	if n.Supernet.IsValid() && n.Supernet.Masked() != n.Supernet {
		p.add("Network.Supernet", n.Supernet.String(), "has host bits set (did you mean %s?)", n.Supernet.Masked())
	}
	for _, f := range []struct{ name, v string }{{"Network.Port", n.Port}, {"Network.WAN", n.WAN}} {
		if !ifNameRE.MatchString(f.v) || len(f.v) > maxInterfaceName {
			p.add(f.name, f.v, "must be a FortiOS interface name (1–%d characters)", maxInterfaceName)
		}
	}
	if n.PublicIP.IsValid() && (!n.PublicIP.Is4() || n.PublicIP.IsPrivate() || n.PublicIP.IsLoopback()) {
		p.add("Network.PublicIP", n.PublicIP.String(), "must be a public IPv4 address")
	}
	if n.PublicIP.IsValid() && !s.Simulated && slices.ContainsFunc(documentationNets, func(d netip.Prefix) bool { return d.Contains(n.PublicIP) }) {
		p.add("Network.PublicIP", n.PublicIP.String(), "is a documentation address (RFC 5737) no WAN has: set the site's real public IP (documentation addresses are allowed only with Site.Simulated)")
	}
	for i, d := range n.DNS {
		if !d.IsValid() {
			p.add(fmt.Sprintf("Network.DNS[%d]", i), d.String(), "is not an IP address")
		}
	}
	if len(n.VLANs) == 0 {
		p.add("Network.VLANs", 0, "at least one VLAN is needed")
		return
	}
	ids := map[int]string{}
	names := map[string]bool{}
	roles := map[Role]int{}
	userCapacity := 0
	for i, v := range n.VLANs {
		f := fmt.Sprintf("Network.VLANs[%d]", i)
		if v.Name == "" || !ifNameRE.MatchString(v.Name) {
			p.add(f+".Name", v.Name, "must be letters, digits, '-' or '_'")
		} else if len(v.Name) > maxInterfaceName {
			p.add(f+".Name", v.Name, "is %d characters; FortiOS interface names are at most %d", len(v.Name), maxInterfaceName)
		}
		if slices.Contains(fortiGatePorts, v.Name) || v.Name == n.Port || v.Name == n.WAN {
			p.add(f+".Name", v.Name, "is the name of a FortiGate port; a VLAN interface needs its own name")
		}
		if names[v.Name] && v.Name != "" {
			p.add(f+".Name", v.Name, "is used by two VLANs")
		}
		names[v.Name] = true
		if v.ID < 1 || v.ID > 4094 {
			p.add(f+".ID", v.ID, "must be between 1 and 4094")
		} else if other, dup := ids[v.ID]; dup {
			p.add(f+".ID", v.ID, "is already used by VLAN %q", other)
		} else {
			ids[v.ID] = v.Name
		}
		switch v.Role {
		case RoleMgmt, RoleServers, RoleDMZ, RoleUsers, RoleGuests:
			roles[v.Role]++
		default:
			p.add(f+".Role", string(v.Role), "must be one of mgmt, servers, dmz, users, guests")
		}
		if !v.Subnet.IsValid() || !v.Subnet.Addr().Is4() {
			p.add(f+".Subnet", v.Subnet.String(), "must be an IPv4 prefix")
			continue
		}
		if v.Subnet.Masked() != v.Subnet {
			p.add(f+".Subnet", v.Subnet.String(), "has host bits set (did you mean %s?)", v.Subnet.Masked())
		}
		if v.Subnet.Bits() > 29 {
			p.add(f+".Subnet", v.Subnet.String(), "is too small (at most /29)")
		}
		if n.Supernet.IsValid() && (!n.Supernet.Contains(v.Subnet.Addr()) || v.Subnet.Bits() < n.Supernet.Bits()) {
			p.add(f+".Subnet", v.Subnet.String(), "is outside the supernet %s", n.Supernet)
		}
		for j := range i {
			o := n.VLANs[j]
			if o.Subnet.IsValid() && o.Subnet.Overlaps(v.Subnet) {
				p.add(f+".Subnet", v.Subnet.String(), "overlaps VLAN %q (%s)", o.Name, o.Subnet)
			}
		}
		if !usableHost(v.Subnet, v.Gateway) {
			p.add(f+".Gateway", v.Gateway.String(), "must be a host address inside %s", v.Subnet)
		}
		hasStart, hasEnd := v.DHCPStart.IsValid(), v.DHCPEnd.IsValid()
		if hasStart != hasEnd {
			p.add(f+".DHCPEnd", v.DHCPEnd.String(), "DHCP needs both a start and an end")
		}
		if hasStart && hasEnd {
			switch {
			case !usableHost(v.Subnet, v.DHCPStart):
				p.add(f+".DHCPStart", v.DHCPStart.String(), "must be a host address inside %s", v.Subnet)
			case !usableHost(v.Subnet, v.DHCPEnd):
				p.add(f+".DHCPEnd", v.DHCPEnd.String(), "must be a host address inside %s", v.Subnet)
			case v.DHCPEnd.Less(v.DHCPStart):
				p.add(f+".DHCPEnd", v.DHCPEnd.String(), "is before the range start %s", v.DHCPStart)
			case v.Gateway.IsValid() && !v.Gateway.Less(v.DHCPStart) && !v.DHCPEnd.Less(v.Gateway):
				p.add(f+".DHCPStart", v.DHCPStart.String(), "range contains the gateway %s", v.Gateway)
			}
			if need := int(math.Ceil(float64(v.Clients) * s.Growth)); v.Clients > 0 && v.DHCPSize() < need {
				p.add(f+".DHCPEnd", v.DHCPEnd.String(), "range holds %d addresses, %d clients × growth %.1f need %d", v.DHCPSize(), v.Clients, s.Growth, need)
			}
			if v.Role == RoleUsers {
				userCapacity += v.DHCPSize()
			}
		}
		if (v.Role == RoleUsers || v.Role == RoleGuests) && !hasStart {
			p.add(f+".DHCPStart", "", "a %s VLAN needs a DHCP range", v.Role)
		}
	}
	for _, r := range []Role{RoleMgmt, RoleServers} {
		if roles[r] != 1 {
			p.add("Network.VLANs", string(r), "exactly one %s VLAN is required, found %d", r, roles[r])
		}
	}
	if roles[RoleUsers] == 0 {
		p.add("Network.VLANs", string(RoleUsers), "at least one users VLAN is required")
	}
	if need := int(math.Ceil(float64(s.Users) * s.Growth)); roles[RoleUsers] > 0 && userCapacity < need {
		p.add("Network.VLANs", userCapacity, "user VLAN DHCP ranges hold %d addresses, %d users × growth %.1f need %d", userCapacity, s.Users, s.Growth, need)
	}
}

// usableHost reports whether a is a host address of prefix (not the network or broadcast).
func usableHost(prefix netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() || !a.Is4() || !prefix.Contains(a) {
		return false
	}
	network := prefix.Masked().Addr()
	b := network.As4()
	hostBits := 32 - prefix.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	bc := v | (1<<hostBits - 1)
	broadcast := netip.AddrFrom4([4]byte{byte(bc >> 24), byte(bc >> 16), byte(bc >> 8), byte(bc)})
	return a != network && a != broadcast
}

func (s Site) validateHost(p *problems) {
	h := s.Host
	if h.RAMGiB <= 0 {
		p.add("Host.RAMGiB", h.RAMGiB, "must be positive")
	}
	if h.Threads <= 0 {
		p.add("Host.Threads", h.Threads, "must be positive")
	}
	if h.DiskGiB <= 0 {
		p.add("Host.DiskGiB", h.DiskGiB, "must be positive")
	}
	if h.Dom0RAMGiB < 0 || (h.RAMGiB > 0 && h.Dom0RAMGiB >= h.RAMGiB) {
		p.add("Host.Dom0RAMGiB", h.Dom0RAMGiB, "must be between 0 and the host RAM (%d GiB)", h.RAMGiB)
	}
	if h.Headroom < 0 || h.Headroom >= 1 {
		p.add("Host.Headroom", h.Headroom, "must be a fraction in [0, 1)")
	}
	if h.VCPUOvercommit < 1 || h.VCPUOvercommit > 8 {
		p.add("Host.VCPUOvercommit", h.VCPUOvercommit, "must be between 1 and 8")
	}
	if !ifNameRE.MatchString(h.Name) {
		p.add("Host.Name", h.Name, "must be a host name")
	}
}

func (s Site) validateVMs(p *problems) {
	names := map[string]bool{}
	ips := map[netip.Addr]string{}
	ram, cpus, disk := 0, 0, 0
	for i, vm := range s.VMs {
		f := fmt.Sprintf("VMs[%d]", i)
		if !vmNameRE.MatchString(vm.Name) || len(vm.Name) > 63 {
			p.add(f+".Name", vm.Name, "must be a host name: lowercase letters, digits, '-', at most 63")
		} else if names[vm.Name] {
			p.add(f+".Name", vm.Name, "is used by two VMs")
		}
		names[vm.Name] = true
		switch vm.OS {
		case Debian12, WindowsServer2022:
		default:
			p.add(f+".OS", string(vm.OS), "must be %q or %q", Debian12, WindowsServer2022)
		}
		if vm.CPUs < 1 || vm.CPUs > 64 {
			p.add(f+".CPUs", vm.CPUs, "must be between 1 and 64")
		}
		if vm.RAMGiB < 1 {
			p.add(f+".RAMGiB", vm.RAMGiB, "must be at least 1")
		}
		if vm.DiskGiB < 8 {
			p.add(f+".DiskGiB", vm.DiskGiB, "must be at least 8")
		}
		ram, cpus, disk = ram+max(vm.RAMGiB, 0), cpus+max(vm.CPUs, 0), disk+max(vm.DiskGiB, 0)
		v, ok := s.Network.VLAN(vm.VLAN)
		switch {
		case !ok:
			p.add(f+".VLAN", vm.VLAN, "is not a VLAN of the site")
		case !v.OnHost:
			p.add(f+".VLAN", vm.VLAN, "is not carried to the XCP-ng host (VLAN role %s)", v.Role)
		case !usableHost(v.Subnet, vm.IP):
			p.add(f+".IP", vm.IP.String(), "must be a host address inside VLAN %q (%s)", v.Name, v.Subnet)
		case vm.IP == v.Gateway:
			p.add(f+".IP", vm.IP.String(), "is the gateway of VLAN %q", v.Name)
		case v.DHCPSize() > 0 && !vm.IP.Less(v.DHCPStart) && !v.DHCPEnd.Less(vm.IP):
			p.add(f+".IP", vm.IP.String(), "is inside the DHCP range of VLAN %q", v.Name)
		}
		if other, dup := ips[vm.IP]; dup && vm.IP.IsValid() {
			p.add(f+".IP", vm.IP.String(), "is already the address of VM %q", other)
		}
		ips[vm.IP] = vm.Name
		for j, port := range vm.Ports {
			if port < 1 || port > 65535 {
				p.add(fmt.Sprintf("%s.Ports[%d]", f, j), port, "must be a TCP port (1–65535)")
			}
		}
	}
	s.validateVMRoles(p)
	h := s.Host
	if h.RAMGiB <= 0 || h.Threads <= 0 || h.DiskGiB <= 0 || h.Headroom < 0 || h.Headroom >= 1 {
		return // host already reported
	}
	usableRAM := float64(h.RAMGiB-h.Dom0RAMGiB) * (1 - h.Headroom)
	if float64(ram) > usableRAM {
		p.add("VMs", fmt.Sprintf("%d GiB RAM", ram), "exceeds the host: %d GiB − %d GiB dom0, keeping %.0f%% for growth, leaves %.0f GiB", h.RAMGiB, h.Dom0RAMGiB, h.Headroom*100, usableRAM)
	}
	if maxCPU := float64(h.Threads) * h.VCPUOvercommit; float64(cpus) > maxCPU {
		p.add("VMs", fmt.Sprintf("%d vCPUs", cpus), "exceeds %d threads × overcommit %.1f = %.0f", h.Threads, h.VCPUOvercommit, maxCPU)
	}
	if usableDisk := float64(h.DiskGiB) * (1 - h.Headroom); float64(disk) > usableDisk {
		p.add("VMs", fmt.Sprintf("%d GiB disk", disk), "exceeds the host SR: %d GiB keeping %.0f%% for growth leaves %.0f GiB", h.DiskGiB, h.Headroom*100, usableDisk)
	}
}

// validateVMRoles checks what the special roles need: one VM per role, the web server in
// the DMZ when it is published, a Netdata parent for the Linux VMs.
func (s Site) validateVMRoles(p *problems) {
	seen := map[VMRole]string{}
	for i, vm := range s.VMs {
		f := fmt.Sprintf("VMs[%d]", i)
		switch vm.Role {
		case VMRoleERP, VMRoleWeb, VMRoleMonitor, VMRoleEMS:
			if other, dup := seen[vm.Role]; dup {
				p.add(f+".Role", string(vm.Role), "is already the role of VM %q: one VM per special role", other)
			}
			seen[vm.Role] = vm.Name
		}
		if vm.Role == VMRoleWeb && s.Network.PublicIP.IsValid() {
			if v, ok := s.Network.VLAN(vm.VLAN); ok && v.Role != RoleDMZ {
				p.add(f+".VLAN", vm.VLAN, "the web VM is published on %s by the VIP: it must sit on the DMZ VLAN, not on a %s VLAN", s.Network.PublicIP, v.Role)
			}
		}
		if vm.Role == VMRoleMonitor && vm.OS != Debian12 {
			p.add(f+".OS", string(vm.OS), "the Netdata parent (role monitor) must be %s", Debian12)
		}
	}
	if children, parent := s.netdataChildren(); len(children) > 0 && parent == "" {
		p.add("VMs", strings.Join(children, ","), "Linux VMs run a Netdata agent that streams to a parent: add a %s VM with Role %q", Debian12, VMRoleMonitor)
	}
}

func (s Site) validateBackup(p *problems) {
	b := s.Backup
	if err := checkCron(b.Delta); err != nil {
		p.add("Backup.Delta", b.Delta, "%v", err)
	}
	if b.Retention < 1 {
		p.add("Backup.Retention", b.Retention, "must be at least 1 (0 keeps no backup)")
	}
	if b.Replication != "" {
		if err := checkCron(b.Replication); err != nil {
			p.add("Backup.Replication", b.Replication, "%v", err)
		}
		if b.ReplicationRetention < 1 {
			p.add("Backup.ReplicationRetention", b.ReplicationRetention, "must be at least 1")
		}
	}
	if err := checkCron(b.Snapshots); err != nil {
		p.add("Backup.Snapshots", b.Snapshots, "%v", err)
	}
	if b.SnapshotLifetimeDays < 1 {
		p.add("Backup.SnapshotLifetimeDays", b.SnapshotLifetimeDays, "must be at least 1")
	}
}

func (s Site) validateOffsite(p *problems) {
	o := s.Offsite
	switch o.Kind {
	case "":
		p.add("Offsite.Kind", "", "an off-site target is required by the 3-2-1 rule (s3 or replication)")
		return
	case OffsiteS3:
		u, err := url.Parse(o.Endpoint)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			p.add("Offsite.Endpoint", o.Endpoint, "must be an https:// S3 endpoint")
		}
		if o.Bucket == "" || len(o.Bucket) < 3 || len(o.Bucket) > 63 || strings.ToLower(o.Bucket) != o.Bucket {
			p.add("Offsite.Bucket", o.Bucket, "must be an S3 bucket name (3–63 lowercase characters)")
		}
		if s.Credentials.OffsiteAccessKey == "" {
			p.add("Credentials.OffsiteAccessKey", "", "is required for an S3 off-site copy")
		}
		if s.Credentials.OffsiteSecretKey == "" {
			p.add("Credentials.OffsiteSecretKey", "", "is required for an S3 off-site copy")
		}
	case OffsiteReplication:
		if o.Endpoint == "" || strings.ContainsAny(o.Endpoint, "/ ") {
			p.add("Offsite.Endpoint", o.Endpoint, "must be the replication target's host name")
		}
		if o.Bucket == "" || strings.HasPrefix(o.Bucket, "/") {
			p.add("Offsite.Bucket", o.Bucket, "must be the target dataset, e.g. backup/pv-pessac")
		}
		if o.User == "" || strings.ContainsAny(o.User, " \t\r\n") {
			p.add("Offsite.User", o.User, "must be the SSH user on the target NAS (no spaces)")
		}
	default:
		p.add("Offsite.Kind", string(o.Kind), "must be %q or %q", OffsiteS3, OffsiteReplication)
	}
	if err := checkCron(o.Schedule); err != nil {
		p.add("Offsite.Schedule", o.Schedule, "%v", err)
	}
	for _, r := range []struct {
		f string
		v SecretRef
	}{{"Credentials.OffsiteAccessKey", s.Credentials.OffsiteAccessKey}, {"Credentials.OffsiteSecretKey", s.Credentials.OffsiteSecretKey}, {"Credentials.NetdataStreamKey", s.Credentials.NetdataStreamKey}, {"Credentials.EMSConnector", s.Credentials.EMSConnector}} {
		if _, _, err := r.v.parse(); r.v != "" && err != nil {
			p.add(r.f, string(r.v), `must be a reference "<scheme>:<name>" such as "env:NAME" or "file:/run/secrets/name", never the secret itself`)
		}
	}
}

func (s Site) validateTeleworkers(p *problems) {
	t := s.Teleworkers
	if !t.Enabled {
		return
	}
	if t.Count < 1 {
		p.add("Teleworkers.Count", t.Count, "must be at least 1 when teleworking is enabled")
	}
	if t.Port < 1 || t.Port > 65535 {
		p.add("Teleworkers.Port", t.Port, "must be a TCP port")
	}
	for i, name := range t.Services {
		if _, ok := s.VM(name); !ok {
			p.add(fmt.Sprintf("Teleworkers.Services[%d]", i), name, "is not a VM of the site")
		}
	}
}

// checkCron validates a 5-field cron expression (minute hour day month weekday), as XO and
// TrueNAS schedules accept.
func checkCron(expr string) error {
	_, err := sitekit.ParseCron(expr)
	return err
}
