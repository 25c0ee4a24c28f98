package netdatatest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/netdata/netdatatest"
)

// A Netdata parent simulator: children stream to it, alarms and stalled collection are
// driven from the test, and the health gate sees them.
func Example() {
	srv, err := netdatatest.NewServer(netdatatest.WithHostname("monitor"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.AddChild("web")
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	opts := netdata.HealthOptions{ExpectChildren: []string{"web"}}

	r, _ := c.Health(ctx, opts)
	fmt.Println(r.Healthy)

	srv.SetChildStreaming("web", false)
	r, _ = c.Health(ctx, opts)
	fmt.Println(r.Healthy, len(r.Problems))
	// Output:
	// true
	// false 1
}
