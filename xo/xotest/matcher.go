package xotest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// matcher is a parsed complex-matcher expression (the subset XO clients use): AND by
// whitespace, prop:value (case-insensitive substring), prop:/regex/flags, "quoted", globs with
// *, prop?, !x, |(a b), (a b), numeric prop:>n <n >=n <=n, bare values matching any property;
// arrays and objects match when any element matches.
type matcher interface {
	match(v any) bool
}

type andNode []matcher
type orNode []matcher
type notNode struct{ m matcher }
type propNode struct {
	name string
	m    matcher
}
type truthyNode struct{ name string }
type strNode struct{ s string }
type numNode struct {
	op string
	n  float64
}
type reNode struct{ re *regexp.Regexp }

func (n andNode) match(v any) bool {
	for _, m := range n {
		if !m.match(v) {
			return false
		}
	}
	return true
}

func (n orNode) match(v any) bool {
	for _, m := range n {
		if m.match(v) {
			return true
		}
	}
	return false
}

func (n notNode) match(v any) bool { return !n.m.match(v) }

func (n propNode) match(v any) bool {
	obj, ok := v.(map[string]any)
	if !ok {
		return false
	}
	val, ok := obj[n.name]
	if !ok {
		return false
	}
	return anyMatch(val, n.m)
}

// anyMatch applies m to v, or to any element when v is an array or object.
func anyMatch(v any, m matcher) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if anyMatch(e, m) {
				return true
			}
		}
		return false
	case map[string]any:
		if _, isStruct := m.(propNode); isStruct {
			return m.match(x)
		}
		for _, e := range x {
			if anyMatch(e, m) {
				return true
			}
		}
		return false
	}
	return m.match(v)
}

func (n truthyNode) match(v any) bool {
	obj, ok := v.(map[string]any)
	if !ok {
		return false
	}
	switch x := obj[n.name].(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	}
	return true
}

func (n strNode) match(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(strings.ToLower(x), strings.ToLower(n.s))
	case float64:
		if f, err := strconv.ParseFloat(n.s, 64); err == nil {
			return f == x
		}
		return false
	case bool:
		return strconv.FormatBool(x) == strings.ToLower(n.s)
	case map[string]any, []any:
		return anyMatch(x, n)
	}
	return false
}

func (n numNode) match(v any) bool {
	x, ok := v.(float64)
	if !ok {
		return false
	}
	switch n.op {
	case ">":
		return x > n.n
	case ">=":
		return x >= n.n
	case "<":
		return x < n.n
	case "<=":
		return x <= n.n
	}
	return x == n.n
}

func (n reNode) match(v any) bool {
	switch x := v.(type) {
	case string:
		return n.re.MatchString(x)
	case float64:
		return n.re.MatchString(strconv.FormatFloat(x, 'f', -1, 64))
	case map[string]any, []any:
		return anyMatch(x, n)
	}
	return false
}

// parseMatcher parses a complex-matcher expression.
func parseMatcher(s string) (matcher, error) {
	p := &mparser{s: s}
	terms, err := p.terms(false)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.s) {
		return nil, p.errf("unexpected %q", p.s[p.i])
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return andNode(terms), nil
}

type mparser struct {
	s string
	i int
}

func (p *mparser) errf(format string, args ...any) error {
	return fmt.Errorf("complex-matcher: "+format+" at position %d", append(args, p.i)...)
}

func (p *mparser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *mparser) terms(inGroup bool) ([]matcher, error) {
	var out []matcher
	for {
		p.ws()
		if p.i >= len(p.s) {
			if inGroup {
				return nil, p.errf("missing )")
			}
			return out, nil
		}
		if p.s[p.i] == ')' {
			if !inGroup {
				return nil, p.errf("unexpected )")
			}
			return out, nil
		}
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
}

func (p *mparser) group() ([]matcher, error) {
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, p.errf("expected (")
	}
	p.i++
	ts, err := p.terms(true)
	if err != nil {
		return nil, err
	}
	p.i++ // ')'
	return ts, nil
}

func (p *mparser) term() (matcher, error) {
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end")
	}
	switch p.s[p.i] {
	case '!':
		p.i++
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		return notNode{t}, nil
	case '|':
		p.i++
		ts, err := p.group()
		if err != nil {
			return nil, err
		}
		return orNode(ts), nil
	case '(':
		ts, err := p.group()
		if err != nil {
			return nil, err
		}
		return andNode(ts), nil
	}
	// property or bare value
	if p.s[p.i] == '"' || p.s[p.i] == '/' {
		return p.value()
	}
	start := p.i
	word := p.word()
	if word == "" {
		return nil, p.errf("unexpected %q", p.s[p.i])
	}
	if p.i < len(p.s) && p.s[p.i] == ':' {
		p.i++
		if p.i >= len(p.s) {
			return nil, p.errf("missing value")
		}
		if p.s[p.i] == '(' {
			ts, err := p.group()
			if err != nil {
				return nil, err
			}
			return propNode{word, andNode(ts)}, nil
		}
		if p.s[p.i] == '|' || p.s[p.i] == '!' {
			t, err := p.term()
			if err != nil {
				return nil, err
			}
			return propNode{word, t}, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		return propNode{word, v}, nil
	}
	if p.i < len(p.s) && p.s[p.i] == '?' {
		p.i++
		return truthyNode{word}, nil
	}
	p.i = start
	return p.value()
}

func (p *mparser) word() string {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" \t\n:?()!|\"/", rune(p.s[p.i])) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *mparser) value() (matcher, error) {
	if p.i >= len(p.s) {
		return nil, p.errf("missing value")
	}
	switch c := p.s[p.i]; {
	case c == '"':
		p.i++
		var b strings.Builder
		for p.i < len(p.s) && p.s[p.i] != '"' {
			if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
				p.i++
			}
			b.WriteByte(p.s[p.i])
			p.i++
		}
		if p.i >= len(p.s) {
			return nil, p.errf("unterminated string")
		}
		p.i++
		return strNode{b.String()}, nil
	case c == '/':
		p.i++
		var b strings.Builder
		for p.i < len(p.s) && p.s[p.i] != '/' {
			if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
				if p.s[p.i+1] == '/' {
					p.i++
				} else {
					b.WriteByte('\\')
					p.i++
				}
			}
			b.WriteByte(p.s[p.i])
			p.i++
		}
		if p.i >= len(p.s) {
			return nil, p.errf("unterminated regular expression")
		}
		p.i++
		flags := ""
		for p.i < len(p.s) && strings.ContainsRune("imsu", rune(p.s[p.i])) {
			if p.s[p.i] == 'i' || p.s[p.i] == 's' || p.s[p.i] == 'm' {
				flags += string(p.s[p.i])
			}
			p.i++
		}
		expr := b.String()
		if flags != "" {
			expr = "(?" + flags + ")" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, p.errf("invalid regular expression: %v", err)
		}
		return reNode{re}, nil
	case c == '>' || c == '<':
		op := string(c)
		p.i++
		if p.i < len(p.s) && p.s[p.i] == '=' {
			op += "="
			p.i++
		}
		w := p.word()
		n, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return nil, p.errf("invalid number %q", w)
		}
		return numNode{op, n}, nil
	}
	w := p.word()
	if w == "" {
		return nil, p.errf("unexpected %q", p.s[p.i])
	}
	if strings.Contains(w, "*") {
		parts := strings.Split(w, "*")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re, err := regexp.Compile("(?i)^" + strings.Join(parts, ".*") + "$")
		if err != nil {
			return nil, p.errf("invalid pattern: %v", err)
		}
		return reNode{re}, nil
	}
	if n, err := strconv.ParseFloat(w, 64); err == nil {
		return orNode{numNode{"=", n}, strNode{w}}, nil
	}
	return strNode{w}, nil
}
