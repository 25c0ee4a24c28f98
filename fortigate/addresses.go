package fortigate

import (
	"context"
	"iter"
)

// Address is a firewall/address record. Name is at most 79 characters and
// must not collide with an address group or VIP name.
type Address struct {
	Name                string    `json:"name,omitempty"`
	UUID                string    `json:"uuid,omitempty"`
	Type                string    `json:"type,omitempty"` // ipmask (default), iprange, fqdn, …
	SubType             string    `json:"sub-type,omitempty"`
	Subnet              IPMask    `json:"subnet,omitzero"`
	StartIP             string    `json:"start-ip,omitempty"`
	EndIP               string    `json:"end-ip,omitempty"`
	FQDN                string    `json:"fqdn,omitempty"`
	Country             string    `json:"country,omitempty"`
	Interface           string    `json:"interface,omitempty"`
	AssociatedInterface string    `json:"associated-interface,omitempty"`
	Comment             string    `json:"comment,omitempty"`
	Color               int       `json:"color,omitempty"`
	AllowRouting        string    `json:"allow-routing,omitempty"`
	FabricObject        string    `json:"fabric-object,omitempty"`
	MACAddr             []MACAddr `json:"macaddr,omitempty"`
}

// MACAddr is one MAC address (range) of a "mac" address.
type MACAddr struct {
	MACAddr string `json:"macaddr"`
}

// addressTypes are the firewall/address types of FortiOS 7.6.
var addressTypes = []string{"ipmask", "iprange", "fqdn", "geography", "wildcard", "dynamic", "interface-subnet", "mac", "route-tag"}

func (o Address) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o Address) Validate() error { return o.validate(false) }

func (o Address) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.enum("Type", o.Type, addressTypes...)
	v.enum("SubType", o.SubType, "sdn", "clearpass-spt", "fsso", "rsso", "ems-tag", "fortivoice-tag", "fortinac-tag",
		"swc-tag", "device-identification", "external-resource", "obsolete")
	v.ipv4("StartIP", o.StartIP)
	v.ipv4("EndIP", o.EndIP)
	if !partial {
		switch o.Type {
		case "iprange":
			v.required("StartIP", o.StartIP)
			v.required("EndIP", o.EndIP)
		case "fqdn":
			v.required("FQDN", o.FQDN)
		case "geography":
			v.required("Country", o.Country)
		}
	}
	v.str("FQDN", o.FQDN, 255)
	v.str("Country", o.Country, 2)
	v.str("Interface", o.Interface, 35)
	v.str("AssociatedInterface", o.AssociatedInterface, 35)
	v.str("Comment", o.Comment, 255)
	v.rng("Color", o.Color, 0, 32, false)
	v.enum("AllowRouting", o.AllowRouting, enableDisable...)
	v.enum("FabricObject", o.FabricObject, enableDisable...)
	return v.err
}

// AddressesService manages the addresses (firewall/address). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type AddressesService struct{ t table[string, Address] }

// List returns the addresses matching opts (nil: all of them), in table order.
func (s *AddressesService) List(ctx context.Context, opts *ListOptions) ([]Address, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the addresses matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *AddressesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]Address], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the addresses matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *AddressesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Address, error] {
	return s.t.all(ctx, opts)
}

// Get returns the address named name, or an error matching [sitekit.ErrNotFound].
func (s *AddressesService) Get(ctx context.Context, name string) (Address, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the address named name exists.
func (s *AddressesService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *AddressesService) Create(ctx context.Context, obj Address) (Address, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the address named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *AddressesService) Update(ctx context.Context, name string, obj Address) (Address, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the address named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *AddressesService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the address named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *AddressesService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the address named name under the key newKey.
func (s *AddressesService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o Address) withMKey(k string) Address {
	o.Name = k
	return o
}
