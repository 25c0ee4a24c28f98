package fortigate

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
)

// object is what every typed CMDB record implements: its key, a copy of itself with another
// key, and its local validation (partial for an update, where required fields may be absent).
type object[K int | string, T any] interface {
	mkey() K
	withMKey(K) T
	validate(partial bool) error
}

// table is the generic CMDB table plumbing under every family:
// /api/v2/cmdb/<path>[/<mkey>]. Each family's service exposes it through explicit methods.
type table[K int | string, T object[K, T]] struct {
	c    *conn
	path string // "firewall/address", "system.dhcp/server", …
}

// ListOptions filter, select and page a CMDB listing. The zero value (or nil) lists
// everything. FortiOS applies filter, then sort, then paging, then format.
type ListOptions struct {
	// Filter holds filter expressions "<key><op><pattern>" (op: == != =* !* =@ !@ <= < >= >);
	// several entries are ANDed, a comma inside one entry ORs patterns of the same key.
	Filter []string
	// Format limits the attributes returned ("name", "comments"); the key is always returned.
	Format []string
	// Sort is "key" or "key,dsc" (FortiOS 6.4.2+).
	Sort []string
	// Start and Count page the listing (Count 0: everything from Start).
	Start, Count int
	// PageSize is used by All to fetch pages of this many records (default 500).
	PageSize int
}

func (o *ListOptions) query(c *conn) url.Values {
	q := c.query()
	if o == nil {
		return q
	}
	for _, f := range o.Filter {
		q.Add("filter", f)
	}
	if len(o.Format) > 0 {
		q.Set("format", strings.Join(o.Format, "|"))
	}
	for _, s := range o.Sort {
		q.Add("sort", s)
	}
	if o.Start > 0 {
		q.Set("start", strconv.Itoa(o.Start))
	}
	if o.Count > 0 {
		q.Set("count", strconv.Itoa(o.Count))
	}
	return q
}

// FilterEscape escapes a pattern for a filter expression ("\" and "." and ",").
func FilterEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `.`, `\.`, `,`, `\,`).Replace(s)
}

// list returns the records of the table matching opts (nil: all), in table order.
func (s *table[K, T]) list(ctx context.Context, opts *ListOptions) ([]T, error) {
	var out []T
	if _, err := doInto(ctx, s.c, http.MethodGet, cmdbPath(s.path), opts.query(s.c), nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// all iterates over the table page by page (opts.PageSize records per request, the rest
// at once when FortiOS answers that the count exceeds what is left); the iteration stops
// at the first error, which is yielded last.
func (s *table[K, T]) all(ctx context.Context, opts *ListOptions) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		size := o.PageSize
		if size <= 0 {
			size = 500
		}
		limit := o.Count
		served := 0
		for {
			o.Count = size
			if limit > 0 && limit-served < size {
				o.Count = limit - served
			}
			page, err := s.list(ctx, &o)
			var ae *APIError
			if errors.As(err, &ae) && ae.Code == CodeOutOfRange && limit == 0 {
				// FortiOS refuses a count larger than what is left: take the rest at once.
				o.Count = 0
				page, err = s.list(ctx, &o)
				o.Count = len(page) + 1
			}
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, v := range page {
				if !yield(v, nil) {
					return
				}
			}
			served += len(page)
			if len(page) < o.Count || (limit > 0 && served >= limit) {
				return
			}
			o.Start += len(page)
		}
	}
}

// get returns the record with key, or an error matching sitekit.ErrNotFound.
func (s *table[K, T]) get(ctx context.Context, key K) (T, error) {
	var zero T
	if err := checkKey("key", key); err != nil {
		return zero, err
	}
	var out []T
	if _, err := doInto(ctx, s.c, http.MethodGet, cmdbPath(s.path, key), nil, nil, &out); err != nil {
		return zero, err
	}
	if len(out) == 0 {
		return zero, &APIError{Method: http.MethodGet, Path: cmdbPath(s.path, key), StatusCode: http.StatusNotFound, Code: CodeNotFound}
	}
	return out[0], nil
}

// exists reports whether a record with key exists.
func (s *table[K, T]) exists(ctx context.Context, key K) (bool, error) {
	_, err := s.get(ctx, key)
	if errors.Is(err, sitekit.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// create validates obj locally, then creates it and returns obj with the key FortiOS
// answered (allocated for an int key of 0).
func (s *table[K, T]) create(ctx context.Context, obj T) (T, error) {
	var zero T
	if err := obj.validate(false); err != nil {
		return zero, err
	}
	mkey, err := doInto[struct{}](ctx, s.c, http.MethodPost, cmdbPath(s.path), nil, obj, nil)
	if err != nil {
		return zero, err
	}
	key, err := parseKey(mkey, obj.mkey())
	if err != nil {
		return zero, err
	}
	return obj.withMKey(key), nil
}

// update validates obj as a partial record, sends it with PUT and reads the record back
// (inside a transaction, where the write is not visible before the commit, it returns obj
// with key instead).
func (s *table[K, T]) update(ctx context.Context, key K, obj T) (T, error) {
	var zero T
	if err := checkKey("key", key); err != nil {
		return zero, err
	}
	if err := obj.validate(true); err != nil {
		return zero, err
	}
	if _, err := doInto[struct{}](ctx, s.c, http.MethodPut, cmdbPath(s.path, key), nil, obj, nil); err != nil {
		return zero, err
	}
	if s.c.txn != 0 {
		return obj.withMKey(key), nil
	}
	out, err := s.get(ctx, key)
	if err != nil {
		return zero, fmt.Errorf("fortigate: %s %v updated, reading it back: %w", s.path, key, err)
	}
	return out, nil
}

// patch sends raw attributes (hyphenated FortiOS names) to the record key.
func (s *table[K, T]) patch(ctx context.Context, key K, attrs map[string]any) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	_, err := doInto[struct{}](ctx, s.c, http.MethodPut, cmdbPath(s.path, key), nil, attrs, nil)
	return err
}

// delete removes the record key.
func (s *table[K, T]) delete(ctx context.Context, key K) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	_, err := doInto[struct{}](ctx, s.c, http.MethodDelete, cmdbPath(s.path, key), nil, nil, nil)
	return err
}

// clone copies the record key under newKey (POST ?action=clone&nkey=).
func (s *table[K, T]) clone(ctx context.Context, key, newKey K) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	if err := checkKey("newKey", newKey); err != nil {
		return err
	}
	q := s.c.query()
	q.Set("action", "clone")
	q.Set("nkey", fmt.Sprint(newKey))
	_, err := s.c.do(ctx, http.MethodPost, cmdbPath(s.path, key), q, nil)
	return err
}

func checkKey[K int | string](field string, key K) error {
	switch k := any(key).(type) {
	case string:
		if k == "" {
			return sitekit.Invalid(field, k, "must not be empty")
		}
	case int:
		if k < 0 {
			return sitekit.Invalid(field, k, "must not be negative")
		}
	}
	return nil
}

func parseKey[K int | string](s string, fallback K) (K, error) {
	var out K
	switch p := any(&out).(type) {
	case *string:
		*p = s
		if s == "" {
			return fallback, nil
		}
	case *int:
		if s == "" {
			return fallback, nil
		}
		n, err := strconv.Atoi(strings.Trim(s, `"`))
		if err != nil {
			return fallback, fmt.Errorf("fortigate: unexpected mkey %q", s)
		}
		*p = n
	}
	return out, nil
}
