package fortigate

import (
	"context"
	"iter"
	"net/netip"
	"strconv"
)

// DHCPServer is a system.dhcp/server record, keyed by ID (0 on create:
// FortiOS allocates it). Interface must name an interface with a static address.
type DHCPServer struct {
	ID              int               `json:"id,omitempty"`
	Status          string            `json:"status,omitempty"`
	Interface       string            `json:"interface,omitempty"`
	LeaseTime       int               `json:"lease-time,omitempty"`
	DNSService      string            `json:"dns-service,omitempty"`
	DNSServer1      string            `json:"dns-server1,omitempty"`
	DNSServer2      string            `json:"dns-server2,omitempty"`
	DNSServer3      string            `json:"dns-server3,omitempty"`
	NTPService      string            `json:"ntp-service,omitempty"`
	NTPServer1      string            `json:"ntp-server1,omitempty"`
	DefaultGateway  string            `json:"default-gateway,omitempty"`
	Netmask         string            `json:"netmask,omitempty"`
	Domain          string            `json:"domain,omitempty"`
	ServerType      string            `json:"server-type,omitempty"`
	IPMode          string            `json:"ip-mode,omitempty"`
	IPRange         []DHCPRange       `json:"ip-range,omitempty"`
	ExcludeRange    []DHCPRange       `json:"exclude-range,omitempty"`
	ReservedAddress []DHCPReservation `json:"reserved-address,omitempty"`
}

// DHCPRange is one address range of a DHCP server.
type DHCPRange struct {
	ID      int    `json:"id,omitempty"`
	StartIP string `json:"start-ip"`
	EndIP   string `json:"end-ip"`
}

// DHCPReservation is one reserved address of a DHCP server.
type DHCPReservation struct {
	ID          int    `json:"id,omitempty"`
	Type        string `json:"type,omitempty"` // mac | option82
	IP          string `json:"ip"`
	MAC         string `json:"mac,omitempty"`
	Action      string `json:"action,omitempty"` // assign | block | reserved
	Description string `json:"description,omitempty"`
}

func (o DHCPServer) mkey() int { return o.ID }

// Validate checks the record as a create request, before any I/O.
func (o DHCPServer) Validate() error { return o.validate(false) }

func (o DHCPServer) validate(partial bool) error {
	var v validator
	v.rng("ID", o.ID, 0, 4294967295, false)
	v.enum("Status", o.Status, enableDisable...)
	if !partial {
		v.required("Interface", o.Interface)
	}
	v.str("Interface", o.Interface, 15)
	v.rng("LeaseTime", o.LeaseTime, 300, 8640000, true)
	v.enum("DNSService", o.DNSService, "local", "default", "specify")
	v.enum("NTPService", o.NTPService, "local", "default", "specify")
	v.enum("ServerType", o.ServerType, "regular", "ipsec")
	v.enum("IPMode", o.IPMode, "range", "usrgrp")
	for f, ip := range map[string]string{"DNSServer1": o.DNSServer1, "DNSServer2": o.DNSServer2, "DNSServer3": o.DNSServer3,
		"NTPServer1": o.NTPServer1, "DefaultGateway": o.DefaultGateway} {
		v.ipv4(f, ip)
	}
	v.netmask("Netmask", o.Netmask)
	v.str("Domain", o.Domain, 35)
	for i, r := range append(append([]DHCPRange{}, o.IPRange...), o.ExcludeRange...) {
		f := "IPRange[" + strconv.Itoa(i) + "]"
		if i >= len(o.IPRange) {
			f = "ExcludeRange[" + strconv.Itoa(i-len(o.IPRange)) + "]"
		}
		v.ipv4(f+".StartIP", r.StartIP)
		v.ipv4(f+".EndIP", r.EndIP)
		if v.err == nil {
			s, e1 := netip.ParseAddr(r.StartIP)
			e, e2 := netip.ParseAddr(r.EndIP)
			if e1 != nil || e2 != nil || e.Less(s) {
				v.fail(f+".EndIP", r.EndIP, "must be an IPv4 address not below StartIP "+r.StartIP)
			}
		}
	}
	for i, r := range o.ReservedAddress {
		f := "ReservedAddress[" + strconv.Itoa(i) + "]"
		v.ipv4(f+".IP", r.IP)
		v.enum(f+".Type", r.Type, "mac", "option82")
		v.enum(f+".Action", r.Action, "assign", "block", "reserved")
		v.str(f+".Description", r.Description, 255)
	}
	return v.err
}

// DHCPServersService manages the DHCP servers (system.dhcp/server). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type DHCPServersService struct{ t table[int, DHCPServer] }

// List returns the DHCP servers matching opts (nil: all of them), in table order.
func (s *DHCPServersService) List(ctx context.Context, opts *ListOptions) ([]DHCPServer, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the DHCP servers matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *DHCPServersService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]DHCPServer], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the DHCP servers matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *DHCPServersService) All(ctx context.Context, opts *ListOptions) iter.Seq2[DHCPServer, error] {
	return s.t.all(ctx, opts)
}

// Get returns the DHCP server with ID id, or an error matching [sitekit.ErrNotFound].
func (s *DHCPServersService) Get(ctx context.Context, id int) (DHCPServer, error) {
	return s.t.get(ctx, id)
}

// Exists reports whether the DHCP server with ID id exists.
func (s *DHCPServersService) Exists(ctx context.Context, id int) (bool, error) {
	return s.t.exists(ctx, id)
}

// Create validates obj, creates it and returns obj with its ID as FortiOS answered
// it (0 asks FortiOS to allocate one). Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *DHCPServersService) Create(ctx context.Context, obj DHCPServer) (DHCPServer, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the DHCP server with ID id (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *DHCPServersService) Update(ctx context.Context, id int, obj DHCPServer) (DHCPServer, error) {
	return s.t.update(ctx, id, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the DHCP server with ID id, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *DHCPServersService) Patch(ctx context.Context, id int, attrs map[string]any) error {
	return s.t.patch(ctx, id, attrs)
}

// Delete removes the DHCP server with ID id. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *DHCPServersService) Delete(ctx context.Context, id int) error {
	return s.t.delete(ctx, id)
}

// Clone copies the DHCP server with ID id under the key newKey.
func (s *DHCPServersService) Clone(ctx context.Context, id, newKey int) error {
	return s.t.clone(ctx, id, newKey)
}

func (o DHCPServer) withMKey(k int) DHCPServer {
	o.ID = k
	return o
}
