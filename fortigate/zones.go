package fortigate

// Zone is a system/zone record (reference §3.9): a named group of interfaces usable in
// policies. Name is at most 35 characters.
type Zone struct {
	Name        string       `json:"name,omitempty"`
	Interface   []ZoneMember `json:"interface,omitempty"`
	Intrazone   string       `json:"intrazone,omitempty"` // allow | deny (default deny)
	Description string       `json:"description,omitempty"`
}

// ZoneMember is one interface of a zone.
type ZoneMember struct {
	InterfaceName string `json:"interface-name"`
}

// ZoneMembers builds a zone member list from interface names.
func ZoneMembers(names ...string) []ZoneMember {
	out := make([]ZoneMember, len(names))
	for i, n := range names {
		out[i] = ZoneMember{InterfaceName: n}
	}
	return out
}

func (o Zone) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o Zone) Validate() error { return o.validate(false) }

func (o Zone) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 35, partial)
	for i, m := range o.Interface {
		if m.InterfaceName == "" {
			v.fail("Interface["+itoa(i)+"].InterfaceName", "", "is required")
		}
		v.str("Interface["+itoa(i)+"].InterfaceName", m.InterfaceName, 79)
	}
	v.enum("Intrazone", o.Intrazone, "allow", "deny")
	v.str("Description", o.Description, 127)
	return v.err
}

// ZoneService manages system/zone (generic table verbs).
type ZoneService struct{ table[string, Zone] }
