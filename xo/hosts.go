package xo

import (
	"context"
	"iter"
)

// HostsService reads XCP-ng hosts (GET /rest/v0/hosts).
type HostsService struct {
	c    *Client
	coll collection[Host]
}

// List returns the hosts matching opts (all of them when opts is nil).
func (s *HostsService) List(ctx context.Context, opts *ListOptions) ([]Host, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the hosts matching opts (XO does not page: one List call), yielding
// an error last.
func (s *HostsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Host, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Host id; an unknown id matches sitekit.ErrNotFound.
func (s *HostsService) Get(ctx context.Context, id string) (Host, error) {
	return s.coll.get(ctx, id)
}

// Find returns the Host whose name_label is name in pool. None matches sitekit.ErrNotFound;
// several (names are not unique in XO) return an [AmbiguousError].
func (s *HostsService) Find(ctx context.Context, pool, name string) (Host, error) {
	return s.coll.find(ctx, pool, name)
}

// PIFsService reads host interfaces (GET /rest/v0/pifs): physical NICs (vlan -1) and VLAN PIFs.
type PIFsService struct {
	c    *Client
	coll collection[PIF]
}

// List returns the PIFs matching opts (all of them when opts is nil).
func (s *PIFsService) List(ctx context.Context, opts *ListOptions) ([]PIF, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the PIFs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *PIFsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[PIF, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the PIF id; an unknown id matches sitekit.ErrNotFound.
func (s *PIFsService) Get(ctx context.Context, id string) (PIF, error) {
	return s.coll.get(ctx, id)
}

// Physical returns the physical PIF named device (e.g. "eth1") of host.
func (s *PIFsService) Physical(ctx context.Context, host, device string) (PIF, error) {
	var zero PIF
	if !isUUID(host) {
		return zero, invalid("Host", host, "must be a host UUID")
	}
	items, err := s.List(ctx, &ListOptions{Filter: And(Eq("$host", host), Eq("device", device), Num("vlan", "=", -1))})
	if err != nil {
		return zero, err
	}
	var found []PIF
	for _, p := range items {
		if p.Host == host && p.Device == device && p.VLAN == -1 {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return zero, &NotFoundError{Collection: "pifs", Name: device}
	case 1:
		return found[0], nil
	}
	ids := []string{}
	for _, p := range found {
		ids = append(ids, p.ID)
	}
	return zero, &AmbiguousError{Collection: "pifs", Name: device, IDs: ids}
}
