package truenas

import (
	"context"

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

// PoolService reads pools.
type PoolService struct{ c *Client }

// List returns pools matching q.
func (s *PoolService) List(ctx context.Context, q Query) ([]Pool, error) {
	return query[Pool](ctx, s.c, "pool.query", q)
}

// Get returns the pool called name (an error matching sitekit.ErrNotFound if none).
func (s *PoolService) Get(ctx context.Context, name string) (Pool, error) {
	return getOne[Pool](ctx, s.c, "pool.query", Eq("name", name))
}
