package cloudinit

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

const (
	testKey    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNpdGVraXQtdGVzdC1rZXktbm90LXJlYWw= ops@msp"
	testStream = "11111111-2222-3333-4444-555555555555"
)

var (
	mgmt    = netip.MustParsePrefix("10.10.10.0/24")
	dmz     = netip.MustParsePrefix("10.10.25.0/24")
	webIP   = netip.MustParseAddr("10.10.25.11")
	monIP   = netip.MustParseAddr("10.10.10.5")
	monPort = netip.AddrPortFrom(monIP, NetdataPort)
)

func base(host string) UserData {
	return UserData{
		Hostname: host, FQDN: host + ".pessac.lan", ManageEtcHosts: true, Timezone: "Europe/Paris",
		Users:           []User{AdminUser("sitekit", testKey)},
		SSHPasswordAuth: Bool(false), DisableRoot: true,
		NTP:            &NTP{Enabled: true, Servers: []string{"10.10.10.1"}},
		PackageUpgrade: true,
		FinalMessage:   "sitekit: " + host + " ready after $UPTIME s",
	}
}

func must(t testing.TB) func(UserData, error) UserData {
	return func(u UserData, err error) UserData {
		t.Helper()
		require.NoError(t, err)
		return u
	}
}

func lampOpts() LAMPOptions {
	return LAMPOptions{ManagementSubnet: mgmt, Allow: []Allow{{Port: NetdataPort, From: netip.PrefixFrom(monIP, 32)}}, ServerName: "www.pv-pessac.fr"}
}

func agentOpts() NetdataAgentOptions {
	return NetdataAgentOptions{Address: webIP, AllowFrom: []netip.Prefix{mgmt}, Parent: monPort,
		APIKey: sitekit.NewSecret(testStream), DBMode: "ram"}
}

func parentOpts() NetdataParentOptions {
	return NetdataParentOptions{Address: monIP, AllowFrom: []netip.Prefix{mgmt},
		Children: []netip.Prefix{dmz, netip.MustParsePrefix("10.10.20.0/24")},
		APIKey:   sitekit.NewSecret(testStream), Nodes: 3, RetentionDays: 30}
}

// userDataCases are every user-data document the package's recipes render in the tests.
func userDataCases(t testing.TB) map[string]UserData {
	lampUFW := lampOpts()
	lampUFW.Firewall = FirewallUFW
	lampUFW.PHPPackages = []string{"php-gd", "php-xml"}
	lampUFW.Database = &Database{Name: "site", User: "site_rw", Password: sitekit.NewSecret(`s3cr'et\pass-word`)}
	return map[string]UserData{
		"lamp":           must(t)(LAMP(lampOpts())),
		"lamp_ufw":       must(t)(LAMP(lampUFW)),
		"netdata_agent":  must(t)(NetdataAgent(agentOpts())),
		"netdata_parent": must(t)(NetdataParent(parentOpts())),
		"web":            must(t)(Compose(base("web"), must(t)(LAMP(lampOpts())), must(t)(NetdataAgent(agentOpts())))),
		"monitor":        must(t)(Compose(base("monitor"), must(t)(NetdataParent(parentOpts())))),
	}
}

func networkCases() map[string]NetworkConfig {
	ifs := []Interface{
		StaticInterface("eth0", "10.10.25.11/24", "10.10.25.1", "10.10.10.1", "9.9.9.9"),
		{Name: "eth1", MAC: "02:16:3e:aa:bb:01", DHCP4: true, MTU: 1500},
	}
	ifs[0].Search = []string{"pessac.lan"}
	return map[string]NetworkConfig{
		"network_v1": {Version: NetworkV1, Interfaces: ifs},
		"network_v2": {Version: NetworkV2, Interfaces: ifs},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got), "%s differs from the golden file (go test -update if intended)", path)
}

func TestGoldenUserData(t *testing.T) {
	for name, u := range userDataCases(t) {
		t.Run(name, func(t *testing.T) {
			b, err := u.Bytes()
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(b, []byte(Header+"\n")), "header line first")
			golden(t, name, b)
		})
	}
}

func TestGoldenNetworkConfig(t *testing.T) {
	for name, c := range networkCases() {
		t.Run(name, func(t *testing.T) {
			b, err := c.Bytes()
			require.NoError(t, err)
			golden(t, name, b)
		})
	}
}

// TestRoundTripUserData parses every rendered document back, generically and typed.
func TestRoundTripUserData(t *testing.T) {
	for name, u := range userDataCases(t) {
		t.Run(name, func(t *testing.T) {
			b, err := u.Bytes()
			require.NoError(t, err)
			var generic map[string]any
			require.NoError(t, yaml.Unmarshal(b, &generic))
			assert.Equal(t, true, generic["package_update"])
			assert.NotEmpty(t, generic["packages"])
			assert.NotEmpty(t, generic["write_files"])
			for _, wf := range generic["write_files"].([]any) {
				perm := wf.(map[string]any)["permissions"]
				assert.IsType(t, "", perm, "permissions must stay a string (YAML 1.1 would read 0644 as octal int)")
			}
			back, err := ParseUserData(b)
			require.NoError(t, err)
			assert.Equal(t, u, back)
			again, err := back.Bytes()
			require.NoError(t, err)
			assert.Equal(t, string(b), string(again))
		})
	}
}

func TestRoundTripNetworkConfig(t *testing.T) {
	for name, c := range networkCases() {
		t.Run(name, func(t *testing.T) {
			b, err := c.Bytes()
			require.NoError(t, err)
			var generic map[string]any
			require.NoError(t, yaml.Unmarshal(b, &generic))
			assert.Equal(t, c.Version, generic["version"])
			back, err := ParseNetworkConfig(b)
			require.NoError(t, err)
			assert.Equal(t, c, back)
		})
	}
}

func TestRecipeContents(t *testing.T) {
	cases := userDataCases(t)
	file := func(u UserData, p string) string {
		for _, w := range u.WriteFiles {
			if w.Path == p {
				return w.Content
			}
		}
		t.Fatalf("no write_files entry %s", p)
		return ""
	}
	lamp := cases["lamp"]
	assert.Subset(t, lamp.Packages, []string{"apache2", "mariadb-server", "php", "libapache2-mod-php", "php-mysql", "nftables"})
	assert.Contains(t, file(lamp, lampMariaDBConf), "bind-address = 127.0.0.1")
	nft := file(lamp, nftablesConf)
	assert.Contains(t, nft, "policy drop")
	assert.Contains(t, nft, "tcp dport { 80, 443 } accept")
	assert.Contains(t, nft, "ip saddr 10.10.10.0/24 tcp dport 22 accept")
	assert.NotContains(t, nft, "\n    tcp dport 22", "SSH must not be open to everyone")
	assert.Contains(t, nft, "ip saddr 10.10.10.5/32 tcp dport 19999 accept")

	ufw := cases["lamp_ufw"]
	assert.Contains(t, ufw.Packages, "ufw")
	assert.Contains(t, ufw.RunCmd, Cmd("ufw", "allow", "from", "10.10.10.0/24", "to", "any", "port", "22", "proto", "tcp"))
	assert.Equal(t, Cmd("ufw", "--force", "enable"), ufw.RunCmd[len(ufw.RunCmd)-1])
	assert.Contains(t, file(ufw, lampSecureSQL), `IDENTIFIED BY 's3cr\'et\\pass-word';`)

	agent := cases["netdata_agent"]
	assert.Equal(t, []string{"netdata"}, agent.Packages)
	assert.Contains(t, file(agent, netdataConf), "bind to = 127.0.0.1 10.10.25.11\n")
	assert.Contains(t, file(agent, netdataStreamConf), "destination = 10.10.10.5:19999\n    api key = "+testStream)
	assert.Contains(t, agent.RunCmd, Cmd("rm", "-f", NetdataUniqueIDPath))
	assert.Contains(t, agent.BootCmd[0].Argv, NetdataUniqueIDPath)

	parent := cases["netdata_parent"]
	stream := file(parent, netdataStreamConf)
	assert.Contains(t, stream, "["+testStream+"]\n    type = api\n    enabled = yes\n    allow from = 10.10.25.* 10.10.20.*\n")
	pconf := file(parent, netdataConf)
	assert.Contains(t, pconf, "dbengine multihost disk space MB = 9000\n") // 3 nodes × 30 days × 100 MiB
	assert.Contains(t, pconf, "allow connections from = localhost 10.10.10.* 10.10.25.* 10.10.20.*\n")
	assert.Contains(t, pconf, "allow streaming from = localhost 10.10.25.* 10.10.20.*\n")
}

func TestSecretsNotPrinted(t *testing.T) {
	ud := userDataCases(t)["web"]
	db := userDataCases(t)["lamp_ufw"]
	for _, u := range []UserData{ud, db} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			s := fmt.Sprintf(verb, u)
			assert.NotContains(t, s, testStream, verb)
			assert.NotContains(t, s, "s3cr", verb)
			assert.Contains(t, s, "cloudinit.UserData{")
		}
		for _, w := range u.WriteFiles {
			assert.NotContains(t, fmt.Sprintf("%+v %#v", w, w), testStream)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", w, w), "s3cr")
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("render", "ud", u)
		assert.NotContains(t, buf.String(), testStream)
		assert.NotContains(t, buf.String(), "s3cr")
	}
	// The explicit rendering does carry the key: that is where it is needed.
	s, err := ud.Render()
	require.NoError(t, err)
	assert.Contains(t, s, "api key = "+testStream)
	// A bad key is reported without revealing it.
	o := agentOpts()
	o.APIKey = sitekit.NewSecret("not-a-uuid-but-secret")
	_, err = NetdataAgent(o)
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	assert.Contains(t, err.Error(), "APIKey")
	assert.NotContains(t, err.Error(), "not-a-uuid-but-secret")
}

func TestComposeConflicts(t *testing.T) {
	_, err := Compose(base("web"), base("monitor"))
	requireField(t, err, "Hostname")

	a := must(t)(NetdataAgent(agentOpts()))
	p := must(t)(NetdataParent(parentOpts()))
	_, err = Compose(a, p)
	requireField(t, err, "WriteFiles.Path")

	u1 := UserData{Users: []User{AdminUser("ops", testKey)}}
	u2 := UserData{Users: []User{{Name: "ops", Shell: "/bin/sh"}}}
	_, err = Compose(u1, u2)
	requireField(t, err, "Users.Name")

	// Identical parts merge idempotently.
	l := must(t)(LAMP(lampOpts()))
	twice, err := Compose(l, l)
	require.NoError(t, err)
	assert.Equal(t, l.Packages, twice.Packages)
	assert.Equal(t, l.WriteFiles, twice.WriteFiles)
	assert.Len(t, twice.RunCmd, 2*len(l.RunCmd), "commands are concatenated")
}

func TestRecipeOptionErrors(t *testing.T) {
	o := lampOpts()
	o.ManagementSubnet = netip.Prefix{}
	_, err := LAMP(o)
	requireField(t, err, "ManagementSubnet")

	o = lampOpts()
	o.Firewall = "iptables"
	_, err = LAMP(o)
	requireField(t, err, "Firewall")

	o = lampOpts()
	o.Database = &Database{Name: "site; DROP", User: "u", Password: sitekit.NewSecret("longenoughpassword")}
	_, err = LAMP(o)
	requireField(t, err, "Database.Name")

	a := agentOpts()
	a.AllowFrom = []netip.Prefix{netip.MustParsePrefix("10.10.10.0/25")}
	_, err = NetdataAgent(a)
	requireField(t, err, "AllowFrom[0]")

	a = agentOpts()
	a.Address = netip.Addr{}
	_, err = NetdataAgent(a)
	requireField(t, err, "Address")

	p := parentOpts()
	p.Children = nil
	_, err = NetdataParent(p)
	requireField(t, err, "Children")

	// Streaming is optional for an agent: no stream.conf then.
	a = agentOpts()
	a.Parent, a.APIKey = netip.AddrPort{}, sitekit.Secret{}
	u, err := NetdataAgent(a)
	require.NoError(t, err)
	for _, w := range u.WriteFiles {
		assert.NotEqual(t, netdataStreamConf, w.Path)
	}
}

func TestNetdataPattern(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8": "10.*", "10.10.0.0/16": "10.10.*", "10.10.10.0/24": "10.10.10.*",
		"10.10.10.5/32": "10.10.10.5", "0.0.0.0/0": "*",
	} {
		got, err := NetdataPattern(netip.MustParsePrefix(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"10.10.10.0/25", "10.10.10.1/24", "fd00::/64"} {
		_, err := NetdataPattern(netip.MustParsePrefix(bad))
		assert.Error(t, err, bad)
	}
}

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	fe, ok := err.(*sitekit.FieldError)
	require.True(t, ok, "want *sitekit.FieldError, got %T: %v", err, err)
	assert.Equal(t, field, fe.Field, "error: %v", err)
	assert.True(t, strings.Contains(err.Error(), field))
}
