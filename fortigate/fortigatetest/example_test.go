package fortigatetest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
)

// A FortiOS simulator for testing your own tools: seeded as a factory 80F, with fault
// injection, call counters and inspection helpers.
func Example() {
	sim, err := fortigatetest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()
	c, err := sim.Client() // pinned to the simulator's own certificate
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A read that meets a 503 is retried; the counters see both attempts.
	sim.Faults().FailNext(503, 0)
	if _, err := c.Interfaces.Get(ctx, "wan1"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("GET wan1 calls:", sim.Faults().Calls("GET /api/v2/cmdb/system/interface/wan1"))

	// Validation follows Fortinet's field catalogue: a 16-character interface name is refused
	// by the client before sending; the simulator refuses an unknown parent (-651).
	_, err = c.Interfaces.Create(ctx, fortigate.Interface{Name: "vlan-compta-2026", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 30})
	fmt.Println(errors.Is(err, sitekit.ErrInvalid))
	_, err = c.Interfaces.Create(ctx, fortigate.Interface{Name: "compta", VDOM: "root", Type: "vlan", Interface: "port99", VLANID: 30})
	var ae *fortigate.APIError
	fmt.Println(errors.As(err, &ae), ae.Code)

	// Inspect the state directly.
	o, _ := sim.Object("system/interface", "dmz")
	fmt.Println("dmz:", o["ip"])
	// Output:
	// GET wan1 calls: 2
	// true
	// true -651
	// dmz: 10.10.10.1 255.255.255.0
}
