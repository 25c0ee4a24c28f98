package sitekit

import "strings"

// markerPrefix starts every managed-by marker.
const markerPrefix = "managed-by sitekit:"

// Marker returns the text that claims an appliance object for a site: "managed-by
// sitekit:<site>". It is written in the free-text field each appliance offers (FortiOS and EMS
// comments, XO tags, TrueNAS comments and descriptions) and read back with [ParseMarker].
func Marker(site string) string { return markerPrefix + site }

// ParseMarker finds the first marker in s (a comment, a tag, a description) and returns the
// site it names. The site name is the run of letters, digits, '-', '_' and '.' that follows
// the prefix, without trailing dots, so "managed-by sitekit:pessac." names "pessac" and the
// marker of "pessac" is not the marker of "pessac-2". ok is false when s holds no marker or
// the marker names no site.
func ParseMarker(s string) (site string, ok bool) {
	i := strings.Index(s, markerPrefix)
	if i < 0 {
		return "", false
	}
	rest := s[i+len(markerPrefix):]
	n := 0
	for n < len(rest) && isSiteByte(rest[n]) {
		n++
	}
	site = strings.TrimRight(rest[:n], ".")
	return site, site != ""
}

func isSiteByte(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
