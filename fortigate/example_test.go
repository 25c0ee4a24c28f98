package fortigate_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
)

// Create a VLAN, an address and a policy on a (simulated) FortiGate 80F, then read the
// policy order and the firmware.
func Example() {
	sim, err := fortigatetest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	c, err := sim.Client() // token + pinned certificate; real code: fortigate.New(url, opts...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = c.Interfaces.Create(ctx, fortigate.Interface{
		Name: "vl20-compta", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 20,
		IP: fortigate.MustIPMask("10.0.20.1/24"), AllowAccess: fortigate.Options{"ping", "https"},
		Description: "managed-by sitekit:pessac",
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Addresses.Create(ctx, fortigate.Address{Name: "net-compta", Subnet: fortigate.MustIPMask("10.0.20.0/24")})
	if err != nil {
		log.Fatal(err)
	}
	p, err := c.Policies.Create(ctx, fortigate.Policy{
		Name: "compta-out", SrcIntf: fortigate.Refs("vl20-compta"), DstIntf: fortigate.Refs("wan1"),
		SrcAddr: fortigate.Refs("net-compta"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("HTTPS"),
		Action: "accept", Schedule: "always", NAT: "enable", Comments: "managed-by sitekit:pessac",
	})
	if err != nil {
		log.Fatal(err)
	}
	vlan, err := c.Interfaces.Get(ctx, "vl20-compta")
	if err != nil {
		log.Fatal(err)
	}
	st, err := c.Monitor.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("policy", p.PolicyID)
	fmt.Println(vlan.Name, vlan.VLANID, vlan.IP.FortiOS())
	fmt.Println(st.Model, st.Version)
	// Output:
	// policy 1
	// vl20-compta 20 10.0.20.1 255.255.255.0
	// FGT80F v7.6.5
}
