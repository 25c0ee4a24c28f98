package truenas

import (
	"context"
	"iter"

	"github.com/sitekit/sitekit"

	"github.com/sitekit/sitekit/internal/lenient"
)

// Pool is a storage pool (pool.query entry). Topology and scan are kept raw.
type Pool struct {
	ID            int64       `json:"id"`
	Name          string      `json:"name"`
	GUID          string      `json:"guid"`
	Status        string      `json:"status"`
	Path          string      `json:"path"`
	Healthy       bool        `json:"healthy"`
	Warning       bool        `json:"warning"`
	IsUpgraded    bool        `json:"is_upgraded"`
	StatusCode    string      `json:"status_code"`
	StatusDetail  string      `json:"status_detail"`
	Size          lenient.Int `json:"size"`
	Allocated     lenient.Int `json:"allocated"`
	Free          lenient.Int `json:"free"`
	Freeing       lenient.Int `json:"freeing"`
	Fragmentation string      `json:"fragmentation"`
	Autotrim      Property    `json:"autotrim"`
}

// PoolsService reads pools.
type PoolsService struct{ c *Client }

// List returns the pools selected by opts (nil: all of them).
func (s *PoolsService) List(ctx context.Context, opts *ListOptions) ([]Pool, error) {
	return query[Pool](ctx, s.c, "pool.query", opts)
}

// All iterates over the pools selected by opts, 100 per call; an error ends the sequence.
func (s *PoolsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Pool, error] {
	return pages[Pool](ctx, s.c, "pool.query", opts, 100)
}

// Get returns the pool with id; an error matching sitekit.ErrNotFound if none.
func (s *PoolsService) Get(ctx context.Context, id int64) (Pool, error) {
	return getOne[Pool](ctx, s.c, "pool.query", Eq("id", id))
}

// Find returns the pool called name; an error matching sitekit.ErrNotFound if none.
func (s *PoolsService) Find(ctx context.Context, name string) (Pool, error) {
	if name == "" {
		return Pool{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	return findOne[Pool](ctx, s.c, "pool.query", "name", name)
}
