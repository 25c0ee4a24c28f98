package fortigate

// Service is a firewall.service/custom record (reference §3.5). Port ranges are
// space-separated "dst[-dst][:src[-src]]" lists ("443", "8000-8080 8443").
type Service struct {
	Name           string `json:"name,omitempty"`
	Protocol       string `json:"protocol,omitempty"`
	TCPPortRange   string `json:"tcp-portrange,omitempty"`
	UDPPortRange   string `json:"udp-portrange,omitempty"`
	SCTPPortRange  string `json:"sctp-portrange,omitempty"`
	ICMPType       *int   `json:"icmptype,omitempty"`
	ICMPCode       *int   `json:"icmpcode,omitempty"`
	ProtocolNumber int    `json:"protocol-number,omitempty"`
	IPRange        string `json:"iprange,omitempty"`
	FQDN           string `json:"fqdn,omitempty"`
	Category       string `json:"category,omitempty"`
	Comment        string `json:"comment,omitempty"`
	Color          int    `json:"color,omitempty"`
	Proxy          string `json:"proxy,omitempty"`
}

// ServiceProtocols are the firewall.service/custom protocols of FortiOS 7.6.
var ServiceProtocols = []string{"TCP/UDP/UDP-Lite/SCTP", "ICMP", "ICMP6", "IP", "HTTP", "FTP", "CONNECT", "SOCKS-TCP", "SOCKS-UDP", "ALL"}

func (o Service) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o Service) Validate() error { return o.validate(false) }

func (o Service) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.enum("Protocol", o.Protocol, ServiceProtocols...)
	v.portRange("TCPPortRange", o.TCPPortRange)
	v.portRange("UDPPortRange", o.UDPPortRange)
	v.portRange("SCTPPortRange", o.SCTPPortRange)
	if o.ICMPType != nil {
		v.rng("ICMPType", *o.ICMPType, 0, 255, false)
	}
	if o.ICMPCode != nil {
		v.rng("ICMPCode", *o.ICMPCode, 0, 255, false)
	}
	v.rng("ProtocolNumber", o.ProtocolNumber, 0, 254, false)
	v.str("FQDN", o.FQDN, 255)
	v.str("Category", o.Category, 63)
	v.str("Comment", o.Comment, 255)
	v.rng("Color", o.Color, 0, 32, false)
	v.enum("Proxy", o.Proxy, enableDisable...)
	return v.err
}

// ServiceService manages firewall.service/custom (generic table verbs).
type ServiceService struct{ table[string, Service] }
