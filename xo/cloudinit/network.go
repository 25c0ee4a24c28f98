package cloudinit

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
	"go.yaml.in/yaml/v3"
)

// Network-config format versions understood by cloud-init's NoCloud datasource.
const (
	// NetworkV1 is cloud-init's own format (`version: 1` + `config:`), the XO UI's default.
	NetworkV1 = 1
	// NetworkV2 is the netplan-style format (`version: 2` + `ethernets:`).
	NetworkV2 = 2
)

// ErrEmptyNetworkConfig rejects a network-config with no interface, or a file that is empty
// or only comments: NoCloud fails on such a file on Debian/Ubuntu (xen-orchestra#5918).
// Omit XO's network_config field instead. It matches [sitekit.ErrInvalid].
var ErrEmptyNetworkConfig = &sitekit.FieldError{
	Field:  "NetworkConfig",
	Value:  "",
	Reason: "empty or comment-only network-config breaks cloud-init's NoCloud datasource; omit network_config instead",
}

// NetworkConfig is a cloud-init network-config for one VM, rendered as version 1 or 2.
// Like [UserData] it is rendered explicitly with [NetworkConfig.Render].
type NetworkConfig struct {
	// Version is [NetworkV1] or [NetworkV2].
	Version int
	// Interfaces are the VM's Ethernet interfaces, in rendering order.
	Interfaces []Interface
}

// Interface configures one Ethernet interface: DHCP, static addresses, or both.
type Interface struct {
	// Name is the interface name inside the guest (e.g. "eth0", "enX0"). With MAC set, the
	// interface is matched by MAC and renamed to Name; otherwise it is matched by Name.
	Name string
	// MAC is the VIF's MAC address (XO lets create_vm set it), "" to match by name.
	MAC string
	// DHCP4 requests an IPv4 address by DHCP.
	DHCP4 bool
	// DHCP6 requests an IPv6 address by DHCPv6.
	DHCP6 bool
	// Addresses are static addresses with their prefix length (10.10.20.11/24).
	Addresses []netip.Prefix
	// Gateway is the default route's next hop; the zero Addr means none.
	Gateway netip.Addr
	// DNS are the name servers.
	DNS []netip.Addr
	// Search are the DNS search domains.
	Search []string
	// MTU is the interface MTU; 0 leaves the default.
	MTU int
}

// StaticInterface is a shorthand for an interface with one static address, a gateway and
// name servers: StaticInterface("eth0", "10.10.20.11/24", "10.10.20.1", "10.10.20.1").
// It panics on a malformed literal, like regexp.MustCompile; build [Interface] directly for
// computed values.
func StaticInterface(name, cidr, gateway string, dns ...string) Interface {
	ifc := Interface{Name: name, Addresses: []netip.Prefix{netip.MustParsePrefix(cidr)}}
	if gateway != "" {
		ifc.Gateway = netip.MustParseAddr(gateway)
	}
	for _, d := range dns {
		ifc.DNS = append(ifc.DNS, netip.MustParseAddr(d))
	}
	return ifc
}

var ifNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,15}$`)

// Validate checks the configuration, naming the offending field and value. A configuration
// with no interface is [ErrEmptyNetworkConfig].
func (c NetworkConfig) Validate() error {
	if c.Version != NetworkV1 && c.Version != NetworkV2 {
		return sitekit.Invalid("Version", c.Version, "must be 1 or 2")
	}
	if len(c.Interfaces) == 0 {
		return ErrEmptyNetworkConfig
	}
	names := map[string]bool{}
	for i, ifc := range c.Interfaces {
		f := fmt.Sprintf("Interfaces[%d]", i)
		if !ifNameRE.MatchString(ifc.Name) || ifc.Name == "." || ifc.Name == ".." {
			return sitekit.Invalid(f+".Name", ifc.Name, "must be a Linux interface name (1-15 of [A-Za-z0-9_.-])")
		}
		if names[ifc.Name] {
			return sitekit.Invalid(f+".Name", ifc.Name, "duplicate interface")
		}
		names[ifc.Name] = true
		if ifc.MAC != "" {
			hw, err := net.ParseMAC(ifc.MAC)
			if err != nil || len(hw) != 6 || hw.String() != ifc.MAC {
				return sitekit.Invalid(f+".MAC", ifc.MAC, "must be a lower-case colon-separated Ethernet MAC (aa:bb:cc:dd:ee:ff)")
			}
		}
		if !ifc.DHCP4 && !ifc.DHCP6 && len(ifc.Addresses) == 0 {
			return sitekit.Invalid(f+".Addresses", "", "set at least one static address or DHCP")
		}
		for j, p := range ifc.Addresses {
			if !p.IsValid() || p.Addr().Zone() != "" || p.Addr().Is4In6() {
				return sitekit.Invalid(fmt.Sprintf("%s.Addresses[%d]", f, j), p.String(), "must be a valid address/prefix")
			}
			if p.Addr().Is4() && p.Bits() >= 32 && ifc.Gateway.IsValid() {
				return sitekit.Invalid(fmt.Sprintf("%s.Addresses[%d]", f, j), p.String(), "a /32 cannot reach a gateway")
			}
		}
		if ifc.Gateway.IsValid() {
			onLink := false
			for _, p := range ifc.Addresses {
				if p.Masked().Contains(ifc.Gateway) {
					onLink = true
				}
			}
			dhcpSameFamily := (ifc.Gateway.Is4() && ifc.DHCP4) || (ifc.Gateway.Is6() && ifc.DHCP6)
			if !onLink && !dhcpSameFamily {
				return sitekit.Invalid(f+".Gateway", ifc.Gateway.String(), "is not inside any of the interface's static prefixes")
			}
			if c.Version == NetworkV1 && !onLink {
				return sitekit.Invalid(f+".Gateway", ifc.Gateway.String(), "version 1 needs the gateway on a static subnet of the same family")
			}
		}
		for j, p := range ifc.Addresses {
			if slices.Index(ifc.Addresses, p) != j {
				return sitekit.Invalid(fmt.Sprintf("%s.Addresses[%d]", f, j), p.String(), "duplicate address")
			}
		}
		for j, d := range ifc.DNS {
			if !d.IsValid() || d.Zone() != "" {
				return sitekit.Invalid(fmt.Sprintf("%s.DNS[%d]", f, j), d.String(), "must be an IP address")
			}
			if slices.Index(ifc.DNS, d) != j {
				return sitekit.Invalid(fmt.Sprintf("%s.DNS[%d]", f, j), d.String(), "duplicate name server")
			}
		}
		for j, s := range ifc.Search {
			if !ValidHostname(s) {
				return sitekit.Invalid(fmt.Sprintf("%s.Search[%d]", f, j), s, "must be a domain name")
			}
			if slices.Index(ifc.Search, s) != j {
				return sitekit.Invalid(fmt.Sprintf("%s.Search[%d]", f, j), s, "duplicate search domain")
			}
		}
		if ifc.MTU != 0 && (ifc.MTU < 576 || ifc.MTU > 9216) {
			return sitekit.Invalid(f+".MTU", ifc.MTU, "must be between 576 and 9216")
		}
		if c.Version == NetworkV1 && ifc.MAC == "" && ifc.Name == "" {
			return sitekit.Invalid(f+".Name", ifc.Name, "version 1 needs a name")
		}
	}
	return nil
}

// Format prints a summary (the network-config holds no secret, but is summarised like
// [UserData] for consistency in logs).
func (c NetworkConfig) Format(f fmt.State, verb rune) {
	names := make([]string, 0, len(c.Interfaces))
	for _, i := range c.Interfaces {
		names = append(names, i.Name)
	}
	fmt.Fprintf(f, "cloudinit.NetworkConfig{v%d %s}", c.Version, strings.Join(names, ","))
}

// Bytes validates c and renders it as YAML in its Version's format.
func (c NetworkConfig) Bytes() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var doc any
	if c.Version == NetworkV1 {
		doc = c.v1()
	} else {
		d, err := c.v2()
		if err != nil {
			return nil, err
		}
		doc = d
	}
	var buf bytes.Buffer
	if err := encodeYAML(&buf, doc); err != nil {
		return nil, fmt.Errorf("cloudinit: render network-config: %w", err)
	}
	return buf.Bytes(), nil
}

// Render is [NetworkConfig.Bytes] as a string, the form XO's create_vm `network_config` takes.
func (c NetworkConfig) Render() (string, error) {
	b, err := c.Bytes()
	return string(b), err
}

// ---- wire forms ----

// stringList decodes a scalar or a sequence of scalars.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*s = nil
			return nil
		}
		*s = stringList{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	return fmt.Errorf("line %d: expected a string or a list of strings", n.Line)
}

type v1Doc struct {
	Version int       `yaml:"version"`
	Config  []v1Entry `yaml:"config"`
}

type v1Entry struct {
	Type       string     `yaml:"type"`
	Name       string     `yaml:"name,omitempty"`
	MACAddress string     `yaml:"mac_address,omitempty"`
	MTU        int        `yaml:"mtu,omitempty"`
	Subnets    []v1Subnet `yaml:"subnets,omitempty"`
	Address    stringList `yaml:"address,omitempty"` // type: nameserver
	Search     stringList `yaml:"search,omitempty"`  // type: nameserver
}

type v1Subnet struct {
	Type           string     `yaml:"type"`
	Address        string     `yaml:"address,omitempty"`
	Netmask        string     `yaml:"netmask,omitempty"`
	Gateway        string     `yaml:"gateway,omitempty"`
	DNSNameservers stringList `yaml:"dns_nameservers,omitempty"`
	DNSSearch      stringList `yaml:"dns_search,omitempty"`
}

type v2Doc struct {
	Version   int       `yaml:"version"`
	Ethernets yaml.Node `yaml:"ethernets"`
}

type v2Ethernet struct {
	Match       *v2Match      `yaml:"match,omitempty"`
	SetName     string        `yaml:"set-name,omitempty"`
	DHCP4       bool          `yaml:"dhcp4,omitempty"`
	DHCP6       bool          `yaml:"dhcp6,omitempty"`
	Addresses   []string      `yaml:"addresses,omitempty"`
	Gateway4    string        `yaml:"gateway4,omitempty"`
	Gateway6    string        `yaml:"gateway6,omitempty"`
	Routes      []v2Route     `yaml:"routes,omitempty"`
	Nameservers *v2Nameserver `yaml:"nameservers,omitempty"`
	MTU         int           `yaml:"mtu,omitempty"`
}

type v2Match struct {
	MACAddress string `yaml:"macaddress,omitempty"`
	Name       string `yaml:"name,omitempty"`
}

type v2Route struct {
	To  string `yaml:"to"`
	Via string `yaml:"via"`
}

type v2Nameserver struct {
	Addresses []string `yaml:"addresses,omitempty"`
	Search    []string `yaml:"search,omitempty"`
}

func addrStrings(as []netip.Addr) stringList {
	var out stringList
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

func (c NetworkConfig) v1() v1Doc {
	d := v1Doc{Version: NetworkV1}
	for _, ifc := range c.Interfaces {
		e := v1Entry{Type: "physical", Name: ifc.Name, MACAddress: ifc.MAC, MTU: ifc.MTU}
		if ifc.DHCP4 {
			e.Subnets = append(e.Subnets, v1Subnet{Type: "dhcp"})
		}
		if ifc.DHCP6 {
			e.Subnets = append(e.Subnets, v1Subnet{Type: "dhcp6"})
		}
		gwDone := false
		for _, p := range ifc.Addresses {
			s := v1Subnet{Type: "static", Address: p.String()}
			if p.Addr().Is6() {
				s.Type = "static6"
			}
			if !gwDone && ifc.Gateway.IsValid() && p.Masked().Contains(ifc.Gateway) {
				s.Gateway = ifc.Gateway.String()
				gwDone = true
			}
			e.Subnets = append(e.Subnets, s)
		}
		if len(e.Subnets) > 0 {
			e.Subnets[0].DNSNameservers = addrStrings(ifc.DNS)
			if len(ifc.Search) > 0 {
				e.Subnets[0].DNSSearch = slices.Clone(ifc.Search)
			}
		}
		d.Config = append(d.Config, e)
	}
	return d
}

func (c NetworkConfig) v2() (*yaml.Node, error) {
	eths := &yaml.Node{Kind: yaml.MappingNode}
	for _, ifc := range c.Interfaces {
		e := v2Ethernet{DHCP4: ifc.DHCP4, DHCP6: ifc.DHCP6, MTU: ifc.MTU}
		if ifc.MAC != "" {
			e.Match = &v2Match{MACAddress: ifc.MAC}
			e.SetName = ifc.Name
		}
		for _, p := range ifc.Addresses {
			e.Addresses = append(e.Addresses, p.String())
		}
		if ifc.Gateway.IsValid() {
			e.Routes = []v2Route{{To: "default", Via: ifc.Gateway.String()}}
		}
		if len(ifc.DNS) > 0 || len(ifc.Search) > 0 {
			e.Nameservers = &v2Nameserver{Addresses: addrStrings(ifc.DNS), Search: slices.Clone(ifc.Search)}
		}
		var val yaml.Node
		if err := val.Encode(e); err != nil {
			return nil, err
		}
		eths.Content = append(eths.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: ifc.Name}, &val)
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	root.Content = []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "version"}, {Kind: yaml.ScalarNode, Tag: "!!int", Value: "2"},
		{Kind: yaml.ScalarNode, Value: "ethernets"}, eths,
	}
	return root, nil
}

// ParseNetworkConfig decodes a version 1 or 2 network-config (optionally wrapped in a
// top-level `network:` key) into a [NetworkConfig]. Only what the type models is kept:
// physical/ethernet interfaces, DHCP, static addresses, the default gateway, name servers
// and MTU; other entries (bonds, VLANs, bridges, non-default routes) are an error rather than
// silently dropped. An empty or comment-only file is [ErrEmptyNetworkConfig]. It does not
// validate: call [NetworkConfig.Validate] for that.
func ParseNetworkConfig(b []byte) (NetworkConfig, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: %w", err)
	}
	if root.Kind == 0 || len(root.Content) == 0 || root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null" {
		return NetworkConfig{}, ErrEmptyNetworkConfig
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: line %d: expected a mapping", doc.Line)
	}
	if v := mappingValue(doc, "network"); v != nil && mappingValue(doc, "version") == nil {
		if v.Kind != yaml.MappingNode {
			return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: line %d: network: expected a mapping", v.Line)
		}
		doc = v
	}
	var head struct {
		Version int `yaml:"version"`
	}
	if err := doc.Decode(&head); err != nil {
		return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: %w", err)
	}
	switch head.Version {
	case NetworkV1:
		var d v1Doc
		if err := doc.Decode(&d); err != nil {
			return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: %w", err)
		}
		return fromV1(d)
	case NetworkV2:
		var d v2Doc
		if err := doc.Decode(&d); err != nil {
			return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: %w", err)
		}
		return fromV2(&d.Ethernets)
	}
	return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: version %d: want 1 or 2", head.Version)
}

// ValidateNetworkConfig checks a network-config document given as text (for example one
// written by hand) before it is passed to XO: it must parse and validate.
func ValidateNetworkConfig(b []byte) error {
	c, err := ParseNetworkConfig(b)
	if err != nil {
		return err
	}
	return c.Validate()
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func parseAddrs(field string, ss []string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range ss {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("cloudinit: parse network-config: %s %q: %w", field, s, err)
		}
		out = appendUnique(out, a)
	}
	return out, nil
}

func appendUnique[T comparable](l []T, vs ...T) []T {
	for _, v := range vs {
		if !slices.Contains(l, v) {
			l = append(l, v)
		}
	}
	return l
}

func fromV1(d v1Doc) (NetworkConfig, error) {
	c := NetworkConfig{Version: NetworkV1}
	var globalDNS []netip.Addr
	var globalSearch []string
	for i, e := range d.Config {
		switch e.Type {
		case "physical":
		case "nameserver":
			a, err := parseAddrs("nameserver address", e.Address)
			if err != nil {
				return NetworkConfig{}, err
			}
			globalDNS = appendUnique(globalDNS, a...)
			globalSearch = appendUnique(globalSearch, e.Search...)
			continue
		default:
			return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: config[%d]: type %q is not supported (physical and nameserver only)", i, e.Type)
		}
		ifc := Interface{Name: e.Name, MAC: strings.ToLower(e.MACAddress), MTU: e.MTU}
		for j, s := range e.Subnets {
			switch s.Type {
			case "dhcp", "dhcp4":
				ifc.DHCP4 = true
			case "dhcp6":
				ifc.DHCP6 = true
			case "static", "static6":
				p, err := parseV1Address(s.Address, s.Netmask)
				if err != nil {
					return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: config[%d].subnets[%d]: %w", i, j, err)
				}
				ifc.Addresses = append(ifc.Addresses, p)
				if s.Gateway != "" {
					gw, err := netip.ParseAddr(s.Gateway)
					if err != nil {
						return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: config[%d].subnets[%d].gateway: %w", i, j, err)
					}
					if !ifc.Gateway.IsValid() {
						ifc.Gateway = gw
					}
				}
			default:
				return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: config[%d].subnets[%d]: type %q is not supported", i, j, s.Type)
			}
			dns, err := parseAddrs("dns_nameservers", s.DNSNameservers)
			if err != nil {
				return NetworkConfig{}, err
			}
			ifc.DNS = appendUnique(ifc.DNS, dns...)
			ifc.Search = appendUnique(ifc.Search, s.DNSSearch...)
		}
		c.Interfaces = append(c.Interfaces, ifc)
	}
	for i := range c.Interfaces {
		c.Interfaces[i].DNS = appendUnique(c.Interfaces[i].DNS, globalDNS...)
		c.Interfaces[i].Search = appendUnique(c.Interfaces[i].Search, globalSearch...)
	}
	return c, nil
}

func parseV1Address(addr, netmask string) (netip.Prefix, error) {
	if strings.Contains(addr, "/") {
		return netip.ParsePrefix(addr)
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, err
	}
	bits := a.BitLen()
	if netmask != "" {
		m, err := netip.ParseAddr(netmask)
		if err != nil || !m.Is4() {
			return netip.Prefix{}, fmt.Errorf("netmask %q is not an IPv4 mask", netmask)
		}
		ones, total := net.IPMask(m.AsSlice()).Size()
		if total == 0 {
			return netip.Prefix{}, fmt.Errorf("netmask %q is not contiguous", netmask)
		}
		bits = ones
	}
	return netip.PrefixFrom(a, bits), nil
}

func fromV2(eths *yaml.Node) (NetworkConfig, error) {
	c := NetworkConfig{Version: NetworkV2}
	if eths.Kind == 0 || eths.Tag == "!!null" {
		return c, nil
	}
	if eths.Kind != yaml.MappingNode {
		return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: line %d: ethernets: expected a mapping", eths.Line)
	}
	for i := 0; i+1 < len(eths.Content); i += 2 {
		id := eths.Content[i].Value
		var e v2Ethernet
		if err := eths.Content[i+1].Decode(&e); err != nil {
			return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: ethernets.%s: %w", id, err)
		}
		ifc := Interface{Name: id, DHCP4: e.DHCP4, DHCP6: e.DHCP6, MTU: e.MTU}
		if e.Match != nil {
			ifc.MAC = strings.ToLower(e.Match.MACAddress)
			if e.Match.Name != "" {
				ifc.Name = e.Match.Name
			}
		}
		if e.SetName != "" {
			ifc.Name = e.SetName
		}
		for _, a := range e.Addresses {
			p, err := netip.ParsePrefix(a)
			if err != nil {
				return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: ethernets.%s.addresses: %w", id, err)
			}
			ifc.Addresses = append(ifc.Addresses, p)
		}
		gws := []string{e.Gateway4, e.Gateway6}
		for _, r := range e.Routes {
			switch r.To {
			case "default", "0.0.0.0/0", "::/0":
				gws = append(gws, r.Via)
			default:
				return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: ethernets.%s.routes: route to %q is not supported (default route only)", id, r.To)
			}
		}
		for _, g := range gws {
			if g == "" || ifc.Gateway.IsValid() {
				continue
			}
			gw, err := netip.ParseAddr(g)
			if err != nil {
				return NetworkConfig{}, fmt.Errorf("cloudinit: parse network-config: ethernets.%s gateway: %w", id, err)
			}
			ifc.Gateway = gw
		}
		if e.Nameservers != nil {
			dns, err := parseAddrs("nameservers.addresses", e.Nameservers.Addresses)
			if err != nil {
				return NetworkConfig{}, err
			}
			ifc.DNS = dns
			ifc.Search = appendUnique([]string(nil), e.Nameservers.Search...)
		}
		c.Interfaces = append(c.Interfaces, ifc)
	}
	return c, nil
}
