package fortigate

import (
	"context"
	"iter"
)

// Interface is a system/interface record: a physical port, a hardware
// switch, or a VLAN sub-interface (Type "vlan", Interface = parent, VLANID 1–4094).
// Name is at most 15 characters; VLAN ID and parent cannot change after creation.
type Interface struct {
	Name                 string  `json:"name,omitempty"`
	VDOM                 string  `json:"vdom,omitempty"`
	Type                 string  `json:"type,omitempty"`
	Interface            string  `json:"interface,omitempty"` // parent of a VLAN
	VLANID               int     `json:"vlanid,omitempty"`
	VLANProtocol         string  `json:"vlan-protocol,omitempty"`
	Mode                 string  `json:"mode,omitempty"`
	IP                   IPMask  `json:"ip,omitzero"`
	AllowAccess          Options `json:"allowaccess,omitempty"`
	Role                 string  `json:"role,omitempty"`
	Alias                string  `json:"alias,omitempty"`
	Description          string  `json:"description,omitempty"`
	Status               string  `json:"status,omitempty"`
	DeviceIdentification string  `json:"device-identification,omitempty"`
	MTUOverride          string  `json:"mtu-override,omitempty"`
	MTU                  int     `json:"mtu,omitempty"`
	VRF                  int     `json:"vrf,omitempty"`
	Distance             int     `json:"distance,omitempty"`
	Color                int     `json:"color,omitempty"`
	MACAddr              string  `json:"macaddr,omitempty"`
	// Member lists the ports of a switch or aggregate interface.
	Member []InterfaceMember `json:"member,omitempty"`
}

// InterfaceMember is one port of a switch or aggregate interface.
type InterfaceMember struct {
	InterfaceName string `json:"interface-name"`
}

// Interface types, roles, modes and management access values accepted by FortiOS 7.6.
var (
	interfaceTypes = []string{"physical", "vlan", "aggregate", "redundant", "tunnel", "vdom-link", "loopback", "switch",
		"vap-switch", "wl-mesh", "fext-wan", "vxlan", "geneve", "switch-vlan", "emac-vlan", "lan-extension"}
	interfaceRoles  = []string{"lan", "wan", "dmz", "undefined"}
	interfaceModes  = []string{"static", "dhcp", "pppoe"}
	allowAccessOpts = []string{"ping", "https", "ssh", "snmp", "http", "telnet", "fgfm", "radius-acct", "probe-response",
		"fabric", "ftm", "speed-test", "scim"}
)

func (o Interface) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o Interface) Validate() error { return o.validate(false) }

func (o Interface) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 15, partial)
	v.str("VDOM", o.VDOM, 31)
	v.enum("Type", o.Type, interfaceTypes...)
	v.str("Interface", o.Interface, 15)
	v.rng("VLANID", o.VLANID, 1, 4094, !(o.Type == "vlan" && !partial))
	if o.Type == "vlan" && !partial {
		v.required("Interface", o.Interface)
	}
	v.enum("VLANProtocol", o.VLANProtocol, "8021q", "8021ad")
	v.enum("Mode", o.Mode, interfaceModes...)
	v.multi("AllowAccess", o.AllowAccess, allowAccessOpts...)
	v.enum("Role", o.Role, interfaceRoles...)
	v.str("Alias", o.Alias, 25)
	v.str("Description", o.Description, 255)
	v.enum("Status", o.Status, "up", "down")
	v.enum("DeviceIdentification", o.DeviceIdentification, enableDisable...)
	v.enum("MTUOverride", o.MTUOverride, enableDisable...)
	v.rng("MTU", o.MTU, 68, 9216, true)
	v.rng("VRF", o.VRF, 0, 511, false)
	v.rng("Distance", o.Distance, 1, 255, true)
	v.rng("Color", o.Color, 0, 32, false)
	return v.err
}

// InterfacesService manages the interfaces (system/interface). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type InterfacesService struct{ t table[string, Interface] }

// List returns the interfaces matching opts (nil: all of them), in table order.
func (s *InterfacesService) List(ctx context.Context, opts *ListOptions) ([]Interface, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the interfaces matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *InterfacesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]Interface], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the interfaces matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *InterfacesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Interface, error] {
	return s.t.all(ctx, opts)
}

// Get returns the interface named name, or an error matching [sitekit.ErrNotFound].
func (s *InterfacesService) Get(ctx context.Context, name string) (Interface, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the interface named name exists.
func (s *InterfacesService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *InterfacesService) Create(ctx context.Context, obj Interface) (Interface, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the interface named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *InterfacesService) Update(ctx context.Context, name string, obj Interface) (Interface, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the interface named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *InterfacesService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the interface named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *InterfacesService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the interface named name under the key newKey.
func (s *InterfacesService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o Interface) withMKey(k string) Interface {
	o.Name = k
	return o
}

// VLANs lists the VLAN sub-interfaces, optionally only those of parent ("" for all).
func (s *InterfacesService) VLANs(ctx context.Context, parent string) ([]Interface, error) {
	f := []string{"type==vlan"}
	if parent != "" {
		f = append(f, "interface=="+FilterEscape(parent))
	}
	return s.List(ctx, &ListOptions{Filter: f})
}
