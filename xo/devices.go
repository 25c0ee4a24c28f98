package xo

import "context"

// VIFsService reads and deletes virtual interfaces (/rest/v0/vifs).
type VIFsService struct{ collection[VIF] }

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
type VDIsService struct{ collection[VDI] }

// Delete destroys VDI id.
func (s *VDIsService) Delete(ctx context.Context, id string) error { return s.c.del(ctx, "vdis", id) }

// VBDsService reads virtual block devices (/rest/v0/vbds).
type VBDsService struct{ collection[VBD] }

// OfVM lists the VBDs of VM vm.
func (s *VBDsService) OfVM(ctx context.Context, vm string) ([]VBD, error) {
	if !isUUID(vm) {
		return nil, invalid("VM", vm, "must be a VM UUID")
	}
	return s.List(ctx, &ListOptions{Filter: Eq("VM", vm)})
}
