package xo

import (
	"regexp"
	"strconv"
	"strings"
)

// Filter is an XO complex-matcher expression (the filter= query parameter), built with the
// functions below so that values are quoted and escaped correctly. The zero Filter matches
// everything.
//
//	xo.And(xo.Eq("$pool", poolID), xo.Eq("name_label", "web01"))   // $pool:/^…$/ name_label:/^web01$/
//	xo.Or(xo.Eq("power_state", "Running"), xo.Eq("power_state", "Paused"))
type Filter struct {
	expr     string
	compound bool // several whitespace-separated terms: parenthesise when nested
}

// String returns the complex-matcher text.
func (f Filter) String() string { return f.expr }

// IsZero reports whether f matches everything.
func (f Filter) IsZero() bool { return f.expr == "" }

// Raw wraps a complex-matcher expression written by hand.
func Raw(expr string) Filter {
	e := strings.TrimSpace(expr)
	return Filter{expr: e, compound: strings.ContainsAny(e, " \t")}
}

var rawWord = regexp.MustCompile(`^[A-Za-z0-9_$.@\-]+$`)

func prop(name string) string {
	if rawWord.MatchString(name) {
		return name
	}
	return quote(name)
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Eq matches objects whose property equals value exactly (case-sensitive), rendered as an
// anchored regular expression: name_label:/^web01$/.
func Eq(property, value string) Filter {
	re := regexp.QuoteMeta(value)
	re = strings.ReplaceAll(re, "/", `\/`)
	return Filter{expr: prop(property) + ":/^" + re + "$/"}
}

// Contains matches a case-insensitive substring (complex-matcher's plain string match); on an
// array property (tags) it matches when any element contains it.
func Contains(property, value string) Filter {
	v := value
	if !rawWord.MatchString(v) {
		v = quote(v)
	}
	return Filter{expr: prop(property) + ":" + v}
}

// Num matches a numeric property: op is one of "=", "<", "<=", ">", ">=".
func Num(property, op string, n float64) Filter {
	switch op {
	case "<", "<=", ">", ">=":
	default:
		op = ""
	}
	return Filter{expr: prop(property) + ":" + op + strconv.FormatFloat(n, 'f', -1, 64)}
}

// Truthy matches objects whose property is truthy (prop?).
func Truthy(property string) Filter { return Filter{expr: prop(property) + "?"} }

// Not negates f.
func Not(f Filter) Filter {
	if f.expr == "" {
		return f
	}
	return Filter{expr: "!" + group(f)}
}

// And matches when all filters match (whitespace-separated terms).
func And(fs ...Filter) Filter {
	var parts []string
	for _, f := range fs {
		if f.expr != "" {
			parts = append(parts, group(f))
		}
	}
	return Filter{expr: strings.Join(parts, " "), compound: len(parts) > 1}
}

// Or matches when any filter matches: |(a b).
func Or(fs ...Filter) Filter {
	var parts []string
	for _, f := range fs {
		if f.expr != "" {
			parts = append(parts, group(f))
		}
	}
	switch len(parts) {
	case 0:
		return Filter{}
	case 1:
		return Filter{expr: parts[0]}
	}
	return Filter{expr: "|(" + strings.Join(parts, " ") + ")"}
}

// HasTag matches objects carrying tag exactly.
func HasTag(tag string) Filter { return Eq("tags", tag) }

// group parenthesises compound expressions so they compose.
func group(f Filter) string {
	if f.compound {
		return "(" + f.expr + ")"
	}
	return f.expr
}
