package truenas

import (
	"context"
	"iter"
)

// query runs method(filters, options) and decodes the list.
func query[T any](ctx context.Context, c *Client, method string, q Query) ([]T, error) {
	var out []T
	if err := c.call(ctx, method, q.params(false), &out, false); err != nil {
		return nil, err
	}
	return out, nil
}

// getOne runs method(filters, {"get": true}); no match is MatchNotFound → sitekit.ErrNotFound.
func getOne[T any](ctx context.Context, c *Client, method string, filters ...Filter) (T, error) {
	var out T
	err := c.call(ctx, method, Query{Filters: filters}.params(true), &out, false)
	return out, err
}

// callT runs method(params…) and decodes its result.
func callT[T any](ctx context.Context, c *Client, method string, write bool, params ...any) (T, error) {
	var out T
	if params == nil {
		params = []any{}
	}
	err := c.call(ctx, method, params, &out, write)
	return out, err
}

// pages iterates over a query page by page (limit pageSize), yielding each entry; an error
// is yielded last.
func pages[T any](ctx context.Context, c *Client, method string, q Query, pageSize int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		q := q
		q.Options.Limit = pageSize
		offset := q.Options.Offset
		for {
			q.Options.Offset = offset
			page, err := query[T](ctx, c, method, q)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, x := range page {
				if !yield(x, nil) {
					return
				}
			}
			if len(page) < pageSize {
				return
			}
			offset += len(page)
		}
	}
}
