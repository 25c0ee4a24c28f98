package xotest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// An XO simulator seeded with one pool, its XCP-ng host (DL380, 128 GB, NVMe SR), eth0/eth1
// and Debian/Windows templates; collections answer XO's filters, and calls are counted.
func Example() {
	srv, err := xotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	hosts, err := c.Hosts.List(ctx, &xo.ListOptions{Fields: []string{"name_label", "power_state"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(hosts), hosts[0].PowerState)
	debian, err := c.Templates.List(ctx, &xo.ListOptions{Filter: xo.Contains("name_label", "Debian")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(debian) > 0)
	fmt.Println("writes so far:", srv.Writes())
	// Output:
	// 1 Running
	// true
	// writes so far: 0
}
