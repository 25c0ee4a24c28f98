package fortigate

import (
	"context"
	"slices"
)

// AddressGroup is a firewall/addrgrp record (reference §3.4). Member references addresses
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

// AddressGroupService manages firewall/addrgrp (generic table verbs plus member helpers).
type AddressGroupService struct{ table[string, AddressGroup] }

// AddMember adds names to the group's members (read-modify-write; no-op when present).
func (s *AddressGroupService) AddMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.table, group, func(g *AddressGroup) *[]Ref { return &g.Member }, names, true)
}

// RemoveMember removes names from the group's members (FortiOS refuses an empty group).
func (s *AddressGroupService) RemoveMember(ctx context.Context, group string, names ...string) error {
	return editMembers(ctx, &s.table, group, func(g *AddressGroup) *[]Ref { return &g.Member }, names, false)
}

// editMembers reads a record, edits its member list and writes the list back if it changed.
func editMembers[T object[string]](ctx context.Context, t *table[string, T], key string, field func(*T) *[]Ref, names []string, add bool) error {
	cur, err := t.Get(ctx, key)
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
	return t.Patch(ctx, key, map[string]any{"member": Refs(next...)})
}
