package fortigate

import "context"

// ServiceGroup is a firewall.service/group record: a named list of services.
type ServiceGroup struct {
	Name    string `json:"name,omitempty"`
	Member  []Ref  `json:"member,omitempty"`
	Comment string `json:"comment,omitempty"`
	Proxy   string `json:"proxy,omitempty"`
	Color   int    `json:"color,omitempty"`
}

func (o ServiceGroup) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o ServiceGroup) Validate() error { return o.validate(false) }

func (o ServiceGroup) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.refs("Member", o.Member, 79)
	v.str("Comment", o.Comment, 255)
	v.enum("Proxy", o.Proxy, enableDisable...)
	v.rng("Color", o.Color, 0, 32, false)
	return v.err
}

// ServiceGroupService manages firewall.service/group (generic table verbs plus member helpers).
type ServiceGroupService struct{ table[string, ServiceGroup] }

// AddMember adds services to the group (read-modify-write; no-op when present).
func (s *ServiceGroupService) AddMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.table, group, func(g *ServiceGroup) *[]Ref { return &g.Member }, names, true)
}

// RemoveMember removes services from the group.
func (s *ServiceGroupService) RemoveMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.table, group, func(g *ServiceGroup) *[]Ref { return &g.Member }, names, false)
}
