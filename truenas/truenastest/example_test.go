package truenastest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/truenas/truenastest"
)

// A TrueNAS simulator pinned to a release: its method set and renames follow that release,
// connections can be dropped to test reconnects, and calls are counted.
func Example() {
	srv, err := truenastest.NewServer(truenastest.WithRelease("25.04"))
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

	pool, err := c.Pools.Find(ctx, "tank")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pool:", pool.Name)

	fmt.Println("dropped:", srv.DropConnections())
	if _, err := c.Pools.Find(ctx, "tank"); err != nil { // reconnects and signs in again
		log.Fatal(err)
	}
	v, _ := c.APIVersion(ctx)
	fmt.Println("api:", v, "of", srv.Versions())
	// Output:
	// pool: tank
	// dropped: 1
	// api: v25.04.2 of [v25.04.0 v25.04.1 v25.04.2]
}
