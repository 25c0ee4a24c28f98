package blueprint

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
)

// referenceSite is the Pessac client: 50 users doubling, the Standard defaults, S3 off-site.
func referenceSite() Site {
	return Site{
		Name: "pv-pessac", Users: 50, Growth: 2,
		Network:     DefaultNetwork("10.10.0.0/16"),
		Offsite:     Offsite{Kind: OffsiteS3, Endpoint: "https://s3.fr-par.scw.cloud", Bucket: "pv-pessac-backup", Region: "fr-par"},
		Teleworkers: Teleworkers{Enabled: true, Count: 15},
		Simulated:   true,
		Credentials: Credentials{OffsiteAccessKey: "env:SITEKIT_OFFSITE_ACCESS_KEY", OffsiteSecretKey: "env:SITEKIT_OFFSITE_SECRET_KEY",
			NetdataStreamKey: "env:SITEKIT_NETDATA_STREAM_KEY"},
	}
}

func TestReferenceSiteIsValid(t *testing.T) {
	s := referenceSite()
	require.NoError(t, s.Validate())
	d := s.WithDefaults()
	assert.Len(t, d.VMs, 4)
	assert.Equal(t, 231, d.Network.VLANs[3].DHCPSize())
	assert.Equal(t, "managed-by sitekit:pv-pessac", s.Marker())
}

// badSites lists invalid sites, each with the field its first reported problem must name.
func badSites() []struct {
	name  string
	field string
	edit  func(*Site)
} {
	vlan := func(i int, f func(*VLAN)) func(*Site) {
		return func(s *Site) { f(&s.Network.VLANs[i]) }
	}
	vms := func(i int, f func(*VM)) func(*Site) {
		return func(s *Site) { s.VMs = DefaultVMs(s.Network); f(&s.VMs[i]) }
	}
	ip := netip.MustParseAddr
	pfx := netip.MustParsePrefix
	return []struct {
		name  string
		field string
		edit  func(*Site)
	}{
		{"empty name", "Name", func(s *Site) { s.Name = "" }},
		{"uppercase name", "Name", func(s *Site) { s.Name = "PV-Pessac" }},
		{"name too long", "Name", func(s *Site) { s.Name = "photovoltaique-pessac-33600" }},
		{"zero users", "Users", func(s *Site) { s.Users = 0 }},
		{"negative users", "Users", func(s *Site) { s.Users = -5 }},
		{"growth below 1", "Growth", func(s *Site) { s.Growth = 0.5 }},
		{"growth absurd", "Growth", func(s *Site) { s.Growth = 50 }},
		{"supernet with host bits", "Network.Supernet", func(s *Site) { s.Network.Supernet = pfx("10.10.1.0/16") }},
		{"ipv6 supernet", "Network.Supernet", func(s *Site) { s.Network.Supernet = pfx("fd00::/48") }},
		{"port name too long", "Network.Port", func(s *Site) { s.Network.Port = "internal-switch-1" }},
		{"wan with space", "Network.WAN", func(s *Site) { s.Network.WAN = "wan 1" }},
		{"private public ip", "Network.PublicIP", func(s *Site) { s.Network.PublicIP = ip("192.168.1.1") }},
		{"vlan id 0", "Network.VLANs[0].ID", vlan(0, func(v *VLAN) { v.ID = 0 })},
		{"vlan id 5000", "Network.VLANs[1].ID", vlan(1, func(v *VLAN) { v.ID = 5000 })},
		{"duplicate vlan id", "Network.VLANs[4].ID", vlan(4, func(v *VLAN) { v.ID = 30 })},
		{"vlan name 16 chars", "Network.VLANs[3].Name", vlan(3, func(v *VLAN) { v.Name = "comptabilite-adm" })},
		{"vlan name with space", "Network.VLANs[3].Name", vlan(3, func(v *VLAN) { v.Name = "compta rh" })},
		{"duplicate vlan name", "Network.VLANs[4].Name", vlan(4, func(v *VLAN) { v.Name = "compta" })},
		{"unknown role", "Network.VLANs[2].Role", vlan(2, func(v *VLAN) { v.Role = "iot" })},
		{"subnet outside supernet", "Network.VLANs[3].Subnet", vlan(3, func(v *VLAN) {
			v.Subnet, v.Gateway, v.DHCPStart, v.DHCPEnd = pfx("10.20.30.0/24"), ip("10.20.30.1"), ip("10.20.30.20"), ip("10.20.30.250")
		})},
		{"overlapping subnets", "Network.VLANs[4].Subnet", vlan(4, func(v *VLAN) {
			v.Subnet, v.Gateway, v.DHCPStart, v.DHCPEnd = pfx("10.10.30.128/25"), ip("10.10.30.129"), ip("10.10.30.140"), ip("10.10.30.250")
		})},
		{"subnet host bits", "Network.VLANs[0].Subnet", vlan(0, func(v *VLAN) { v.Subnet = pfx("10.10.10.5/24") })},
		{"subnet too small", "Network.VLANs[0].Subnet", vlan(0, func(v *VLAN) { v.Subnet, v.Gateway = pfx("10.10.10.0/30"), ip("10.10.10.1") })},
		{"gateway outside subnet", "Network.VLANs[1].Gateway", vlan(1, func(v *VLAN) { v.Gateway = ip("10.10.99.1") })},
		{"gateway is network address", "Network.VLANs[1].Gateway", vlan(1, func(v *VLAN) { v.Gateway = ip("10.10.20.0") })},
		{"gateway is broadcast", "Network.VLANs[1].Gateway", vlan(1, func(v *VLAN) { v.Gateway = ip("10.10.20.255") })},
		{"dhcp start outside", "Network.VLANs[3].DHCPStart", vlan(3, func(v *VLAN) { v.DHCPStart = ip("10.10.31.20") })},
		{"dhcp reversed", "Network.VLANs[3].DHCPEnd", vlan(3, func(v *VLAN) { v.DHCPStart, v.DHCPEnd = ip("10.10.30.200"), ip("10.10.30.100") })},
		{"dhcp contains gateway", "Network.VLANs[3].DHCPStart", vlan(3, func(v *VLAN) { v.DHCPStart = ip("10.10.30.1") })},
		{"dhcp start only", "Network.VLANs[3].DHCPEnd", vlan(3, func(v *VLAN) { v.DHCPEnd = netip.Addr{} })},
		{"guest vlan without dhcp", "Network.VLANs[5].DHCPStart", vlan(5, func(v *VLAN) { v.DHCPStart, v.DHCPEnd = netip.Addr{}, netip.Addr{} })},
		{"dhcp too small for clients", "Network.VLANs[3].DHCPEnd", vlan(3, func(v *VLAN) { v.Clients, v.DHCPEnd = 40, ip("10.10.30.50") })},
		{"dhcp too small for users x growth", "Network.VLANs", func(s *Site) {
			s.Users = 300
		}},
		{"no servers vlan", "Network.VLANs", vlan(1, func(v *VLAN) { v.Role = RoleDMZ })},
		{"vm name uppercase", "VMs[0].Name", vms(0, func(v *VM) { v.Name = "ERP" })},
		{"duplicate vm name", "VMs[1].Name", vms(1, func(v *VM) { v.Name = "erp" })},
		{"unknown os", "VMs[1].OS", vms(1, func(v *VM) { v.OS = "ubuntu-24.04" })},
		{"zero cpus", "VMs[0].CPUs", vms(0, func(v *VM) { v.CPUs = 0 })},
		{"zero ram", "VMs[0].RAMGiB", vms(0, func(v *VM) { v.RAMGiB = 0 })},
		{"tiny disk", "VMs[2].DiskGiB", vms(2, func(v *VM) { v.DiskGiB = 2 })},
		{"vm on unknown vlan", "VMs[0].VLAN", vms(0, func(v *VM) { v.VLAN = "prod" })},
		{"vm on user vlan", "VMs[0].VLAN", vms(0, func(v *VM) { v.VLAN = "compta" })},
		{"vm ip outside vlan", "VMs[0].IP", vms(0, func(v *VM) { v.IP = ip("10.10.30.10") })},
		{"vm ip is gateway", "VMs[0].IP", vms(0, func(v *VM) { v.IP = ip("10.10.20.1") })},
		{"duplicate vm ip", "VMs[2].IP", vms(2, func(v *VM) { v.IP = ip("10.10.20.10") })},
		{"bad port", "VMs[1].Ports[0]", vms(1, func(v *VM) { v.Ports = []int{70000} })},
		{"ram over host with headroom", "VMs", vms(0, func(v *VM) { v.RAMGiB = 80 })},
		{"vcpus over host", "VMs", vms(0, func(v *VM) { v.CPUs = 60 })},
		{"disk over host", "VMs", vms(0, func(v *VM) { v.DiskGiB = 3000 })},
		{"host without ram", "Host.RAMGiB", func(s *Site) { s.Host = DefaultHost(); s.Host.RAMGiB = -1 }},
		{"headroom 1", "Host.Headroom", func(s *Site) { s.Host = DefaultHost(); s.Host.Headroom = 1 }},
		{"backup retention 0", "Backup.Retention", func(s *Site) { s.Backup = DefaultBackup(); s.Backup.Retention = 0 }},
		{"bad delta cron", "Backup.Delta", func(s *Site) { s.Backup = DefaultBackup(); s.Backup.Delta = "every night" }},
		{"cron hour 25", "Backup.Snapshots", func(s *Site) { s.Backup = DefaultBackup(); s.Backup.Snapshots = "0 25 * * *" }},
		{"replication without retention", "Backup.ReplicationRetention", func(s *Site) { s.Backup = DefaultBackup(); s.Backup.ReplicationRetention = 0 }},
		{"offsite missing", "Offsite.Kind", func(s *Site) { s.Offsite = Offsite{} }},
		{"offsite unknown kind", "Offsite.Kind", func(s *Site) { s.Offsite.Kind = "tape" }},
		{"offsite http endpoint", "Offsite.Endpoint", func(s *Site) { s.Offsite.Endpoint = "http://s3.example" }},
		{"offsite bad bucket", "Offsite.Bucket", func(s *Site) { s.Offsite.Bucket = "PV" }},
		{"offsite key missing", "Credentials.OffsiteAccessKey", func(s *Site) { s.Credentials.OffsiteAccessKey = "" }},
		{"offsite replication user with a space", "Offsite.User", func(s *Site) {
			s.Offsite = Offsite{Kind: OffsiteReplication, Endpoint: "nas2.example", Bucket: "backup/pv-pessac", User: "backup user"}
		}},
		{"secret inline", "Credentials.NetdataStreamKey", func(s *Site) { s.Credentials.NetdataStreamKey = "11111111-2222-3333" }},
		{"teleworkers zero", "Teleworkers.Count", func(s *Site) { s.Teleworkers.Count = 0 }},
		{"ztna unknown service", "Teleworkers.Services[0]", func(s *Site) { s.Teleworkers.Services = []string{"crm"} }},
		// Regressions of issue 13: nothing invalid is ever replaced by a default.
		{"default network /33", "Network.Supernet", func(s *Site) { s.Network = DefaultNetwork("172.20.0.0/33") }},
		{"default network not a prefix", "Network.Supernet", func(s *Site) { s.Network = DefaultNetwork("172.20.0.0") }},
		{"default network /24 too small", "Network.Supernet", func(s *Site) { s.Network = DefaultNetwork("172.20.0.0/24") }},
		{"no network", "Network", func(s *Site) { s.Network = Network{} }},
		{"web VM outside the DMZ", "VMs[1].VLAN", vms(1, func(v *VM) { v.VLAN, v.IP = "servers", ip("10.10.20.30") })},
		{"linux VMs without a netdata parent", "VMs", func(s *Site) {
			s.VMs = DefaultVMs(s.Network)
			s.VMs[2].Role = ""
		}},
		{"two ERP VMs", "VMs[3].Role", vms(3, func(v *VM) { v.Role = VMRoleERP })},
		{"documentation public IP on a real site", "Network.PublicIP", func(s *Site) { s.Simulated = false }},
		{"documentation public IP 192.0.2.x", "Network.PublicIP", func(s *Site) { s.Simulated, s.Network.PublicIP = false, ip("192.0.2.7") }},
	}
}

// TestDocumentationAddressNeedsSimulated: DefaultNetwork's documentation address passes
// only on a simulated site, and a real address passes on any site.
func TestDocumentationAddressNeedsSimulated(t *testing.T) {
	s := referenceSite()
	require.NoError(t, s.Validate())
	s.Simulated = false
	require.Error(t, s.Validate())
	s.Network.PublicIP = netip.MustParseAddr("81.250.1.10")
	require.NoError(t, s.Validate())
}

// TestBadDefaultNetworkNamesTheValue: a bad CIDR is reported with the value given, and
// WithDefaults never substitutes another address plan.
func TestBadDefaultNetworkNamesTheValue(t *testing.T) {
	s := referenceSite()
	s.Network = DefaultNetwork("172.20.0.0/33")
	var ve *ValidationError
	require.ErrorAs(t, s.Validate(), &ve)
	require.NotEmpty(t, ve.Problems)
	assert.Equal(t, "Network.Supernet", ve.Problems[0].Field)
	assert.Equal(t, "172.20.0.0/33", ve.Problems[0].Value)
	d := s.WithDefaults()
	assert.Empty(t, d.Network.VLANs, "no default plan substituted")
	assert.False(t, d.Network.Supernet.IsValid())
}

func TestBadSitesNameTheField(t *testing.T) {
	cases := badSites()
	require.GreaterOrEqual(t, len(cases), 40)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := referenceSite()
			tc.edit(&s)
			err := s.Validate()
			require.Error(t, err)
			assert.True(t, errors.Is(err, sitekit.ErrInvalid))
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, ve.Fields(), tc.field, "%v", err)
			var fe *sitekit.FieldError
			require.ErrorAs(t, err, &fe)
		})
	}
}

func TestValidateReportsAllProblemsAtOnce(t *testing.T) {
	s := referenceSite()
	s.Name = ""
	s.Users = 0
	s.Offsite = Offsite{}
	var ve *ValidationError
	require.ErrorAs(t, s.Validate(), &ve)
	assert.Equal(t, []string{"Name", "Users", "Offsite.Kind"}, ve.Fields())
}

func FuzzSiteValidate(f *testing.F) {
	f.Add("pv-pessac", 50, 2.0, "10.10.0.0/16", 30, "0 1 * * *")
	f.Add("", -1, 0.0, "::/0", 5000, "* * *")
	f.Fuzz(func(t *testing.T, name string, users int, growth float64, supernet string, vlanID int, cron string) {
		s := referenceSite()
		s.Name, s.Users, s.Growth = name, users, growth
		s.Network = DefaultNetwork(supernet)
		if len(s.Network.VLANs) > 3 {
			s.Network.VLANs[3].ID = vlanID
		}
		s.Backup = DefaultBackup()
		s.Backup.Delta = cron
		err := s.Validate() // must never panic
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("unexpected error shape: %v", err)
			}
		}
	})
}
