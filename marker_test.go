package sitekit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sitekit/sitekit"
)

func TestMarker(t *testing.T) {
	assert.Equal(t, "managed-by sitekit:pessac", sitekit.Marker("pessac"))
	site, ok := sitekit.ParseMarker(sitekit.Marker("pessac"))
	assert.True(t, ok)
	assert.Equal(t, "pessac", site)
}

func TestParseMarker(t *testing.T) {
	for _, tc := range []struct {
		in, site string
		ok       bool
	}{
		{"managed-by sitekit:pessac", "pessac", true},
		{"LAN of the office — managed-by sitekit:pessac-2; do not edit", "pessac-2", true},
		{"[managed-by sitekit:talence]", "talence", true},
		{"managed-by sitekit:pessac.", "pessac", true},
		{"managed-by sitekit:pessac\nsecond line", "pessac", true},
		{"managed-by sitekit:a managed-by sitekit:b", "a", true},
		{"managed-by sitekit:", "", false},
		{"managed-by sitekit: pessac", "", false},
		{"managed by sitekit:pessac", "", false},
		{"", "", false},
	} {
		site, ok := sitekit.ParseMarker(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.site, site, tc.in)
	}
}
