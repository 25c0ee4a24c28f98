package xo

import (
	"context"
	"iter"
)

// VIFsService reads and deletes virtual interfaces (/rest/v0/vifs).
type VIFsService struct {
	c    *Client
	coll collection[VIF]
}

// List returns the VIFs matching opts (all of them when opts is nil).
func (s *VIFsService) List(ctx context.Context, opts *ListOptions) ([]VIF, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the VIFs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *VIFsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[VIF, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the VIF id; an unknown id matches sitekit.ErrNotFound.
func (s *VIFsService) Get(ctx context.Context, id string) (VIF, error) {
	return s.coll.get(ctx, id)
}

// Delete removes VIF id.
func (s *VIFsService) Delete(ctx context.Context, id string) error { return s.c.del(ctx, "vifs", id) }

// OfVM lists the VIFs of VM vm.
func (s *VIFsService) OfVM(ctx context.Context, vm string) ([]VIF, error) {
	if !isUUID(vm) {
		return nil, invalid("VM", vm, "must be a VM UUID")
	}
	return s.List(ctx, &ListOptions{Filter: Eq("$VM", vm)})
}

// VDIsService reads and deletes virtual disks (/rest/v0/vdis).
type VDIsService struct {
	c    *Client
	coll collection[VDI]
}

// List returns the VDIs matching opts (all of them when opts is nil).
func (s *VDIsService) List(ctx context.Context, opts *ListOptions) ([]VDI, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the VDIs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *VDIsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[VDI, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the VDI id; an unknown id matches sitekit.ErrNotFound.
func (s *VDIsService) Get(ctx context.Context, id string) (VDI, error) {
	return s.coll.get(ctx, id)
}

// Find returns the VDI whose name_label is name in pool. None matches sitekit.ErrNotFound;
// several (names are not unique in XO) return an [AmbiguousError].
func (s *VDIsService) Find(ctx context.Context, pool, name string) (VDI, error) {
	return s.coll.find(ctx, pool, name)
}

// Delete destroys VDI id.
func (s *VDIsService) Delete(ctx context.Context, id string) error { return s.c.del(ctx, "vdis", id) }

// VBDsService reads virtual block devices (/rest/v0/vbds).
type VBDsService struct {
	c    *Client
	coll collection[VBD]
}

// List returns the VBDs matching opts (all of them when opts is nil).
func (s *VBDsService) List(ctx context.Context, opts *ListOptions) ([]VBD, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the VBDs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *VBDsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[VBD, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the VBD id; an unknown id matches sitekit.ErrNotFound.
func (s *VBDsService) Get(ctx context.Context, id string) (VBD, error) {
	return s.coll.get(ctx, id)
}

// OfVM lists the VBDs of VM vm.
func (s *VBDsService) OfVM(ctx context.Context, vm string) ([]VBD, error) {
	if !isUUID(vm) {
		return nil, invalid("VM", vm, "must be a VM UUID")
	}
	return s.List(ctx, &ListOptions{Filter: Eq("VM", vm)})
}
