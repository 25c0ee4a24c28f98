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

// QueryOptions are the options of every *.query method (reference §5). The zero value asks
// for everything.
type QueryOptions struct {
	// Extra carries method-specific options, e.g. {"flat": true} for pool.dataset.query.
	Extra map[string]any
	// OrderBy sorts by fields; "-name" is descending, "nulls_first:x"/"nulls_last:x" place nulls.
	OrderBy []string
	// Select keeps only these fields.
	Select []string
	// Offset skips this many entries; Limit returns at most this many (0: no limit).
	Offset int
	Limit  int
}

// MarshalJSON encodes only the options that are set.
func (o QueryOptions) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if len(o.Extra) > 0 {
		m["extra"] = o.Extra
	}
	if len(o.OrderBy) > 0 {
		m["order_by"] = o.OrderBy
	}
	if len(o.Select) > 0 {
		m["select"] = o.Select
	}
	if o.Offset > 0 {
		m["offset"] = o.Offset
	}
	if o.Limit > 0 {
		m["limit"] = o.Limit
	}
	return json.Marshal(m)
}

// Query is a filter list plus options, accepted by every List method. The zero value lists
// everything.
type Query struct {
	Filters []Filter
	Options QueryOptions
}

// Where returns a Query with the given filters.
func Where(filters ...Filter) Query { return Query{Filters: filters} }

// params returns [filters, options] with optional get/count flags.
func (q Query) params(get bool) []any {
	filters := q.Filters
	if filters == nil {
		filters = []Filter{}
	}
	raw, _ := json.Marshal(q.Options)
	var opts map[string]any
	_ = json.Unmarshal(raw, &opts)
	if get {
		opts["get"] = true
	}
	return []any{filters, opts}
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
