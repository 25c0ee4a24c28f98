package fortigate

import (
	"context"
)

// Interface is a system/interface record (reference §3.1): a physical port, a hardware
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
	InterfaceTypes = []string{"physical", "vlan", "aggregate", "redundant", "tunnel", "vdom-link", "loopback", "switch",
		"vap-switch", "wl-mesh", "fext-wan", "vxlan", "geneve", "switch-vlan", "emac-vlan", "lan-extension"}
	InterfaceRoles  = []string{"lan", "wan", "dmz", "undefined"}
	InterfaceModes  = []string{"static", "dhcp", "pppoe"}
	AllowAccessOpts = []string{"ping", "https", "ssh", "snmp", "http", "telnet", "fgfm", "radius-acct", "probe-response",
		"fabric", "ftm", "speed-test", "scim"}
)

func (o Interface) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o Interface) Validate() error { return o.validate(false) }

func (o Interface) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 15, partial)
	v.str("VDOM", o.VDOM, 31)
	v.enum("Type", o.Type, InterfaceTypes...)
	v.str("Interface", o.Interface, 15)
	v.rng("VLANID", o.VLANID, 1, 4094, !(o.Type == "vlan" && !partial))
	if o.Type == "vlan" && !partial {
		v.required("Interface", o.Interface)
	}
	v.enum("VLANProtocol", o.VLANProtocol, "8021q", "8021ad")
	v.enum("Mode", o.Mode, InterfaceModes...)
	v.multi("AllowAccess", o.AllowAccess, AllowAccessOpts...)
	v.enum("Role", o.Role, InterfaceRoles...)
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

// InterfaceService manages system/interface. Interfaces are global objects: VLANs are
// created with VDOM set (e.g. "root"). Get, List, All, Create, Update, Patch, Delete, Clone
// and Exists come from the generic table.
type InterfaceService struct{ table[string, Interface] }

// VLANs lists the VLAN sub-interfaces, optionally only those of parent ("" for all).
func (s *InterfaceService) VLANs(ctx context.Context, parent string) ([]Interface, error) {
	f := []string{"type==vlan"}
	if parent != "" {
		f = append(f, "interface=="+FilterEscape(parent))
	}
	return s.List(ctx, &ListOptions{Filter: f})
}
