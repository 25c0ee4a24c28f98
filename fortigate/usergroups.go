package fortigate

import "context"

// UserGroup is a user/group record (reference §3.10): firewall groups list local or
// remote users in Member.
type UserGroup struct {
	Name        string `json:"name,omitempty"`
	ID          int    `json:"id,omitempty"`
	GroupType   string `json:"group-type,omitempty"` // firewall | fsso-service | rsso | guest
	AuthTimeout int    `json:"authtimeout,omitempty"`
	Member      []Ref  `json:"member,omitempty"`
}

func (o UserGroup) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o UserGroup) Validate() error { return o.validate(false) }

func (o UserGroup) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 35, partial)
	v.enum("GroupType", o.GroupType, "firewall", "fsso-service", "rsso", "guest")
	v.rng("AuthTimeout", o.AuthTimeout, 0, 43200, false)
	v.refs("Member", o.Member, 511)
	return v.err
}

// UserGroupService manages user/group (generic table verbs plus member helpers).
type UserGroupService struct{ table[string, UserGroup] }

// AddMember adds users to the group (read-modify-write; no-op when present).
func (s *UserGroupService) AddMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.table, group, func(g *UserGroup) *[]Ref { return &g.Member }, names, true)
}

// RemoveMember removes users from the group.
func (s *UserGroupService) RemoveMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.table, group, func(g *UserGroup) *[]Ref { return &g.Member }, names, false)
}
