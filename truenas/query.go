package truenas

import (
	"encoding/json"
	"time"

	"github.com/sitekit/sitekit/internal/lenient"
)

// Filter is one query filter: a [field, op, value] triple or an OR group. Build them with
// [F] and [Or]. Fields may use dot paths ("state.state"); ops are = != > >= < <= ~ in nin
// rin rnin ^ !^ $ !$, with a "C" prefix for case-insensitive comparison ("C=").
type Filter struct {
	field string
	op    string
	value any
	or    []Filter
}

// F returns the filter [field, op, value].
func F(field, op string, value any) Filter { return Filter{field: field, op: op, value: value} }

// Eq returns the filter [field, "=", value].
func Eq(field string, value any) Filter { return F(field, "=", value) }

// Or returns ["OR", [filters…]]: at least one must match.
func Or(filters ...Filter) Filter { return Filter{op: "OR", or: filters} }

// MarshalJSON encodes the filter as TrueNAS expects it.
func (f Filter) MarshalJSON() ([]byte, error) {
	if f.op == "OR" && f.field == "" {
		or := f.or
		if or == nil {
			or = []Filter{}
		}
		return json.Marshal([]any{"OR", or})
	}
	return json.Marshal([]any{f.field, f.op, f.value})
}

// ListOptions select and order the entries of a List or All call: the filters and options
// of the appliance's *.query methods. A nil *ListOptions lists everything.
type ListOptions struct {
	// Filters must all match; build them with [F], [Eq] and [Or].
	Filters []Filter
	// Extra carries method-specific options, e.g. {"flat": true} for pool.dataset.query.
	Extra map[string]any
	// OrderBy sorts by fields; "-name" is descending, "nulls_first:x"/"nulls_last:x" place nulls.
	OrderBy []string
	// Select keeps only these fields.
	Select []string
	// Offset skips this many entries; Limit returns at most this many (0: no limit; the
	// middleware accepts at most 10000).
	Offset int
	Limit  int
}

// Where returns list options with the given filters.
func Where(filters ...Filter) *ListOptions { return &ListOptions{Filters: filters} }

// queryOptions is the options object of *.query, only the members that are set.
type queryOptions struct {
	Extra   map[string]any `json:"extra,omitempty"`
	OrderBy []string       `json:"order_by,omitempty"`
	Select  []string       `json:"select,omitempty"`
	Offset  int            `json:"offset,omitempty"`
	Limit   int            `json:"limit,omitempty"`
	Get     bool           `json:"get,omitempty"`
}

// params returns [filters, options] for a *.query call, with the get flag when get is true.
func (o *ListOptions) params(get bool) []any {
	if o == nil {
		o = &ListOptions{}
	}
	filters := o.Filters
	if filters == nil {
		filters = []Filter{}
	}
	return []any{filters, queryOptions{Extra: o.Extra, OrderBy: o.OrderBy, Select: o.Select, Offset: o.Offset, Limit: o.Limit, Get: get}}
}

// Time is a TrueNAS ejson datetime ({"$date": milliseconds since the epoch}).
type Time struct{ time.Time }

// UnmarshalJSON accepts {"$date": ms}, a number of ms, an RFC 3339 string or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	var obj struct {
		Date *lenient.Int `json:"$date"`
	}
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		if obj.Date != nil {
			t.Time = time.UnixMilli(int64(*obj.Date)).UTC()
		}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		_ = json.Unmarshal(b, &s)
		if p, err := time.Parse(time.RFC3339, s); err == nil {
			t.Time = p
		}
		return nil
	}
	var n lenient.Int
	if err := n.UnmarshalJSON(b); err != nil {
		return err
	}
	if n != 0 {
		t.Time = time.UnixMilli(int64(n)).UTC()
	}
	return nil
}

// MarshalJSON encodes {"$date": ms} (null for the zero time).
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(map[string]int64{"$date": t.UnixMilli()})
}
