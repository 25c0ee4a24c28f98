package fortigate

import (
	"context"
	"iter"
)

// Service is a firewall.service/custom record. Port ranges are
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

// serviceProtocols are the firewall.service/custom protocols of FortiOS 7.6.
var serviceProtocols = []string{"TCP/UDP/UDP-Lite/SCTP", "ICMP", "ICMP6", "IP", "HTTP", "FTP", "CONNECT", "SOCKS-TCP", "SOCKS-UDP", "ALL"}

func (o Service) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o Service) Validate() error { return o.validate(false) }

func (o Service) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.enum("Protocol", o.Protocol, serviceProtocols...)
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

// ServicesService manages the custom services (firewall.service/custom). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type ServicesService struct{ t table[string, Service] }

// List returns the custom services matching opts (nil: all of them), in table order.
func (s *ServicesService) List(ctx context.Context, opts *ListOptions) ([]Service, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the custom services matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *ServicesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]Service], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the custom services matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *ServicesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Service, error] {
	return s.t.all(ctx, opts)
}

// Get returns the custom service named name, or an error matching [sitekit.ErrNotFound].
func (s *ServicesService) Get(ctx context.Context, name string) (Service, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the custom service named name exists.
func (s *ServicesService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *ServicesService) Create(ctx context.Context, obj Service) (Service, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the custom service named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *ServicesService) Update(ctx context.Context, name string, obj Service) (Service, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the custom service named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *ServicesService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the custom service named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *ServicesService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the custom service named name under the key newKey.
func (s *ServicesService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o Service) withMKey(k string) Service {
	o.Name = k
	return o
}
