package fortigate

import (
	"context"
	"iter"
	"slices"
)

// AddressGroup is a firewall/addrgrp record. Member references addresses
// or other groups; sending Member in an update replaces the whole list (use AddMember and
// RemoveMember to change one entry).
type AddressGroup struct {
	Name          string `json:"name,omitempty"`
	UUID          string `json:"uuid,omitempty"`
	Type          string `json:"type,omitempty"`     // default | folder
	Category      string `json:"category,omitempty"` // default | ztna-ems-tag | ztna-geo-tag
	Member        []Ref  `json:"member,omitempty"`
	Exclude       string `json:"exclude,omitempty"`
	ExcludeMember []Ref  `json:"exclude-member,omitempty"`
	Comment       string `json:"comment,omitempty"`
	Color         int    `json:"color,omitempty"`
	AllowRouting  string `json:"allow-routing,omitempty"`
	FabricObject  string `json:"fabric-object,omitempty"`
}

func (o AddressGroup) mkey() string { return o.Name }

// Validate checks the record as a create request, before any I/O.
func (o AddressGroup) Validate() error { return o.validate(false) }

func (o AddressGroup) validate(partial bool) error {
	var v validator
	v.name("Name", o.Name, 79, partial)
	v.enum("Type", o.Type, "default", "folder")
	v.enum("Category", o.Category, "default", "ztna-ems-tag", "ztna-geo-tag")
	v.refs("Member", o.Member, 79)
	v.enum("Exclude", o.Exclude, enableDisable...)
	v.refs("ExcludeMember", o.ExcludeMember, 79)
	v.str("Comment", o.Comment, 255)
	v.rng("Color", o.Color, 0, 32, false)
	v.enum("AllowRouting", o.AllowRouting, enableDisable...)
	v.enum("FabricObject", o.FabricObject, enableDisable...)
	return v.err
}

// AddressGroupsService manages the address groups (firewall/addrgrp). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type AddressGroupsService struct{ t table[string, AddressGroup] }

// List returns the address groups matching opts (nil: all of them), in table order.
func (s *AddressGroupsService) List(ctx context.Context, opts *ListOptions) ([]AddressGroup, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the address groups matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *AddressGroupsService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]AddressGroup], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the address groups matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *AddressGroupsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[AddressGroup, error] {
	return s.t.all(ctx, opts)
}

// Get returns the address group named name, or an error matching [sitekit.ErrNotFound].
func (s *AddressGroupsService) Get(ctx context.Context, name string) (AddressGroup, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the address group named name exists.
func (s *AddressGroupsService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *AddressGroupsService) Create(ctx context.Context, obj AddressGroup) (AddressGroup, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the address group named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *AddressGroupsService) Update(ctx context.Context, name string, obj AddressGroup) (AddressGroup, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the address group named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *AddressGroupsService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the address group named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *AddressGroupsService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the address group named name under the key newKey.
func (s *AddressGroupsService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o AddressGroup) withMKey(k string) AddressGroup {
	o.Name = k
	return o
}

// AddMember adds names to the group's members (read-modify-write; no-op when present).
func (s *AddressGroupsService) AddMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.t, group, func(g *AddressGroup) *[]Ref { return &g.Member }, names, true)
}

// RemoveMember removes names from the group's members (FortiOS refuses an empty group).
func (s *AddressGroupsService) RemoveMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.t, group, func(g *AddressGroup) *[]Ref { return &g.Member }, names, false)
}

// editMembers reads a record, edits its member list and writes the list back if it changed.
func editMembers[T object[string, T]](ctx context.Context, t *table[string, T], key string, field func(*T) *[]Ref, names []string, add bool) error {
	cur, err := t.get(ctx, key)
	if err != nil {
		return err
	}
	members := *field(&cur)
	have := RefNames(members)
	next := slices.Clone(have)
	for _, n := range names {
		i := slices.Index(next, n)
		switch {
		case add && i < 0:
			next = append(next, n)
		case !add && i >= 0:
			next = slices.Delete(next, i, i+1)
		}
	}
	if slices.Equal(have, next) {
		return nil
	}
	var patch T
	*field(&patch) = Refs(next...)
	if err := patch.validate(true); err != nil {
		return err
	}
	return t.patch(ctx, key, map[string]any{"member": Refs(next...)})
}
