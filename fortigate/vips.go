package fortigate

import (
	"context"
	"iter"
	"strconv"
	"strings"
)

// VIP is a firewall/vip record: destination NAT (port forwarding) from
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
		v.str("MappedIP["+strconv.Itoa(i)+"].Range", r.Range, 79)
		for _, ip := range splitRange(r.Range) {
			v.ipv4("MappedIP["+strconv.Itoa(i)+"].Range", ip)
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
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return []string{s}
	}
	return []string{a, b}
}

// VIPsService manages the virtual IPs (firewall/vip). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type VIPsService struct{ t table[string, VIP] }

// List returns the virtual IPs matching opts (nil: all of them), in table order.
func (s *VIPsService) List(ctx context.Context, opts *ListOptions) ([]VIP, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the virtual IPs matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *VIPsService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]VIP], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the virtual IPs matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *VIPsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[VIP, error] {
	return s.t.all(ctx, opts)
}

// Get returns the virtual IP named name, or an error matching [sitekit.ErrNotFound].
func (s *VIPsService) Get(ctx context.Context, name string) (VIP, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the virtual IP named name exists.
func (s *VIPsService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *VIPsService) Create(ctx context.Context, obj VIP) (VIP, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the virtual IP named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *VIPsService) Update(ctx context.Context, name string, obj VIP) (VIP, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the virtual IP named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *VIPsService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the virtual IP named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *VIPsService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the virtual IP named name under the key newKey.
func (s *VIPsService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o VIP) withMKey(k string) VIP {
	o.Name = k
	return o
}
