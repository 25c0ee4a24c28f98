package cloudinit_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo/cloudinit"
)

// Example builds the `web` VM of a Standard site: a base, the LAMP recipe and a Netdata agent
// streaming to the monitoring VM, composed and rendered for XO's create_vm.
func Example() {
	mgmt := netip.MustParsePrefix("10.10.10.0/24")
	parent := netip.MustParseAddrPort("10.10.10.5:19999")

	base := cloudinit.UserData{
		Hostname: "web", FQDN: "web.pessac.lan", Timezone: "Europe/Paris",
		Users: []cloudinit.User{cloudinit.AdminUser("sitekit",
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNpdGVraXQtdGVzdC1rZXktbm90LXJlYWw= ops@msp")},
	}
	lamp, err := cloudinit.LAMP(cloudinit.LAMPOptions{
		ManagementSubnet: mgmt,
		Allow:            []cloudinit.Allow{{Port: cloudinit.NetdataPort, From: netip.PrefixFrom(parent.Addr(), 32)}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	agent, err := cloudinit.NetdataAgent(cloudinit.NetdataAgentOptions{
		Address:   netip.MustParseAddr("10.10.25.11"),
		AllowFrom: []netip.Prefix{mgmt},
		Parent:    parent,
		APIKey:    sitekit.NewSecret("11111111-2222-3333-4444-555555555555"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	web, err := cloudinit.Compose(base, lamp, agent)
	if err != nil {
		fmt.Println(err)
		return
	}
	userData, err := web.Render() // create_vm's cloud_config
	if err != nil {
		fmt.Println(err)
		return
	}
	network, err := cloudinit.NetworkConfig{Version: cloudinit.NetworkV1, Interfaces: []cloudinit.Interface{
		cloudinit.StaticInterface("eth0", "10.10.25.11/24", "10.10.25.1", "10.10.10.1"),
	}}.Render() // create_vm's network_config
	if err != nil {
		fmt.Println(err)
		return
	}

	fmt.Println(web) // a summary: the document holds the stream API key
	lines := strings.Split(userData, "\n")
	fmt.Println(strings.Join(lines[:4], "\n"))
	fmt.Println("packages:", strings.Join(web.Packages, " "))
	for _, l := range lines {
		if strings.HasPrefix(l, "  - path: ") {
			fmt.Println(l)
		}
	}
	fmt.Print(network)
	// Output:
	// cloudinit.UserData{hostname="web" users=1 packages=8 write_files=6 bootcmd=1 runcmd=12}
	// #cloud-config
	// hostname: web
	// fqdn: web.pessac.lan
	// timezone: Europe/Paris
	// packages: apache2 ssl-cert mariadb-server php libapache2-mod-php php-mysql nftables netdata
	//   - path: /etc/apache2/conf-available/sitekit-hardening.conf
	//   - path: /etc/mysql/mariadb.conf.d/60-sitekit.cnf
	//   - path: /root/sitekit-mariadb-secure.sql
	//   - path: /etc/nftables.conf
	//   - path: /etc/netdata/netdata.conf
	//   - path: /etc/netdata/stream.conf
	// version: 1
	// config:
	//   - type: physical
	//     name: eth0
	//     subnets:
	//       - type: static
	//         address: 10.10.25.11/24
	//         gateway: 10.10.25.1
	//         dns_nameservers:
	//           - 10.10.10.1
}
