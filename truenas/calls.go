package truenas

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/sitekit/sitekit"
)

// ErrAmbiguousName is matched (errors.Is) by the error of a Find whose name matches several
// objects.
var ErrAmbiguousName = errors.New("truenas: ambiguous name")

// query runs method(filters, options) and decodes the list.
func query[T any](ctx context.Context, c *Client, method string, opts *ListOptions) ([]T, error) {
	var out []T
	if err := c.call(ctx, method, opts.params(false), &out, false); err != nil {
		return nil, err
	}
	return out, nil
}

// getOne runs method(filters, {"get": true}); no match is MatchNotFound → sitekit.ErrNotFound.
func getOne[T any](ctx context.Context, c *Client, method string, filters ...Filter) (T, error) {
	var out T
	err := c.call(ctx, method, Where(filters...).params(true), &out, false)
	return out, err
}

// findOne lists the entries whose field equals name: none is an error matching
// sitekit.ErrNotFound, several one matching ErrAmbiguousName.
func findOne[T any](ctx context.Context, c *Client, method, field, name string) (T, error) {
	var zero T
	list, err := query[T](ctx, c, method, &ListOptions{Filters: []Filter{Eq(field, name)}, Limit: 2})
	switch {
	case err != nil:
		return zero, err
	case len(list) == 0:
		return zero, &APIError{Code: CodeMethodCallError, Errno: ENOENT, ErrName: "ENOENT",
			Reason: fmt.Sprintf("[ENOENT] %s: no entry with %s %q", method, field, name), Method: method, Kind: sitekit.ErrNotFound}
	case len(list) > 1:
		return zero, fmt.Errorf("truenas: %s: several entries with %s %q: %w", method, field, name, ErrAmbiguousName)
	}
	return list[0], nil
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
// is yielded last. A Limit in opts caps the total.
func pages[T any](ctx context.Context, c *Client, method string, opts *ListOptions, pageSize int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var q ListOptions
		if opts != nil {
			q = *opts
		}
		total, offset, seen := q.Limit, q.Offset, 0
		for {
			q.Offset, q.Limit = offset, pageSize
			if total > 0 && total-seen < pageSize {
				q.Limit = total - seen
			}
			page, err := query[T](ctx, c, method, &q)
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
			seen += len(page)
			if len(page) < q.Limit || total > 0 && seen >= total {
				return
			}
			offset += len(page)
		}
	}
}
