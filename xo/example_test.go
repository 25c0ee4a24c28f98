package xo_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// Example deploys a Debian cloud-init VM on a VLAN network of the simulator and waits for
// its IP.
func Example() {
	srv, err := xotest.NewServer(xotest.WithBootPolls(1, 2))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	// A real XO: xo.New("https://xo.example", sitekit.WithToken(tok), sitekit.WithCertSHA256(fp))
	c, err := srv.Client(xo.WithPollInterval(10 * time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	pool, _ := c.Pools.Get(ctx, srv.PoolID)
	host, _ := c.Hosts.Find(ctx, pool.ID, "xcp-dl380")
	eth1, _ := c.PIFs.Physical(ctx, host.ID, "eth1")
	net, created, err := c.Networks.Ensure(ctx, xo.NetworkCreateRequest{
		Pool: pool.ID, Name: "servers", PIF: eth1.ID, VLAN: 20, Tags: []string{sitekit.Marker("pessac")},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("network:", net.NameLabel, "created:", created)

	tpl, err := c.Templates.Find(ctx, pool.ID, "Debian 12 Cloud-init (Hub)")
	if err != nil {
		panic(err)
	}
	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{
		Pool: pool.ID, Template: tpl.ID, NameLabel: "web", CPUs: 2, Memory: 4 << 30,
		VIFs:          []xo.VIFSpec{{Device: "0", Network: net.ID}},
		VDIs:          []xo.VDISpec{{UserDevice: "0", Size: 40 << 30}},
		CloudConfig:   "#cloud-config\nhostname: web\n",
		NetworkConfig: "version: 2\nethernets:\n  eth0:\n    addresses: [10.10.20.11/24]\n",
		Boot:          true,
		Tags:          []string{sitekit.Marker("pessac")},
	})
	if err != nil {
		panic(err)
	}
	ip, err := c.VMs.WaitForIP(ctx, vm.ID, netip.MustParsePrefix("10.10.20.0/24"))
	if err != nil {
		panic(err)
	}
	fmt.Println("vm:", vm.NameLabel, vm.PowerState, ip, vm.Tags)
	// Output:
	// network: servers created: true
	// vm: web Running 10.10.20.11 [managed-by sitekit:pessac]
}
