package sitekit_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// The README's tour: a site declared as Go code, planned, applied and reported, here on the
// five simulators of the test kit. Real appliances: conns, err :=
// blueprint.ConnectionsFromEnv(os.Getenv).
func Example_tour() {
	ctx := context.Background()
	kit, err := blueprinttest.New(ctx) // the five simulators, linked as a site
	if err != nil {
		log.Fatal(err)
	}
	defer kit.Close()

	// README tour begins.
	site := blueprint.Site{
		Name: "pv-pessac", Users: 50, Growth: 2, // 50 people, doubling
		Network:   blueprint.DefaultNetwork("10.10.0.0/16"), // mgmt, servers, dmz-web, compta, technique, invites
		Offsite:   blueprint.Offsite{Kind: blueprint.OffsiteS3, Endpoint: "https://s3.fr-par.scw.cloud", Bucket: "pv-pessac-backup"},
		Simulated: true, // on simulators; a real site sets Network.PublicIP to its WAN address instead
		Credentials: blueprint.Credentials{
			OffsiteAccessKey: "env:SITEKIT_OFFSITE_ACCESS_KEY", // secrets are references, resolved when planning
			OffsiteSecretKey: "env:SITEKIT_OFFSITE_SECRET_KEY",
			NetdataStreamKey: "env:SITEKIT_NETDATA_STREAM_KEY",
		},
	}
	bp, err := blueprint.Standard(site) // validates first: every bad field named, nothing sent
	if err != nil {
		log.Fatal(err)
	}
	conns := kit.Connections()       // or blueprint.ConnectionsFromEnv(os.Getenv) for real appliances
	plan, err := bp.Plan(ctx, conns) // reads only, one list call per collection
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan.Changes() > 0) // fmt.Print(plan): + create / ~ update / - delete; plan.JSON()
	res, err := plan.Apply(ctx, blueprint.WithEvents(engine.NewProgress(os.Stderr).Event))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Summary.Failed)      // 0 steps failed
	report, err := plan.Report(ctx, res) // Markdown for the client: plan, diagrams, policies, VMs, backups
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.SplitN(report, "\n", 2)[0])
	again, err := bp.Plan(ctx, conns) // re-planning a converged site: the drift check
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(again.Empty())
	// README tour ends.

	// Output:
	// true
	// 0
	// # Site pv-pessac — standard offer
	// true
}
