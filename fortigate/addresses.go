package fortigate

// Address is a firewall/address record (reference §3.3). Name is at most 79 characters and
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

// AddressTypes are the firewall/address types of FortiOS 7.6.
var AddressTypes = []string{"ipmask", "iprange", "fqdn", "geography", "wildcard", "dynamic", "interface-subnet", "mac", "route-tag"}

func (o Address) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o Address) Validate() error { return o.validate(false) }

func (o Address) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.enum("Type", o.Type, AddressTypes...)
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

// AddressService manages firewall/address (generic table verbs).
type AddressService struct{ table[string, Address] }
