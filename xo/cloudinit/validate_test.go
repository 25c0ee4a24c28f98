package cloudinit

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserDataValidate(t *testing.T) {
	ok := base("web")
	require.NoError(t, ok.Validate())
	cases := []struct {
		name  string
		mut   func(u *UserData)
		field string
	}{
		{"hostname underscore", func(u *UserData) { u.Hostname = "web_01" }, "Hostname"},
		{"hostname leading hyphen", func(u *UserData) { u.Hostname = "-web" }, "Hostname"},
		{"hostname label too long", func(u *UserData) { u.Hostname = string(make([]byte, 64)) }, "Hostname"},
		{"fqdn without host", func(u *UserData) { u.FQDN = "www.pessac.lan" }, "FQDN"},
		{"timezone", func(u *UserData) { u.Timezone = "Europe Paris" }, "Timezone"},
		{"user name upper", func(u *UserData) { u.Users[0].Name = "Admin" }, "Users[0].Name"},
		{"user name root", func(u *UserData) { u.Users[0].Name = "root" }, "Users[0].Name"},
		{"empty ssh key", func(u *UserData) { u.Users[0].SSHAuthorizedKeys = []string{" "} }, "Users[0].SSHAuthorizedKeys[0]"},
		{"unknown key type", func(u *UserData) { u.Users[0].SSHAuthorizedKeys = []string{"ssh-foo AAAA"} }, "Users[0].SSHAuthorizedKeys[0]"},
		{"key without data", func(u *UserData) { u.Users[0].SSHAuthorizedKeys = []string{"ssh-ed25519"} }, "Users[0].SSHAuthorizedKeys[0]"},
		{"relative shell", func(u *UserData) { u.Users[0].Shell = "bash" }, "Users[0].Shell"},
		{"duplicate user", func(u *UserData) { u.Users = append(u.Users, u.Users[0]) }, "Users[1].Name"},
		{"package", func(u *UserData) { u.Packages = []string{"apache2; rm -rf /"} }, "Packages[0]"},
		{"relative path", func(u *UserData) { u.WriteFiles = []WriteFile{{Path: "etc/motd"}} }, "WriteFiles[0].Path"},
		{"dotdot path", func(u *UserData) { u.WriteFiles = []WriteFile{{Path: "/etc/../motd"}} }, "WriteFiles[0].Path"},
		{"decimal permissions", func(u *UserData) { u.WriteFiles = []WriteFile{{Path: "/etc/motd", Permissions: "0999"}} }, "WriteFiles[0].Permissions"},
		{"owner", func(u *UserData) { u.WriteFiles = []WriteFile{{Path: "/etc/motd", Owner: "root:"}} }, "WriteFiles[0].Owner"},
		{"encoding", func(u *UserData) { u.WriteFiles = []WriteFile{{Path: "/etc/motd", Encoding: "zip"}} }, "WriteFiles[0].Encoding"},
		{"bad base64", func(u *UserData) { u.WriteFiles = []WriteFile{{Path: "/etc/motd", Encoding: "b64", Content: "!!"}} }, "WriteFiles[0].Content"},
		{"duplicate path", func(u *UserData) { u.WriteFiles = []WriteFile{{Path: "/etc/motd"}, {Path: "/etc/motd"}} }, "WriteFiles[1].Path"},
		{"empty runcmd", func(u *UserData) { u.RunCmd = []Command{Shell(" ")} }, "RunCmd[0].Shell"},
		{"empty argv", func(u *UserData) { u.BootCmd = []Command{Cmd()} }, "BootCmd[0].Argv"},
		{"ntp server", func(u *UserData) { u.NTP.Servers = []string{"a b"} }, "NTP.Servers[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := base("web")
			u.Users = []User{AdminUser("sitekit", testKey)}
			u.NTP = &NTP{Enabled: true}
			c.mut(&u)
			requireField(t, u.Validate(), c.field)
			_, err := u.Render()
			requireField(t, err, c.field)
		})
	}
}

func TestValidHostname(t *testing.T) {
	for _, s := range []string{"web", "web-01", "a", "web.pessac.lan", "1web"} {
		assert.True(t, ValidHostname(s), s)
	}
	for _, s := range []string{"", "web_01", "-a", "a-", "a..b", "web.", "é"} {
		assert.False(t, ValidHostname(s), s)
	}
}

func TestNetworkConfigValidate(t *testing.T) {
	cases := []struct {
		name  string
		mut   func(c *NetworkConfig)
		field string
	}{
		{"version", func(c *NetworkConfig) { c.Version = 3 }, "Version"},
		{"empty", func(c *NetworkConfig) { c.Interfaces = nil }, "NetworkConfig"},
		{"name", func(c *NetworkConfig) { c.Interfaces[0].Name = "a-very-long-interface-name" }, "Interfaces[0].Name"},
		{"mac", func(c *NetworkConfig) { c.Interfaces[0].MAC = "AA:BB:CC:DD:EE:FF" }, "Interfaces[0].MAC"},
		{"nothing", func(c *NetworkConfig) { c.Interfaces[0] = Interface{Name: "eth0"} }, "Interfaces[0].Addresses"},
		{"gateway off-link", func(c *NetworkConfig) { c.Interfaces[0].Gateway = netip.MustParseAddr("10.99.0.1") }, "Interfaces[0].Gateway"},
		{"duplicate dns", func(c *NetworkConfig) { c.Interfaces[0].DNS = append(c.Interfaces[0].DNS, c.Interfaces[0].DNS[0]) }, "Interfaces[0].DNS[1]"},
		{"search", func(c *NetworkConfig) { c.Interfaces[0].Search = []string{"bad domain"} }, "Interfaces[0].Search[0]"},
		{"mtu", func(c *NetworkConfig) { c.Interfaces[0].MTU = 100 }, "Interfaces[0].MTU"},
		{"duplicate name", func(c *NetworkConfig) { c.Interfaces = append(c.Interfaces, c.Interfaces[0]) }, "Interfaces[1].Name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nc := NetworkConfig{Version: NetworkV2, Interfaces: []Interface{StaticInterface("eth0", "10.10.25.11/24", "10.10.25.1", "10.10.10.1")}}
			require.NoError(t, nc.Validate())
			c.mut(&nc)
			requireField(t, nc.Validate(), c.field)
			_, err := nc.Render()
			requireField(t, err, c.field)
		})
	}
}
