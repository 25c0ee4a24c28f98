package cloudinit

import (
	"net/netip"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmptyNetworkConfigRefused(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":        "",
		"blank":        "\n  \n",
		"comment only": "# network-config\n#version: 1\n# config: []\n",
		"null":         "~\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseNetworkConfig([]byte(doc))
			require.ErrorIs(t, err, ErrEmptyNetworkConfig)
			require.ErrorIs(t, err, sitekit.ErrInvalid)
			assert.Contains(t, err.Error(), "NoCloud")
			require.ErrorIs(t, ValidateNetworkConfig([]byte(doc)), ErrEmptyNetworkConfig)
		})
	}
	_, err := NetworkConfig{Version: NetworkV1}.Render()
	requireField(t, err, "NetworkConfig")
	// A v2 document with no ethernets parses but does not validate.
	require.ErrorIs(t, ValidateNetworkConfig([]byte("version: 2\nethernets: {}\n")), ErrEmptyNetworkConfig)
}

// TestParseReferenceNetworkConfig replays the network_config of the create_vm example in
// reference xo.md §5.
func TestParseReferenceNetworkConfig(t *testing.T) {
	doc := "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.10.20.11/24\n        gateway: 10.10.20.1\n        dns_nameservers: [10.10.20.1]\n"
	c, err := ParseNetworkConfig([]byte(doc))
	require.NoError(t, err)
	want := NetworkConfig{Version: NetworkV1, Interfaces: []Interface{StaticInterface("eth0", "10.10.20.11/24", "10.10.20.1", "10.10.20.1")}}
	assert.Equal(t, want, c)
	out, err := c.Render()
	require.NoError(t, err)
	assert.Equal(t, doc, normalizeFlow(out))
}

// normalizeFlow rewrites the rendered one-item block list of dns_nameservers in the
// reference's flow style, so the rendered document can be compared to it textually.
func normalizeFlow(s string) string {
	const block = "dns_nameservers:\n          - 10.10.20.1\n"
	if i := len(s) - len(block); i >= 0 && s[i:] == block {
		return s[:i] + "dns_nameservers: [10.10.20.1]\n"
	}
	return s
}

func TestParseNetworkConfigVariants(t *testing.T) {
	t.Run("v1 netmask, global nameserver, wrapper", func(t *testing.T) {
		doc := `network:
  version: 1
  config:
    - type: physical
      name: eth0
      mac_address: "02:16:3E:00:00:01"
      subnets:
        - type: static
          address: 192.168.1.10
          netmask: 255.255.255.0
          gateway: 192.168.1.1
    - type: nameserver
      address: 192.168.1.1
      search: [lan]
`
		c, err := ParseNetworkConfig([]byte(doc))
		require.NoError(t, err)
		require.Len(t, c.Interfaces, 1)
		i := c.Interfaces[0]
		assert.Equal(t, "02:16:3e:00:00:01", i.MAC)
		assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("192.168.1.10/24")}, i.Addresses)
		assert.Equal(t, netip.MustParseAddr("192.168.1.1"), i.Gateway)
		assert.Equal(t, []netip.Addr{netip.MustParseAddr("192.168.1.1")}, i.DNS)
		assert.Equal(t, []string{"lan"}, i.Search)
		require.NoError(t, c.Validate())
	})
	t.Run("v2 gateway4 and yes", func(t *testing.T) {
		doc := "version: 2\nethernets:\n  id0:\n    match: {macaddress: '02:16:3e:00:00:02'}\n    set-name: ens3\n    dhcp4: yes\n    gateway4: 10.0.0.1\n    addresses: [10.0.0.5/24]\n"
		c, err := ParseNetworkConfig([]byte(doc))
		require.NoError(t, err)
		assert.Equal(t, Interface{Name: "ens3", MAC: "02:16:3e:00:00:02", DHCP4: true,
			Addresses: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/24")}, Gateway: netip.MustParseAddr("10.0.0.1")}, c.Interfaces[0])
	})
	t.Run("interface order kept in v2", func(t *testing.T) {
		c := NetworkConfig{Version: NetworkV2, Interfaces: []Interface{{Name: "zz0", DHCP4: true}, {Name: "aa0", DHCP4: true}}}
		b, err := c.Bytes()
		require.NoError(t, err)
		back, err := ParseNetworkConfig(b)
		require.NoError(t, err)
		assert.Equal(t, c, back)
	})
	t.Run("all-digit MAC stays a string", func(t *testing.T) {
		c := NetworkConfig{Version: NetworkV1, Interfaces: []Interface{{Name: "eth0", MAC: "10:20:30:40:50:59", DHCP4: true}}}
		s, err := c.Render()
		require.NoError(t, err)
		assert.Contains(t, s, `mac_address: "10:20:30:40:50:59"`, "YAML 1.1 would read it as a base-60 integer")
	})
	for name, doc := range map[string]string{
		"bond":        "version: 1\nconfig:\n  - type: bond\n    name: bond0\n",
		"route":       "version: 2\nethernets:\n  eth0:\n    routes: [{to: 10.0.0.0/8, via: 10.1.1.1}]\n",
		"version":     "version: 3\n",
		"bad address": "version: 2\nethernets:\n  eth0:\n    addresses: [nope]\n",
		"not a map":   "- a\n",
	} {
		t.Run("rejects "+name, func(t *testing.T) {
			_, err := ParseNetworkConfig([]byte(doc))
			assert.Error(t, err)
		})
	}
}

func TestParseUserDataHeader(t *testing.T) {
	_, err := ParseUserData([]byte("#!/bin/sh\necho hi\n"))
	require.ErrorIs(t, err, ErrNotCloudConfig)
	u, err := ParseUserData([]byte("#cloud-config \r\nusers: [default, {name: ops, lock_passwd: false}]\nruncmd:\n  - echo hi\n  - [ls, -l]\n"))
	require.NoError(t, err)
	assert.Equal(t, []User{DefaultUser, {Name: "ops", LockPasswd: Bool(false)}}, u.Users)
	assert.Equal(t, []Command{Shell("echo hi"), Cmd("ls", "-l")}, u.RunCmd)
	s, err := UserData{Users: []User{DefaultUser}}.Render()
	require.NoError(t, err)
	assert.Equal(t, "#cloud-config\nusers:\n  - default\n", s)
}
