package cloudinit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseUserData: parsing never panics, and a parsed document that validates renders and
// parses back to the same value.
func FuzzParseUserData(f *testing.F) {
	for _, u := range userDataCases(f) {
		b, err := u.Bytes()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("#cloud-config\nusers: [default]\nruncmd: [[a, b], c]\n"))
	f.Add([]byte("#cloud-config\nwrite_files: [{path: /a, permissions: 0644}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := ParseUserData(b)
		if err != nil || u.Validate() != nil {
			return
		}
		out, err := u.Bytes()
		require.NoError(t, err)
		back, err := ParseUserData(out)
		require.NoError(t, err)
		require.Equal(t, u, back)
	})
}

// FuzzParseNetworkConfig: same property for network-config.
func FuzzParseNetworkConfig(f *testing.F) {
	for _, c := range networkCases() {
		b, err := c.Bytes()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("# only a comment\n"))
	f.Add([]byte("network:\n  version: 1\n  config:\n    - {type: nameserver, address: [1.1.1.1]}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseNetworkConfig(b)
		if err != nil || c.Validate() != nil {
			return
		}
		out, err := c.Bytes()
		require.NoError(t, err)
		back, err := ParseNetworkConfig(out)
		require.NoError(t, err)
		require.Equal(t, c, back)
	})
}
