package fortigate

import (
	"context"
	"iter"
)

// StaticRoute is a router/static record, keyed by SeqNum (0 on create:
// FortiOS allocates it). A zero Dst means the default route 0.0.0.0/0.
type StaticRoute struct {
	SeqNum    int    `json:"seq-num,omitempty"`
	Status    string `json:"status,omitempty"`
	Dst       IPMask `json:"dst,omitzero"`
	Gateway   string `json:"gateway,omitempty"`
	Device    string `json:"device,omitempty"`
	Distance  int    `json:"distance,omitempty"`
	Weight    int    `json:"weight,omitempty"`
	Priority  int    `json:"priority,omitempty"`
	Comment   string `json:"comment,omitempty"`
	Blackhole string `json:"blackhole,omitempty"`
	DstAddr   string `json:"dstaddr,omitempty"`
	VRF       int    `json:"vrf,omitempty"`
}

func (o StaticRoute) mkey() int { return o.SeqNum }

// Validate checks the record as a create request, before any I/O.
func (o StaticRoute) Validate() error { return o.validate(false) }

func (o StaticRoute) validate(partial bool) error {
	var v validator
	v.rng("SeqNum", o.SeqNum, 0, 4294967295, false)
	v.enum("Status", o.Status, enableDisable...)
	v.ipv4("Gateway", o.Gateway)
	v.str("Device", o.Device, 35)
	if !partial && o.Device == "" && o.Blackhole != "enable" {
		v.fail("Device", o.Device, "is required unless Blackhole is enabled")
	}
	v.rng("Distance", o.Distance, 1, 255, true)
	v.rng("Weight", o.Weight, 0, 255, false)
	v.rng("Priority", o.Priority, 1, 65535, true)
	v.str("Comment", o.Comment, 255)
	v.enum("Blackhole", o.Blackhole, enableDisable...)
	v.str("DstAddr", o.DstAddr, 79)
	v.rng("VRF", o.VRF, 0, 511, false)
	return v.err
}

// StaticRoutesService manages the static routes (router/static). Its methods validate records before any
// I/O; errors match [sitekit.ErrNotFound], [sitekit.ErrExists], [sitekit.ErrInUse] and
// [sitekit.ErrInvalid] as FortiOS answers.
type StaticRoutesService struct{ t table[int, StaticRoute] }

// List returns the static routes matching opts (nil: all of them), in table order.
func (s *StaticRoutesService) List(ctx context.Context, opts *ListOptions) ([]StaticRoute, error) {
	return s.t.list(ctx, opts)
}

// ListPerVDOM lists the static routes matching opts in several VDOMs with one request: the
// VDOMs named, or every VDOM the token may reach when vdoms is empty (vdom=*).
func (s *StaticRoutesService) ListPerVDOM(ctx context.Context, opts *ListOptions, vdoms ...string) ([]PerVDOM[[]StaticRoute], error) {
	return s.t.listPerVDOM(ctx, opts, vdoms)
}

// All iterates over the static routes matching opts, fetching opts.PageSize records per request
// (500 when zero). An error is yielded last and ends the iteration.
func (s *StaticRoutesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[StaticRoute, error] {
	return s.t.all(ctx, opts)
}

// Get returns the static route with SeqNum seq, or an error matching [sitekit.ErrNotFound].
func (s *StaticRoutesService) Get(ctx context.Context, seq int) (StaticRoute, error) {
	return s.t.get(ctx, seq)
}

// Exists reports whether the static route with SeqNum seq exists.
func (s *StaticRoutesService) Exists(ctx context.Context, seq int) (bool, error) {
	return s.t.exists(ctx, seq)
}

// Create validates obj, creates it and returns obj with its SeqNum as FortiOS answered
// it (0 asks FortiOS to allocate one). Fields FortiOS fills with defaults are not read back: Get does. A duplicate
// answers an error matching [sitekit.ErrExists]. A create is not re-sent once it reached
// the wire: an answer lost in transit gives an error matching [sitekit.ErrOutcomeUnknown].
func (s *StaticRoutesService) Create(ctx context.Context, obj StaticRoute) (StaticRoute, error) {
	return s.t.create(ctx, obj)
}

// Update sends the non-zero fields of obj to the static route with SeqNum seq (FortiOS merges them; a list field
// such as a member list replaces the whole list) and returns the record read back after
// the write. Use Patch to clear a field.
func (s *StaticRoutesService) Update(ctx context.Context, seq int, obj StaticRoute) (StaticRoute, error) {
	return s.t.update(ctx, seq, obj)
}

// Patch sends raw attributes (hyphenated FortiOS names) to the static route with SeqNum seq, e.g.
// {"comment": ""} to clear a field. Only the key is checked locally.
func (s *StaticRoutesService) Patch(ctx context.Context, seq int, attrs map[string]any) error {
	return s.t.patch(ctx, seq, attrs)
}

// Delete removes the static route with SeqNum seq. A missing record answers an error matching
// [sitekit.ErrNotFound]; one still referenced, [sitekit.ErrInUse].
func (s *StaticRoutesService) Delete(ctx context.Context, seq int) error {
	return s.t.delete(ctx, seq)
}

// Clone copies the static route with SeqNum seq under the key newKey.
func (s *StaticRoutesService) Clone(ctx context.Context, seq, newKey int) error {
	return s.t.clone(ctx, seq, newKey)
}

func (o StaticRoute) withMKey(k int) StaticRoute {
	o.SeqNum = k
	return o
}
