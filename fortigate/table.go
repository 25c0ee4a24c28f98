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
	"github.com/sitekit/sitekit/internal/rest"
)

// object is what every typed CMDB record implements: its key and its local validation
// (partial for an update, where required fields may be absent).
type object[K int | string] interface {
	mkey() K
	validate(partial bool) error
}

// table is the generic CMDB table plumbing under every family:
// /api/v2/cmdb/<path>[/<mkey>] with List/Get/Create/Update/Patch/Delete.
type table[K int | string, T object[K]] struct {
	c    *conn
	path string // "firewall/address", "system.dhcp/server", …
}

// ListOptions filter, select and page a CMDB listing (reference §2.3). The zero value lists
// everything.
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

// List returns the records of the table matching opts (nil: all), in table order.
func (s *table[K, T]) List(ctx context.Context, opts *ListOptions) ([]T, error) {
	env, err := s.c.do(ctx, http.MethodGet, cmdbPath(s.path), opts.query(s.c), nil)
	if err != nil {
		return nil, err
	}
	var out []T
	if err := decodeResults(env, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// All iterates over the table page by page (opts.PageSize records per request, the rest
// at once when FortiOS answers that the count exceeds what is left); the iteration stops
// at the first error, which is yielded last.
func (s *table[K, T]) All(ctx context.Context, opts *ListOptions) iter.Seq2[T, error] {
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
			page, err := s.List(ctx, &o)
			var ae *APIError
			if errors.As(err, &ae) && ae.Code == CodeOutOfRange && limit == 0 {
				// FortiOS refuses a count larger than what is left: take the rest at once.
				o.Count = 0
				page, err = s.List(ctx, &o)
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

// Get returns the record with key, or an error matching sitekit.ErrNotFound.
func (s *table[K, T]) Get(ctx context.Context, key K) (T, error) {
	var zero T
	if err := checkKey("key", key); err != nil {
		return zero, err
	}
	env, err := s.c.do(ctx, http.MethodGet, cmdbPath(s.path, key), nil, nil)
	if err != nil {
		return zero, err
	}
	var out []T
	if err := decodeResults(env, &out); err != nil {
		return zero, err
	}
	if len(out) == 0 {
		return zero, &APIError{APIError: rest.APIError{Appliance: "fortigate", Method: http.MethodGet, Path: cmdbPath(s.path, key),
			StatusCode: http.StatusNotFound, Kind: sitekit.ErrNotFound}, Code: CodeNotFound}
	}
	return out[0], nil
}

// Exists reports whether a record with key exists.
func (s *table[K, T]) Exists(ctx context.Context, key K) (bool, error) {
	_, err := s.Get(ctx, key)
	if errors.Is(err, sitekit.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Create validates obj locally, then creates it. It returns the new record's key (the one
// FortiOS allocated for an id of 0). A duplicate answers an error matching sitekit.ErrExists.
// A create is never retried after it was sent: an answer lost in transit surfaces an error
// matching sitekit.ErrOutcomeUnknown (observe with Get before trying again).
func (s *table[K, T]) Create(ctx context.Context, obj T) (K, error) {
	var zero K
	if err := obj.validate(false); err != nil {
		return zero, err
	}
	env, err := s.c.do(ctx, http.MethodPost, cmdbPath(s.path), nil, obj)
	if err != nil {
		return zero, err
	}
	return parseKey[K](env.MKeyString(), obj.mkey())
}

// Update changes the record key with the non-zero fields of obj (FortiOS PUT is a partial
// merge, but a table field sent — a member list — replaces the whole table). To clear a
// field, use Patch. A missing record answers an error matching sitekit.ErrNotFound.
func (s *table[K, T]) Update(ctx context.Context, key K, obj T) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	if err := obj.validate(true); err != nil {
		return err
	}
	_, err := s.c.do(ctx, http.MethodPut, cmdbPath(s.path, key), nil, obj)
	return err
}

// Patch sends raw attributes (hyphenated FortiOS names) to the record key, e.g.
// {"comments": ""} to clear a field. No local validation beyond the key.
func (s *table[K, T]) Patch(ctx context.Context, key K, attrs map[string]any) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	_, err := s.c.do(ctx, http.MethodPut, cmdbPath(s.path, key), nil, attrs)
	return err
}

// Delete removes the record key. A missing record answers an error matching
// sitekit.ErrNotFound; a referenced one sitekit.ErrInUse.
func (s *table[K, T]) Delete(ctx context.Context, key K) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	_, err := s.c.do(ctx, http.MethodDelete, cmdbPath(s.path, key), nil, nil)
	return err
}

// Clone copies the record key under the name newKey (POST ?action=clone&nkey=).
func (s *table[K, T]) Clone(ctx context.Context, key, newKey K) error {
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
