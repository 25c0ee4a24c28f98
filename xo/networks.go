package xo

import (
	"context"
	"iter"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit/internal/rest"
)

// NetworksService manages networks (/rest/v0/networks; creation is the pool's
// create_network action).
type NetworksService struct {
	c    *Client
	coll collection[Network]
}

// List returns the networks matching opts (all of them when opts is nil).
func (s *NetworksService) List(ctx context.Context, opts *ListOptions) ([]Network, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the networks matching opts (XO does not page: one List call), yielding
// an error last.
func (s *NetworksService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Network, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Network id; an unknown id matches sitekit.ErrNotFound.
func (s *NetworksService) Get(ctx context.Context, id string) (Network, error) {
	return s.coll.get(ctx, id)
}

// Find returns the Network whose name_label is name in pool. None matches sitekit.ErrNotFound;
// several (names are not unique in XO) return an [AmbiguousError].
func (s *NetworksService) Find(ctx context.Context, pool, name string) (Network, error) {
	return s.coll.find(ctx, pool, name)
}

// NetworkCreateRequest creates a VLAN network on a physical NIC (pool action create_network).
type NetworkCreateRequest struct {
	Pool        string `json:"-"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// PIF is the UUID of a physical PIF of the NIC (any host); XO creates the VLAN PIFs on
	// every host.
	PIF  string `json:"pif"`
	VLAN int    `json:"vlan"`
	MTU  int    `json:"mtu,omitempty"`
	NBD  bool   `json:"nbd,omitempty"`
	// Tags are added after creation (e.g. [sitekit.Marker](site)).
	Tags []string `json:"-"`
}

// Validate checks the request locally.
func (r NetworkCreateRequest) Validate() error {
	if !isUUID(r.Pool) {
		return invalid("Pool", r.Pool, "must be a pool UUID")
	}
	if strings.TrimSpace(r.Name) == "" {
		return invalid("Name", r.Name, "must not be empty")
	}
	if !isUUID(r.PIF) {
		return invalid("PIF", r.PIF, "must be a physical PIF UUID")
	}
	if r.VLAN < 1 || r.VLAN > 4094 {
		return invalid("VLAN", r.VLAN, "must be between 1 and 4094 (use an internal network for no VLAN)")
	}
	if r.MTU != 0 && (r.MTU < 68 || r.MTU > 9216) {
		return invalid("MTU", r.MTU, "must be between 68 and 9216")
	}
	for _, t := range r.Tags {
		if err := validTag(t); err != nil {
			return err
		}
	}
	return nil
}

// Create creates the VLAN network and returns it. A duplicate (NIC, VLAN) fails with XAPI
// PIF_VLAN_EXISTS, matching sitekit.ErrExists; [NetworksService.Ensure] avoids it.
func (s *NetworksService) Create(ctx context.Context, req NetworkCreateRequest) (Network, error) {
	if err := req.Validate(); err != nil {
		return Network{}, err
	}
	var res createdID
	if _, err := s.c.action(ctx, rest.Path(restPrefix, "pools", req.Pool, "actions", "create_network"), req, &res); err != nil {
		return Network{}, err
	}
	for _, t := range req.Tags {
		if err := s.AddTag(ctx, res.ID, t); err != nil {
			return Network{}, err
		}
	}
	return s.Get(ctx, res.ID)
}

// FindVLAN returns the network carrying VLAN vlan on the NIC of PIF pif in pool (found by
// the (pool, PIF device, VLAN) of its VLAN PIFs), or an error matching sitekit.ErrNotFound.
func (s *NetworksService) FindVLAN(ctx context.Context, pool, pif string, vlan int) (Network, error) {
	if !isUUID(pool) {
		return Network{}, invalid("Pool", pool, "must be a pool UUID")
	}
	if !isUUID(pif) {
		return Network{}, invalid("PIF", pif, "must be a physical PIF UUID")
	}
	if vlan < 1 || vlan > 4094 {
		return Network{}, invalid("VLAN", vlan, "must be between 1 and 4094")
	}
	phys, err := s.c.PIFs.Get(ctx, pif)
	if err != nil {
		return Network{}, err
	}
	pifs, err := s.c.PIFs.List(ctx, &ListOptions{Filter: And(Eq("$pool", pool), Eq("device", phys.Device), Num("vlan", "=", float64(vlan)))})
	if err != nil {
		return Network{}, err
	}
	for _, p := range pifs {
		if p.Pool == pool && p.Device == phys.Device && int(p.VLAN) == vlan && p.Network != "" {
			return s.Get(ctx, p.Network)
		}
	}
	return Network{}, &NotFoundError{Collection: "networks", Pool: pool, Name: phys.Device + "." + strconv.Itoa(vlan)}
}

// Ensure returns the network for (pool, PIF device, VLAN), creating it when absent
// (find-before-create: a re-run never hits PIF_VLAN_EXISTS). created reports a creation.
func (s *NetworksService) Ensure(ctx context.Context, req NetworkCreateRequest) (n Network, created bool, err error) {
	if err := req.Validate(); err != nil {
		return Network{}, false, err
	}
	n, err = s.FindVLAN(ctx, req.Pool, req.PIF, req.VLAN)
	if err == nil {
		return n, false, nil
	}
	if _, ok := err.(*NotFoundError); !ok {
		return Network{}, false, err
	}
	n, err = s.Create(ctx, req)
	return n, err == nil, err
}

// Delete deletes the network (and its VLAN PIFs).
func (s *NetworksService) Delete(ctx context.Context, id string) error {
	return s.c.del(ctx, "networks", id)
}

// AddTag adds tag to network id.
func (s *NetworksService) AddTag(ctx context.Context, id, tag string) error {
	return taggable{s.c, "networks"}.AddTag(ctx, id, tag)
}

// RemoveTag removes tag from network id.
func (s *NetworksService) RemoveTag(ctx context.Context, id, tag string) error {
	return taggable{s.c, "networks"}.RemoveTag(ctx, id, tag)
}
