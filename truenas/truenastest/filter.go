package truenastest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

// queryOptions are the options of *.query methods.
type queryOptions struct {
	Extra   map[string]any `json:"extra"`
	OrderBy []string       `json:"order_by"`
	Select  []any          `json:"select"`
	Count   bool           `json:"count"`
	Get     bool           `json:"get"`
	Offset  int            `json:"offset"`
	Limit   int            `json:"limit"`
}

// runQuery applies filters and options to rows (JSON-like maps) and returns the result
// value: a list, a count, or one row.
func runQuery(rows []map[string]any, params []json.RawMessage) (any, error) {
	var filters []any
	var opts queryOptions
	if len(params) > 0 && string(params[0]) != "null" {
		if err := json.Unmarshal(params[0], &filters); err != nil {
			return nil, badParams("filters", "Input should be a valid list")
		}
	}
	if len(params) > 1 && string(params[1]) != "null" {
		if err := json.Unmarshal(params[1], &opts); err != nil {
			return nil, badParams("options", "Input should be a valid dictionary")
		}
	}
	if opts.Limit > 10000 {
		return nil, badParams("options.limit", "Input should be less than or equal to 10000")
	}
	var out []map[string]any
	// Without ordering or counting, matching stops once the requested page is full, so
	// a page costs what it returns, not the table.
	enough := len(rows)
	if len(opts.OrderBy) == 0 && !opts.Count && opts.Limit > 0 {
		enough = opts.Offset + opts.Limit
	}
	for _, r := range rows {
		if len(out) >= enough {
			break
		}
		ok, err := matchAll(r, filters)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	if len(opts.OrderBy) > 0 {
		sort.SliceStable(out, func(i, j int) bool {
			for _, key := range opts.OrderBy {
				desc := strings.HasPrefix(key, "-")
				key = strings.TrimPrefix(key, "-")
				key = strings.TrimPrefix(strings.TrimPrefix(key, "nulls_first:"), "nulls_last:")
				c := compare(lookup(out[i], key), lookup(out[j], key))
				if c != 0 {
					return (c < 0) != desc
				}
			}
			return false
		})
	}
	if opts.Count {
		return len(out), nil
	}
	if opts.Offset > 0 {
		if opts.Offset >= len(out) {
			out = nil
		} else {
			out = out[opts.Offset:]
		}
	}
	if opts.Limit > 0 && len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	if len(opts.Select) > 0 {
		sel := make([]map[string]any, 0, len(out))
		for _, r := range out {
			m := map[string]any{}
			for _, s := range opts.Select {
				switch v := s.(type) {
				case string:
					m[v] = lookup(r, v)
				case []any:
					if len(v) == 2 {
						p, _ := v[0].(string)
						alias, _ := v[1].(string)
						m[alias] = lookup(r, p)
					}
				}
			}
			sel = append(sel, m)
		}
		out = sel
	}
	if opts.Get {
		if len(out) == 0 {
			return nil, matchNotFound()
		}
		return out[0], nil
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out, nil
}

func matchAll(r map[string]any, filters []any) (bool, error) {
	for _, f := range filters {
		ok, err := match(r, f)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func match(r map[string]any, f any) (bool, error) {
	list, ok := f.([]any)
	if !ok {
		return false, badParams("filters", fmt.Sprintf("Invalid filter %v", f))
	}
	if len(list) == 2 {
		if s, _ := list[0].(string); s == "OR" {
			group, ok := list[1].([]any)
			if !ok {
				return false, badParams("filters", "OR requires a list of filters")
			}
			for _, g := range group {
				m, err := match(r, g)
				if err != nil {
					return false, err
				}
				if m {
					return true, nil
				}
			}
			return false, nil
		}
	}
	if len(list) != 3 {
		return false, badParams("filters", fmt.Sprintf("Invalid filter %v", f))
	}
	field, _ := list[0].(string)
	op, _ := list[1].(string)
	want := list[2]
	got := lookup(r, field)
	ci := false
	if strings.HasPrefix(op, "C") {
		ci, op = true, op[1:]
		got, want = lower(got), lower(want)
	}
	_ = ci
	switch op {
	case "=":
		return compare(got, want) == 0, nil
	case "!=":
		return compare(got, want) != 0, nil
	case ">":
		return compare(got, want) > 0, nil
	case ">=":
		return compare(got, want) >= 0, nil
	case "<":
		return compare(got, want) < 0, nil
	case "<=":
		return compare(got, want) <= 0, nil
	case "~":
		s, _ := want.(string)
		re, err := regexp.Compile(s)
		if err != nil {
			return false, badParams("filters", "Invalid regex")
		}
		g, _ := got.(string)
		return re.MatchString(g), nil
	case "in", "nin":
		in := contains(want, got)
		return in == (op == "in"), nil
	case "rin", "rnin":
		in := contains(got, want)
		return in == (op == "rin"), nil
	case "^", "!^":
		g, _ := got.(string)
		w, _ := want.(string)
		return strings.HasPrefix(g, w) == (op == "^"), nil
	case "$", "!$":
		g, _ := got.(string)
		w, _ := want.(string)
		return strings.HasSuffix(g, w) == (op == "$"), nil
	}
	return false, badParams("filters", fmt.Sprintf("Invalid operation: %s", op))
}

func lower(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return v
}

func contains(list, v any) bool {
	l, ok := list.([]any)
	if !ok {
		if s, ok := list.(string); ok {
			if w, ok := v.(string); ok {
				return strings.Contains(s, w)
			}
		}
		return false
	}
	for _, x := range l {
		if compare(x, v) == 0 {
			return true
		}
	}
	return false
}

// lookup resolves a dot path ("state.state", "children.0.name").
func lookup(r any, path string) any {
	cur := r
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// compare orders JSON values: nil < numbers < strings < bools; -1, 0, 1.
func compare(a, b any) int {
	fa, aNum := num(a)
	fb, bNum := num(b)
	switch {
	case aNum && bNum:
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	sa, sb := fmt.Sprint(a), fmt.Sprint(b)
	return strings.Compare(sa, sb)
}

func num(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// toRow converts any value to its JSON map form.
func toRow(v any) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(mustJSON(v), &m)
	return m
}

var _ = jsonrpc.CodeInvalidParams
