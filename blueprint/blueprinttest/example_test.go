package blueprinttest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// The five simulators of the Pessac site, linked: the Standard site is planned, applied and
// re-planned with nothing left to do; the Netdata parent sees the web VM stream once XO
// booted it.
func Example() {
	ctx := context.Background()
	kit, err := blueprinttest.New(ctx) // in a test: blueprinttest.Start(t)
	if err != nil {
		log.Fatal(err)
	}
	defer kit.Close()

	bp, err := blueprint.Standard(blueprinttest.Pessac())
	if err != nil {
		log.Fatal(err)
	}
	plan, err := bp.Plan(ctx, kit.Connections())
	if err != nil {
		log.Fatal(err)
	}
	res, err := plan.Apply(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("failed steps:", res.Summary.Failed)
	fmt.Println("netdata hosts:", kit.Netdata.Hosts())
	again, err := bp.Plan(ctx, kit.Connections())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("converged:", again.Empty())
	// Output:
	// failed steps: 0
	// netdata hosts: [monitor web]
	// converged: true
}
