package fortigate

import (
	"context"
	"iter"
	"strconv"
)

// AccessProxy is a firewall/access-proxy record: the ZTNA access proxy
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
		f := field + "[" + strconv.Itoa(i) + "]"
		v.str(f+".URLMap", g.URLMap, 511)
		v.enum(f+".URLMapType", g.URLMapType, "sub-string", "wildcard", "regex")
		v.enum(f+".Service", g.Service, services...)
		v.enum(f+".LDBMethod", g.LDBMethod, "static", "round-robin", "weighted", "first-alive", "http-host")
		v.str(f+".VirtualHost", g.VirtualHost, 79)
		v.enum(f+".Persistence", g.Persistence, "none", "http-cookie")
		v.enum(f+".SSLMinVersion", g.SSLMinVersion, "tls-1.0", "tls-1.1", "tls-1.2", "tls-1.3")
		for j, r := range g.RealServers {
			rf := f + ".RealServers[" + strconv.Itoa(j) + "]"
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

// AccessProxiesService manages the access proxies (firewall/access-proxy). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type AccessProxiesService struct{ t table[string, AccessProxy] }

// List returns the access proxies matching opts (nil: all of them), in table order.
func (s *AccessProxiesService) List(ctx context.Context, opts *ListOptions) ([]AccessProxy, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the access proxies matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *AccessProxiesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]AccessProxy], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the access proxies matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *AccessProxiesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[AccessProxy, error] {
	return s.t.all(ctx, opts)
}

// Get returns the access proxy named name, or an error matching [sitekit.ErrNotFound].
func (s *AccessProxiesService) Get(ctx context.Context, name string) (AccessProxy, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the access proxy named name exists.
func (s *AccessProxiesService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *AccessProxiesService) Create(ctx context.Context, obj AccessProxy) (AccessProxy, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the access proxy named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *AccessProxiesService) Update(ctx context.Context, name string, obj AccessProxy) (AccessProxy, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the access proxy named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *AccessProxiesService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the access proxy named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *AccessProxiesService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the access proxy named name under the key newKey.
func (s *AccessProxiesService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o AccessProxy) withMKey(k string) AccessProxy {
	o.Name = k
	return o
}

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

// ZTNAWebProxiesService manages the ZTNA web proxies (ztna/web-proxy). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type ZTNAWebProxiesService struct{ t table[string, ZTNAWebProxy] }

// List returns the ZTNA web proxies matching opts (nil: all of them), in table order.
func (s *ZTNAWebProxiesService) List(ctx context.Context, opts *ListOptions) ([]ZTNAWebProxy, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the ZTNA web proxies matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *ZTNAWebProxiesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]ZTNAWebProxy], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the ZTNA web proxies matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *ZTNAWebProxiesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[ZTNAWebProxy, error] {
	return s.t.all(ctx, opts)
}

// Get returns the ZTNA web proxy named name, or an error matching [sitekit.ErrNotFound].
func (s *ZTNAWebProxiesService) Get(ctx context.Context, name string) (ZTNAWebProxy, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the ZTNA web proxy named name exists.
func (s *ZTNAWebProxiesService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *ZTNAWebProxiesService) Create(ctx context.Context, obj ZTNAWebProxy) (ZTNAWebProxy, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the ZTNA web proxy named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *ZTNAWebProxiesService) Update(ctx context.Context, name string, obj ZTNAWebProxy) (ZTNAWebProxy, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the ZTNA web proxy named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *ZTNAWebProxiesService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the ZTNA web proxy named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *ZTNAWebProxiesService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the ZTNA web proxy named name under the key newKey.
func (s *ZTNAWebProxiesService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o ZTNAWebProxy) withMKey(k string) ZTNAWebProxy {
	o.Name = k
	return o
}
