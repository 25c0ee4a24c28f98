package fortigate

import (
	"context"
	"iter"
)

// UserGroup is a user/group record: firewall groups list local or
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

// UserGroupsService manages the user groups (user/group). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type UserGroupsService struct{ t table[string, UserGroup] }

// List returns the user groups matching opts (nil: all of them), in table order.
func (s *UserGroupsService) List(ctx context.Context, opts *ListOptions) ([]UserGroup, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the user groups matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *UserGroupsService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]UserGroup], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the user groups matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *UserGroupsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[UserGroup, error] {
	return s.t.all(ctx, opts)
}

// Get returns the user group named name, or an error matching [sitekit.ErrNotFound].
func (s *UserGroupsService) Get(ctx context.Context, name string) (UserGroup, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the user group named name exists.
func (s *UserGroupsService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *UserGroupsService) Create(ctx context.Context, obj UserGroup) (UserGroup, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the user group named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *UserGroupsService) Update(ctx context.Context, name string, obj UserGroup) (UserGroup, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the user group named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *UserGroupsService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the user group named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *UserGroupsService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the user group named name under the key newKey.
func (s *UserGroupsService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o UserGroup) withMKey(k string) UserGroup {
	o.Name = k
	return o
}

// AddMember adds users to the group (read-modify-write; no-op when present).
func (s *UserGroupsService) AddMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.t, group, func(g *UserGroup) *[]Ref { return &g.Member }, names, true)
}

// RemoveMember removes users from the group.
func (s *UserGroupsService) RemoveMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.t, group, func(g *UserGroup) *[]Ref { return &g.Member }, names, false)
}
