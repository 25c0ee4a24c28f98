package xo

import (
	"context"
	"iter"
)

// TemplatesService reads VM templates (GET /rest/v0/vm-templates). Template names repeat
// across pools (and sometimes within one): Find is pool-scoped and fails on ambiguity.
type TemplatesService struct {
	c    *Client
	coll collection[Template]
}

// List returns the templates matching opts (all of them when opts is nil).
func (s *TemplatesService) List(ctx context.Context, opts *ListOptions) ([]Template, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the templates matching opts (XO does not page: one List call), yielding
// an error last.
func (s *TemplatesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Template, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Template id; an unknown id matches sitekit.ErrNotFound.
func (s *TemplatesService) Get(ctx context.Context, id string) (Template, error) {
	return s.coll.get(ctx, id)
}

// Find returns the Template whose name_label is name in pool. None matches sitekit.ErrNotFound;
// several (names are not unique in XO) return an [AmbiguousError].
func (s *TemplatesService) Find(ctx context.Context, pool, name string) (Template, error) {
	return s.coll.find(ctx, pool, name)
}
