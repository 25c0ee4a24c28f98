package fortigate

// VIP is a firewall/vip record (reference §3.7): destination NAT (port forwarding) from
// ExtIntf/ExtIP to MappedIP. Use its name in a policy's DstAddr.
type VIP struct {
	Name         string     `json:"name,omitempty"`
	ID           int        `json:"id,omitempty"`
	UUID         string     `json:"uuid,omitempty"`
	Type         string     `json:"type,omitempty"` // static-nat (default), load-balance, …, access-proxy
	ExtIntf      string     `json:"extintf,omitempty"`
	ExtIP        string     `json:"extip,omitempty"`
	MappedIP     []VIPRange `json:"mappedip,omitempty"`
	PortForward  string     `json:"portforward,omitempty"`
	Protocol     string     `json:"protocol,omitempty"`
	ExtPort      string     `json:"extport,omitempty"`
	MappedPort   string     `json:"mappedport,omitempty"`
	ArpReply     string     `json:"arp-reply,omitempty"`
	NATSourceVIP string     `json:"nat-source-vip,omitempty"`
	SrcFilter    []VIPRange `json:"src-filter,omitempty"`
	Comment      string     `json:"comment,omitempty"`
	Color        int        `json:"color,omitempty"`
}

// VIPRange is an address or range ("10.0.40.10" or "10.0.40.10-10.0.40.12").
type VIPRange struct {
	Range string `json:"range"`
}

func (o VIP) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o VIP) Validate() error { return o.validate(false) }

func (o VIP) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.rng("ID", o.ID, 0, 65535, false)
	v.enum("Type", o.Type, "static-nat", "load-balance", "server-load-balance", "dns-translation", "fqdn", "access-proxy")
	v.str("ExtIntf", o.ExtIntf, 35)
	for i, r := range o.MappedIP {
		v.str("MappedIP["+itoa(i)+"].Range", r.Range, 79)
		for _, ip := range splitRange(r.Range) {
			v.ipv4("MappedIP["+itoa(i)+"].Range", ip)
		}
	}
	for _, ip := range splitRange(o.ExtIP) {
		v.ipv4("ExtIP", ip)
	}
	v.enum("PortForward", o.PortForward, enableDisable...)
	v.enum("Protocol", o.Protocol, "tcp", "udp", "sctp", "icmp")
	v.portRange("ExtPort", o.ExtPort)
	v.portRange("MappedPort", o.MappedPort)
	v.enum("ArpReply", o.ArpReply, enableDisable...)
	v.enum("NATSourceVIP", o.NATSourceVIP, enableDisable...)
	v.str("Comment", o.Comment, 255)
	v.rng("Color", o.Color, 0, 32, false)
	return v.err
}

func splitRange(s string) []string {
	if s == "" {
		return nil
	}
	a, b, ok := cutRange(s)
	if !ok {
		return []string{s}
	}
	return []string{a, b}
}

func cutRange(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '-' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// VIPService manages firewall/vip (generic table verbs).
type VIPService struct{ table[string, VIP] }
