package xotest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Evidence: reference xo.md §3.1 (packages/complex-matcher: whitespace AND, |( ) OR, !,
// prop?, numeric comparisons, case-insensitive substrings, /regex/, any-element arrays).
func TestComplexMatcher(t *testing.T) {
	obj := map[string]any{"name_label": "Web01", "power_state": "Running", "tags": []any{"managed-by sitekit:pessac", "backup"},
		"vlan": -1.0, "size": 2048.0, "management": false, "$pool": "p1", "addresses": map[string]any{"0/ipv4/0": "10.0.0.5"}}
	cases := map[string]bool{
		"name_label:web":                   true, // case-insensitive substring
		"name_label:/^Web01$/":             true,
		"name_label:/^web01$/":             false,
		"name_label:/^web01$/i":            true,
		"name_label:w*1":                   true,
		`tags:"managed-by sitekit:pessac"`: true,
		"tags:/^backup$/":                  true,
		"tags:nothing":                     false,
		"vlan:-1":                          true,
		"vlan:1":                           false,
		"size:>1024 size:<=2048":           true,
		"size:>=4096":                      false,
		"management?":                      false,
		"!management?":                     true,
		"|(power_state:Halted power_state:Running)": true,
		"(power_state:Running $pool:p2)":            false,
		"addresses:10.0.0":                          true,
		"Web01":                                     true,
		`url:/^nfs:\/\/h$/`:                         false,
	}
	for expr, want := range cases {
		m, err := parseMatcher(expr)
		require.NoError(t, err, expr)
		assert.Equal(t, want, m.match(obj), expr)
	}
	for _, bad := range []string{"(a:b", "a:b)", `a:"x`, "a:/x", "a:>x", "a:/(/"} {
		_, err := parseMatcher(bad)
		assert.Error(t, err, bad)
	}
	m, err := parseMatcher(`url:/^nfs:\/\/h:\/p$/`)
	require.NoError(t, err)
	assert.True(t, m.match(map[string]any{"url": "nfs://h:/p"}))
}

func FuzzParseMatcher(f *testing.F) {
	for _, s := range []string{"a:b", "|(a:b !c?)", `x:/^a\/b$/i`, `"q" n:>=3`, "(a (b|(c)))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMatcher(s)
		if err == nil {
			_ = m.match(map[string]any{"a": "b", "n": 4.0, "l": []any{"x"}})
		}
	})
}
