package fortigatetest

import (
	"fmt"
	"strconv"
	"strings"
)

var filterOps = []string{"==", "!=", "=*", "!*", "=@", "!@", "<=", ">=", "<", ">"}

// splitUnescaped splits s on unescaped sep and removes the escapes ("\," "\." "\\").
func splitUnescaped(s string, sep byte) []string {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			b.WriteByte('\\')
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if c == sep {
			parts = append(parts, b.String())
			b.Reset()
			continue
		}
		b.WriteByte(c)
	}
	return append(parts, b.String())
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func parseFilter(expr string) (key, op, pat string, err error) {
	for i := 0; i < len(expr); i++ {
		for _, o := range filterOps {
			if strings.HasPrefix(expr[i:], o) {
				if i == 0 {
					return "", "", "", fmt.Errorf("filter %q: missing key", expr)
				}
				return expr[:i], o, unescape(expr[i+len(o):]), nil
			}
		}
	}
	return "", "", "", fmt.Errorf("filter %q: no operator", expr)
}

// matchFilter evaluates one filter parameter (comma = OR) against a record; table
// attributes are searched deeply.
func matchFilter(r record, filter string) (bool, error) {
	for _, part := range splitUnescaped(filter, ',') {
		key, op, pat, err := parseFilter(part)
		if err != nil {
			return false, err
		}
		if matchOne(values(r[key]), op, pat) {
			return true, nil
		}
	}
	return false, nil
}

func values(v any) []string {
	switch x := v.(type) {
	case nil:
		return []string{""}
	case []any:
		var out []string
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				for _, ev := range m {
					out = append(out, values(ev)...)
				}
			} else {
				out = append(out, values(e)...)
			}
		}
		return out
	default:
		s, _ := scalarString(v)
		return []string{s}
	}
}

func matchOne(vals []string, op, pat string) bool {
	any := func(f func(string) bool) bool {
		for _, v := range vals {
			if f(v) {
				return true
			}
		}
		return false
	}
	lp := strings.ToLower(pat)
	switch op {
	case "==":
		return any(func(v string) bool { return v == pat })
	case "!=":
		return !any(func(v string) bool { return v == pat })
	case "=*":
		return any(func(v string) bool { return strings.EqualFold(v, pat) })
	case "!*":
		return !any(func(v string) bool { return strings.EqualFold(v, pat) })
	case "=@":
		return any(func(v string) bool { return strings.Contains(strings.ToLower(v), lp) })
	case "!@":
		return !any(func(v string) bool { return strings.Contains(strings.ToLower(v), lp) })
	}
	return any(func(v string) bool {
		c := compareValues(v, pat)
		switch op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		default:
			return c >= 0
		}
	})
}

// compareValues compares numerically when both sides are numbers, else as strings.
func compareValues(a, b any) int {
	as, _ := scalarString(a)
	bs, _ := scalarString(b)
	af, e1 := strconv.ParseFloat(as, 64)
	bf, e2 := strconv.ParseFloat(bs, 64)
	if e1 == nil && e2 == nil {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	}
	return strings.Compare(as, bs)
}
