package fortigate

// AccessProxy is a firewall/access-proxy record (reference §3.12): the ZTNA access proxy
// listening on a VIP of type "access-proxy", forwarding to real servers through API
// gateways. Policies then use ZTNAStatus "enable" and ZTNAEMSTag (EMS tags).
type AccessProxy struct {
	Name              string               `json:"name,omitempty"`
	VIP               string               `json:"vip,omitempty"`
	AuthPortal        string               `json:"auth-portal,omitempty"`
	AuthVirtualHost   string               `json:"auth-virtual-host,omitempty"`
	LogBlockedTraffic string               `json:"log-blocked-traffic,omitempty"`
	APIGateway        []AccessProxyGateway `json:"api-gateway,omitempty"`
}

// AccessProxyGateway is one api-gateway entry: what URL maps to which real servers.
type AccessProxyGateway struct {
	ID            int                     `json:"id,omitempty"`
	URLMap        string                  `json:"url-map,omitempty"`
	URLMapType    string                  `json:"url-map-type,omitempty"` // sub-string | wildcard | regex
	Service       string                  `json:"service,omitempty"`      // http | https | tcp-forwarding | samlsp | web-portal | saas
	LDBMethod     string                  `json:"ldb-method,omitempty"`
	VirtualHost   string                  `json:"virtual-host,omitempty"`
	Persistence   string                  `json:"persistence,omitempty"`
	SSLMinVersion string                  `json:"ssl-min-version,omitempty"`
	RealServers   []AccessProxyRealServer `json:"realservers,omitempty"`
}

// AccessProxyRealServer is one back-end server of an API gateway.
type AccessProxyRealServer struct {
	ID         int    `json:"id,omitempty"`
	AddrType   string `json:"addr-type,omitempty"` // ip | fqdn
	Address    string `json:"address,omitempty"`   // firewall address (fqdn type)
	IP         string `json:"ip,omitempty"`
	Domain     string `json:"domain,omitempty"`
	Port       int    `json:"port,omitempty"`
	Status     string `json:"status,omitempty"` // active | standby | disable
	Type       string `json:"type,omitempty"`   // tcp-forwarding | ssh
	Weight     int    `json:"weight,omitempty"`
	VerifyCert string `json:"verify-cert,omitempty"`
}

func (o AccessProxy) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o AccessProxy) Validate() error { return o.validate(false) }

func (o AccessProxy) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.str("VIP", o.VIP, 79)
	v.enum("AuthPortal", o.AuthPortal, enableDisable...)
	v.str("AuthVirtualHost", o.AuthVirtualHost, 79)
	v.enum("LogBlockedTraffic", o.LogBlockedTraffic, enableDisable...)
	validateGateways(&v, "APIGateway", o.APIGateway, "http", "https", "tcp-forwarding", "samlsp", "web-portal", "saas")
	return v.err
}

func validateGateways(v *validator, field string, gws []AccessProxyGateway, services ...string) {
	for i, g := range gws {
		f := field + "[" + itoa(i) + "]"
		v.str(f+".URLMap", g.URLMap, 511)
		v.enum(f+".URLMapType", g.URLMapType, "sub-string", "wildcard", "regex")
		v.enum(f+".Service", g.Service, services...)
		v.enum(f+".LDBMethod", g.LDBMethod, "static", "round-robin", "weighted", "first-alive", "http-host")
		v.str(f+".VirtualHost", g.VirtualHost, 79)
		v.enum(f+".Persistence", g.Persistence, "none", "http-cookie")
		v.enum(f+".SSLMinVersion", g.SSLMinVersion, "tls-1.0", "tls-1.1", "tls-1.2", "tls-1.3")
		for j, r := range g.RealServers {
			rf := f + ".RealServers[" + itoa(j) + "]"
			v.enum(rf+".AddrType", r.AddrType, "ip", "fqdn")
			v.str(rf+".Address", r.Address, 79)
			v.ipv4(rf+".IP", r.IP)
			v.str(rf+".Domain", r.Domain, 255)
			v.rng(rf+".Port", r.Port, 1, 65535, true)
			v.enum(rf+".Status", r.Status, "active", "standby", "disable")
			v.enum(rf+".Type", r.Type, "tcp-forwarding", "ssh")
			v.rng(rf+".Weight", r.Weight, 1, 255, true)
			v.enum(rf+".VerifyCert", r.VerifyCert, enableDisable...)
		}
	}
}

// AccessProxyService manages firewall/access-proxy (generic table verbs).
type AccessProxyService struct{ table[string, AccessProxy] }

// ZTNAWebProxy is a ztna/web-proxy record (FortiOS 7.6): an explicit ZTNA web proxy on a VIP.
type ZTNAWebProxy struct {
	Name              string               `json:"name,omitempty"`
	VIP               string               `json:"vip,omitempty"`
	Host              string               `json:"host,omitempty"`
	AuthPortal        string               `json:"auth-portal,omitempty"`
	AuthVirtualHost   string               `json:"auth-virtual-host,omitempty"`
	LogBlockedTraffic string               `json:"log-blocked-traffic,omitempty"`
	APIGateway        []AccessProxyGateway `json:"api-gateway,omitempty"`
}

func (o ZTNAWebProxy) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o ZTNAWebProxy) Validate() error { return o.validate(false) }

func (o ZTNAWebProxy) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.str("VIP", o.VIP, 79)
	v.str("Host", o.Host, 79)
	v.enum("AuthPortal", o.AuthPortal, enableDisable...)
	v.str("AuthVirtualHost", o.AuthVirtualHost, 79)
	v.enum("LogBlockedTraffic", o.LogBlockedTraffic, enableDisable...)
	validateGateways(&v, "APIGateway", o.APIGateway, "http", "https")
	return v.err
}

// ZTNAWebProxyService manages ztna/web-proxy (generic table verbs).
type ZTNAWebProxyService struct{ table[string, ZTNAWebProxy] }
