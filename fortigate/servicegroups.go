package fortigate

import (
	"context"
	"iter"
)

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

// ServiceGroupsService manages the service groups (firewall.service/group). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type ServiceGroupsService struct{ t table[string, ServiceGroup] }

// List returns the service groups matching opts (nil: all of them), in table order.
func (s *ServiceGroupsService) List(ctx context.Context, opts *ListOptions) ([]ServiceGroup, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the service groups matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *ServiceGroupsService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]ServiceGroup], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the service groups matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *ServiceGroupsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[ServiceGroup, error] {
	return s.t.all(ctx, opts)
}

// Get returns the service group named name, or an error matching [sitekit.ErrNotFound].
func (s *ServiceGroupsService) Get(ctx context.Context, name string) (ServiceGroup, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the service group named name exists.
func (s *ServiceGroupsService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *ServiceGroupsService) Create(ctx context.Context, obj ServiceGroup) (ServiceGroup, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the service group named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *ServiceGroupsService) Update(ctx context.Context, name string, obj ServiceGroup) (ServiceGroup, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the service group named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *ServiceGroupsService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the service group named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *ServiceGroupsService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the service group named name under the key newKey.
func (s *ServiceGroupsService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o ServiceGroup) withMKey(k string) ServiceGroup {
	o.Name = k
	return o
}

// AddMember adds services to the group (read-modify-write; no-op when present).
func (s *ServiceGroupsService) AddMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.t, group, func(g *ServiceGroup) *[]Ref { return &g.Member }, names, true)
}

// RemoveMember removes services from the group.
func (s *ServiceGroupsService) RemoveMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.t, group, func(g *ServiceGroup) *[]Ref { return &g.Member }, names, false)
}
