package xo

import (
	"context"
	"iter"
)

// PoolsService reads XCP-ng pools (GET /rest/v0/pools). Pools are created by connecting a
// server (see [ServersService]).
type PoolsService struct {
	c    *Client
	coll collection[Pool]
}

// List returns the pools matching opts (all of them when opts is nil).
func (s *PoolsService) List(ctx context.Context, opts *ListOptions) ([]Pool, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the pools matching opts (XO does not page: one List call), yielding
// an error last.
func (s *PoolsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Pool, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Pool id; an unknown id matches sitekit.ErrNotFound.
func (s *PoolsService) Get(ctx context.Context, id string) (Pool, error) {
	return s.coll.get(ctx, id)
}

// Find returns the Pool whose name_label is name. None matches sitekit.ErrNotFound; several
// (names are not unique in XO) return an [AmbiguousError].
func (s *PoolsService) Find(ctx context.Context, name string) (Pool, error) {
	return s.coll.find(ctx, "", name)
}
