package xo

import "context"

// HostsService reads XCP-ng hosts (GET /rest/v0/hosts).
type HostsService struct{ collection[Host] }

// PIFsService reads host interfaces (GET /rest/v0/pifs): physical NICs (vlan -1) and VLAN PIFs.
type PIFsService struct{ collection[PIF] }

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
