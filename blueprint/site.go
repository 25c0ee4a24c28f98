package blueprint

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/sitekit/sitekit"
)

// Site is a client site described as data: who uses it, its address plan, its host, its VMs,
// how it is backed up and reached from outside. The presets ([Standard], [Basse], [Premium])
// turn it into a resource graph; [Site.Validate] rejects it, naming every bad field, before
// anything is sent to an appliance.
type Site struct {
	// Name identifies the site on every appliance (the managed-by marker is
	// "managed-by sitekit:<Name>"): lowercase letters, digits and '-', at most 20 characters.
	Name string
	// Users is today's head count; Growth the factor the site must absorb (2 = doubling).
	Users  int
	Growth float64
	// Network is the address plan (see [DefaultNetwork]).
	Network Network
	// Host is the XCP-ng server's capacity (see [DefaultHost]).
	Host Host
	// StandbyHost is the second XCP-ng host of the Premium offer (replication target and HA
	// partner); the other offers ignore it.
	StandbyHost Host
	// VMs is the VM catalogue (see [DefaultVMs]); empty means the preset's default.
	VMs []VM
	// Backup is the backup policy (see [DefaultBackup]).
	Backup BackupPolicy
	// Offsite is the off-site copy of the 3-2-1 rule (required).
	Offsite Offsite
	// Teleworkers describes remote access through ZTNA.
	Teleworkers Teleworkers
	// Credentials names where the secrets the site needs come from.
	Credentials Credentials
	// Simulated marks a site deployed on the simulators only: it allows documentation
	// addresses (RFC 5737, such as [DocumentationPublicIP]) as Network.PublicIP, which
	// Validate refuses for a real site.
	Simulated bool
}

// Role says what a VLAN is for; policies and compliance checks are derived from roles.
type Role string

// VLAN roles.
const (
	RoleMgmt    Role = "mgmt"    // appliance and hypervisor administration
	RoleServers Role = "servers" // internal servers (ERP, monitoring, EMS)
	RoleDMZ     Role = "dmz"     // servers published to the internet (web)
	RoleUsers   Role = "users"   // staff departments (Compta, Technique)
	RoleGuests  Role = "guests"  // guest Wi-Fi: internet only
)

// Network is the site's address plan on the FortiGate's internal port.
type Network struct {
	// Supernet contains every VLAN subnet, e.g. 10.10.0.0/16.
	Supernet netip.Prefix
	// Port is the FortiGate physical interface carrying the VLANs (80F: "internal").
	Port string
	// WAN is the internet-facing interface (80F: "wan1").
	WAN string
	// PublicIP is the WAN address the web server is published on (VIP).
	PublicIP netip.Addr
	// DNS servers handed out by DHCP.
	DNS []netip.Addr
	// VLANs in the order they are created.
	VLANs []VLAN

	// badSupernet and invalid are the argument DefaultNetwork could not build a plan from
	// and why ("" when it could); Validate reports them.
	badSupernet, invalid string
}

// VLAN is one isolated segment.
type VLAN struct {
	// Name is the FortiOS interface name (≤ 15 characters) and the XO network label.
	Name string
	ID   int
	Role Role
	// Subnet and Gateway (the FortiGate's address on the VLAN).
	Subnet  netip.Prefix
	Gateway netip.Addr
	// DHCP range; zero values mean no DHCP server on this VLAN.
	DHCPStart, DHCPEnd netip.Addr
	// Clients expected today on this VLAN (before growth); 0 means not sized individually.
	Clients int
	// OnHost makes the VLAN a network on the XCP-ng host (servers, dmz, mgmt).
	OnHost bool
}

// DHCPSize returns the number of addresses in the DHCP range (0 without DHCP).
func (v VLAN) DHCPSize() int {
	if !v.DHCPStart.Is4() || !v.DHCPEnd.Is4() {
		return 0
	}
	a, b := v.DHCPStart.As4(), v.DHCPEnd.As4()
	n := (int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])) - (int(a[0])<<24 | int(a[1])<<16 | int(a[2])<<8 | int(a[3]))
	if n < 0 {
		return 0
	}
	return n + 1
}

// Host is the XCP-ng server.
type Host struct {
	Name string // XCP-ng host name label
	// Model is informative ("HPE ProLiant DL380 Gen11").
	Model string
	// RAMGiB, Threads (logical CPUs) and DiskGiB (local NVMe SR) are the capacity.
	RAMGiB  int
	Threads int
	DiskGiB int
	// Dom0RAMGiB is kept for the control domain.
	Dom0RAMGiB int
	// VCPUOvercommit is the allowed ratio of vCPUs to threads (default 2).
	VCPUOvercommit float64
	// Headroom is the fraction of RAM and disk kept free for growth (default 0.2).
	Headroom float64
}

// OS is a VM's operating system family, which decides its template and configuration.
type OS string

// Operating systems of the catalogue.
const (
	Debian12          OS = "debian-12"
	WindowsServer2022 OS = "windows-server-2022"
)

// VMRole says what a VM is for. The presets find the special VMs by role, never by name:
// the ERP's policies, the web server's VIP and the Netdata parent follow the VM carrying
// the role, whatever it is called. A site has at most one VM of each role.
type VMRole string

// VM roles the presets act on; any other role (or none) is an ordinary VM.
const (
	VMRoleERP     VMRole = "erp"     // reached by the user VLANs on its service ports, and through ZTNA
	VMRoleWeb     VMRole = "web"     // published on the public IP (HTTPS VIP); must sit in the DMZ
	VMRoleMonitor VMRole = "monitor" // Netdata parent the other Linux VMs stream to
	VMRoleEMS     VMRole = "ems"     // FortiClient EMS server the FortiGate connects to
)

// VM is one virtual machine of the catalogue.
type VM struct {
	Name    string
	Role    VMRole
	OS      OS
	CPUs    int
	RAMGiB  int
	DiskGiB int
	// VLAN names the network the VM sits on; IP is its static address there.
	VLAN string
	IP   netip.Addr
	// Ports the VM serves to other VLANs (TCP), e.g. ERP 1433 (SQL Server for Sage), web 443.
	Ports []int
	// Replicated VMs get continuous replication (ERP, web); others only the nightly backup.
	Replicated bool
}

// BackupPolicy is what XO and TrueNAS do to keep copies.
type BackupPolicy struct {
	// Delta is the cron schedule of the XO delta backup to the TrueNAS NFS repository.
	Delta string
	// Retention is how many delta backups are kept.
	Retention int
	// Replication is the cron schedule of XO continuous replication ("" = none).
	Replication string
	// ReplicationRetention is how many replicas are kept.
	ReplicationRetention int
	// Snapshots is the cron schedule of TrueNAS periodic snapshots of the backup datasets.
	Snapshots string
	// SnapshotLifetimeDays is how long TrueNAS keeps each snapshot.
	SnapshotLifetimeDays int
	// Metadata backs up the XO and pool metadata as well.
	Metadata bool
}

// OffsiteKind is how the third copy leaves the site.
type OffsiteKind string

// Off-site copy kinds.
const (
	OffsiteS3          OffsiteKind = "s3"          // TrueNAS cloud sync to S3-compatible storage
	OffsiteReplication OffsiteKind = "replication" // TrueNAS ZFS replication (SSH push) to another NAS
)

// Offsite is the off-site copy target.
type Offsite struct {
	Kind OffsiteKind
	// Endpoint is the S3 endpoint URL (https) or the replication target host.
	Endpoint string
	// Bucket (S3) or target dataset (replication).
	Bucket string
	Region string
	// Schedule is the cron schedule of the off-site push.
	Schedule string
	// User is the SSH user the replication logs in as on the target NAS (replication
	// only; default "root"). The off-site key pair's public key must be installed in its
	// authorized keys on the target (the plan warns with its fingerprint).
	User string
}

// Teleworkers describes remote access to internal services through FortiGate ZTNA, granted
// only to endpoints EMS tags as compliant.
type Teleworkers struct {
	Enabled bool
	// Count of remote users (EMS seats are needed for them too).
	Count int
	// Services lists VM names reachable through ZTNA (default: the VM with role
	// [VMRoleERP]).
	Services []string
	// Port is the ZTNA access proxy's external port (default 8443).
	Port int
}

// SecretRef names where a secret comes from, as "<scheme>:<name>": "env:NAME" (an
// environment variable), "file:PATH" (a file, such as a systemd credential or a container
// secret), or any scheme plugged in through [Connections.Secrets]. The site never holds
// secret values, so it can be printed and stored. Plans resolve every reference they need
// before anything is written, and report every missing one at once.
type SecretRef string

// Resolve returns the secret the reference names, with the built-in resolvers
// ([DefaultSecrets]).
func (r SecretRef) Resolve(ctx context.Context) (sitekit.Secret, error) {
	return DefaultSecrets().ResolveSecret(ctx, r)
}

// Credentials references the secrets a site needs beyond appliance API credentials.
type Credentials struct {
	// OffsiteAccessKey and OffsiteSecretKey authenticate to the S3 target.
	OffsiteAccessKey SecretRef
	OffsiteSecretKey SecretRef
	// NetdataStreamKey is the API key children use to stream to the Netdata parent.
	NetdataStreamKey SecretRef
	// EMSConnector is the password the FortiGate uses for its EMS connector, if any.
	EMSConnector SecretRef
}

// Marker is the text that marks objects managed by this site.
func (s Site) Marker() string { return sitekit.Marker(s.Name) }

// hasMarker reports whether text (a comment, a tag, a description) carries the marker of site.
func hasMarker(text, site string) bool {
	s, ok := sitekit.ParseMarker(text)
	return ok && s == site
}

// DocumentationPublicIP is the public address [DefaultNetwork] puts in the plan: an
// address reserved for documentation (RFC 5737, 203.0.113.0/24) that no real WAN has.
// [Site.Validate] refuses it, and any documentation address, unless [Site.Simulated] is
// set: replace it with the site's real WAN address.
var DocumentationPublicIP = netip.MustParseAddr("203.0.113.10")

// DefaultNetwork returns the Standard address plan inside supernet (an IPv4 /16 or
// larger): VLANs 10 mgmt, 20 servers, 25 dmz-web, 30 compta, 40 technique, 50 invites (the
// DMZ VLAN is not called "dmz": that is a physical port of the FortiGate 80F), each a /24
// at <a>.<b>.<id>.0 with the gateway on .1 and DHCP on user VLANs from .20 to .250. The
// public IP is [DocumentationPublicIP], to be replaced by the site's own.
//
// A supernet that is not an IPv4 /16 or larger gives a Network without VLANs that
// [Site.Validate] rejects, naming Network.Supernet and the value given: no other address
// plan is ever substituted.
func DefaultNetwork(supernet string) Network {
	p, err := netip.ParsePrefix(supernet)
	n := Network{Supernet: p, Port: "internal", WAN: "wan1", PublicIP: DocumentationPublicIP}
	switch {
	case err != nil:
		n.invalid = "is not an IPv4 prefix such as 10.20.0.0/16"
	case !p.Addr().Is4():
		n.invalid = "is not an IPv4 prefix"
	case p.Bits() > 16:
		n.invalid = fmt.Sprintf("is a /%d: the default plan needs a /16 or larger (one /24 per VLAN id)", p.Bits())
	}
	if n.invalid != "" {
		n.Supernet, n.badSupernet = netip.Prefix{}, supernet
		return n
	}
	base := p.Masked().Addr().As4()
	sub := func(id int) (netip.Prefix, netip.Addr, netip.Addr, netip.Addr) {
		a := netip.AddrFrom4([4]byte{base[0], base[1], byte(id), 0})
		at := func(host byte) netip.Addr { return netip.AddrFrom4([4]byte{base[0], base[1], byte(id), host}) }
		return netip.PrefixFrom(a, 24), at(1), at(20), at(250)
	}
	add := func(name string, id int, role Role, dhcp, onHost bool, clients int) {
		pre, gw, s, e := sub(id)
		v := VLAN{Name: name, ID: id, Role: role, Subnet: pre, Gateway: gw, OnHost: onHost, Clients: clients}
		if dhcp {
			v.DHCPStart, v.DHCPEnd = s, e
		}
		n.VLANs = append(n.VLANs, v)
	}
	add("mgmt", 10, RoleMgmt, false, true, 0)
	add("servers", 20, RoleServers, false, true, 0)
	add("dmz-web", 25, RoleDMZ, false, true, 0)
	add("compta", 30, RoleUsers, true, false, 0)
	add("technique", 40, RoleUsers, true, false, 0)
	add("invites", 50, RoleGuests, true, false, 0)
	dns := netip.AddrFrom4([4]byte{base[0], base[1], 20, 1})
	n.DNS = []netip.Addr{dns}
	return n
}

// VLAN returns the VLAN named name.
func (n Network) VLAN(name string) (VLAN, bool) {
	for _, v := range n.VLANs {
		if v.Name == name {
			return v, true
		}
	}
	return VLAN{}, false
}

// ByRole returns the VLANs with role r, in order.
func (n Network) ByRole(r Role) []VLAN {
	var out []VLAN
	for _, v := range n.VLANs {
		if v.Role == r {
			out = append(out, v)
		}
	}
	return out
}

// DefaultHostName is the XCP-ng host name of [DefaultHost]; it is also the name of the
// host the Xen Orchestra simulator (xotest) starts with. A real site names its own host:
// a plan against a Xen Orchestra that does not know the host fails before any write.
const DefaultHostName = "xcp-dl380"

// DefaultHost is the Standard offer's server: HPE ProLiant DL380 Gen11, Xeon, 128 GB RAM,
// full NVMe, named [DefaultHostName].
func DefaultHost() Host {
	return Host{Name: DefaultHostName, Model: "HPE ProLiant DL380 Gen11", RAMGiB: 128, Threads: 32, DiskGiB: 3840,
		Dom0RAMGiB: 8, VCPUOvercommit: 2, Headroom: 0.2}
}

// DefaultVMs is the Standard catalogue on network n: erp (Windows, Sage), web (Debian LAMP),
// monitor (Debian, Netdata parent) and ems (Windows, FortiClient EMS). Addresses are .10–.13
// of the servers VLAN, the web server on .10 of the dmz.
func DefaultVMs(n Network) []VM {
	at := func(vlan string, host byte) netip.Addr {
		v, ok := n.VLAN(vlan)
		if !ok || !v.Subnet.Addr().Is4() {
			return netip.Addr{}
		}
		a := v.Subnet.Masked().Addr().As4()
		a[3] = host
		return netip.AddrFrom4(a)
	}
	return []VM{
		{Name: "erp", Role: VMRoleERP, OS: WindowsServer2022, CPUs: 8, RAMGiB: 32, DiskGiB: 500, VLAN: "servers", IP: at("servers", 10), Ports: []int{1433, 3389}, Replicated: true},
		{Name: "web", Role: VMRoleWeb, OS: Debian12, CPUs: 4, RAMGiB: 8, DiskGiB: 100, VLAN: "dmz-web", IP: at("dmz-web", 10), Ports: []int{80, 443}, Replicated: true},
		{Name: "monitor", Role: VMRoleMonitor, OS: Debian12, CPUs: 2, RAMGiB: 4, DiskGiB: 60, VLAN: "servers", IP: at("servers", 11), Ports: []int{19999}},
		{Name: "ems", Role: VMRoleEMS, OS: WindowsServer2022, CPUs: 4, RAMGiB: 16, DiskGiB: 200, VLAN: "servers", IP: at("servers", 12), Ports: []int{443, 8013}},
	}
}

// DefaultBackup is the Standard policy: nightly delta backup kept 14 times, continuous
// replication every 15 minutes, hourly TrueNAS snapshots kept 14 days, metadata backup.
func DefaultBackup() BackupPolicy {
	return BackupPolicy{Delta: "0 1 * * *", Retention: 14, Replication: "*/15 * * * *", ReplicationRetention: 4,
		Snapshots: "0 * * * *", SnapshotLifetimeDays: 14, Metadata: true}
}

// WithDefaults returns s with every zero part filled from the defaults above, except the
// address plan: a site without Network is invalid (see [DefaultNetwork]), never given
// another site's addresses.
func (s Site) WithDefaults() Site {
	if s.Growth == 0 {
		s.Growth = 1
	}
	if s.Network.Port == "" {
		s.Network.Port = "internal"
	}
	if s.Network.WAN == "" {
		s.Network.WAN = "wan1"
	}
	if s.Host == (Host{}) {
		s.Host = DefaultHost()
	}
	if s.Host.VCPUOvercommit == 0 {
		s.Host.VCPUOvercommit = 2
	}
	if s.Host.Name == "" {
		s.Host.Name = DefaultHostName
	}
	if len(s.VMs) == 0 {
		s.VMs = DefaultVMs(s.Network)
	}
	if s.Backup == (BackupPolicy{}) {
		s.Backup = DefaultBackup()
	}
	if s.Offsite.Kind != "" && s.Offsite.Schedule == "" {
		s.Offsite.Schedule = "0 3 * * *"
	}
	if s.Offsite.Kind == OffsiteReplication && s.Offsite.User == "" {
		s.Offsite.User = "root"
	}
	if s.Teleworkers.Enabled {
		if erp, ok := s.VMByRole(VMRoleERP); ok && len(s.Teleworkers.Services) == 0 {
			s.Teleworkers.Services = []string{erp.Name}
		}
		if s.Teleworkers.Port == 0 {
			s.Teleworkers.Port = 8443
		}
	}
	return s
}

// VMByRole returns the first VM with role r.
func (s Site) VMByRole(r VMRole) (VM, bool) {
	for _, v := range s.VMs {
		if v.Role == r {
			return v, true
		}
	}
	return VM{}, false
}

// VM returns the VM named name.
func (s Site) VM(name string) (VM, bool) {
	for _, v := range s.VMs {
		if v.Name == name {
			return v, true
		}
	}
	return VM{}, false
}
