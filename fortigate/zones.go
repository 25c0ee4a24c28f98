package fortigate

import (
	"context"
	"iter"
	"strconv"
)

// Zone is a system/zone record: a named group of interfaces usable in
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
			v.fail("Interface["+strconv.Itoa(i)+"].InterfaceName", "", "is required")
		}
		v.str("Interface["+strconv.Itoa(i)+"].InterfaceName", m.InterfaceName, 79)
	}
	v.enum("Intrazone", o.Intrazone, "allow", "deny")
	v.str("Description", o.Description, 127)
	return v.err
}

// ZonesService manages the zones (system/zone). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type ZonesService struct{ t table[string, Zone] }

// List returns the zones matching opts (nil: all of them), in table order.
func (s *ZonesService) List(ctx context.Context, opts *ListOptions) ([]Zone, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the zones matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *ZonesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]Zone], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the zones matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *ZonesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Zone, error] {
	return s.t.all(ctx, opts)
}

// Get returns the zone named name, or an error matching [sitekit.ErrNotFound].
func (s *ZonesService) Get(ctx context.Context, name string) (Zone, error) {
	return s.t.get(ctx, name)
}

// Exists reports whether the zone named name exists.
func (s *ZonesService) Exists(ctx context.Context, name string) (bool, error) {
	return s.t.exists(ctx, name)
}

// Create validates obj, creates it and returns obj with its Name as FortiOS answered
// it. Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *ZonesService) Create(ctx context.Context, obj Zone) (Zone, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the zone named name (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *ZonesService) Update(ctx context.Context, name string, obj Zone) (Zone, error) {
	return s.t.update(ctx, name, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the zone named name, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *ZonesService) Patch(ctx context.Context, name string, attrs map[string]any) error {
	return s.t.patch(ctx, name, attrs)
}

// Delete removes the zone named name. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *ZonesService) Delete(ctx context.Context, name string) error {
	return s.t.delete(ctx, name)
}

// Clone copies the zone named name under the key newKey.
func (s *ZonesService) Clone(ctx context.Context, name, newKey string) error {
	return s.t.clone(ctx, name, newKey)
}

func (o Zone) withMKey(k string) Zone {
	o.Name = k
	return o
}
