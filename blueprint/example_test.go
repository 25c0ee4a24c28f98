package blueprint_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// The Standard site on the five simulators: plan, apply, re-plan with nothing left to do.
func Example() {
	sims, err := blueprinttest.New(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer sims.Close()
	conns := sims.Connections()
	ctx := context.Background()

	bp, err := blueprint.Standard(blueprinttest.Pessac())
	if err != nil {
		log.Fatal(err)
	}
	plan, err := bp.Plan(ctx, conns)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("changes planned:", plan.Changes() > 50)
	res, err := plan.Apply(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("failed steps:", res.Summary.Failed)
	again, err := bp.Plan(ctx, conns)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("converged:", again.Empty())
	// Output:
	// changes planned: true
	// failed steps: 0
	// converged: true
}

// An invalid site is refused with every problem named, before anything is sent.
func ExampleSite_Validate() {
	site := blueprinttest.Pessac()
	site.Network.VLANs[3].ID = 5000
	site.Backup = blueprint.DefaultBackup()
	site.Backup.Retention = 0
	_, err := blueprint.Standard(site)
	fmt.Println(errors.Is(err, sitekit.ErrInvalid))
	var ve *blueprint.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Fields())
	}
	// Output:
	// true
	// [Network.VLANs[3].ID Backup.Retention]
}
