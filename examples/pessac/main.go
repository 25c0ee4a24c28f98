// Command pessac deploys the reference client site (the seed's "Standard Performance" offer
// for the Pessac photovoltaic SME) on its five appliances.
//
// By default it starts the five appliance simulators in-process, prints the plan, applies it
// with a live progress display, prints the site report, then re-plans to show that nothing
// is left to change. With -live it talks to real appliances configured from the
// environment (see internal/examplekit.FromEnv: SITEKIT_FORTIGATE_URL, …).
//
//	go run ./examples/pessac                 # on simulators
//	go run ./examples/pessac -live -plan-only
//	go run ./examples/pessac -live -destroy
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/internal/examplekit"
)

func main() {
	live := flag.Bool("live", false, "use the real appliances named by SITEKIT_* environment variables")
	planOnly := flag.Bool("plan-only", false, "print the plan and stop")
	destroy := flag.Bool("destroy", false, "delete every object of the site (only those carrying its marker)")
	asJSON := flag.Bool("json", false, "print the plan as JSON")
	flag.Parse()
	if err := run(*live, *planOnly, *destroy, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "pessac:", err)
		os.Exit(1)
	}
}

func run(live, planOnly, destroy, asJSON bool) error {
	ctx, cancel := examplekit.Context()
	defer cancel()
	site := examplekit.Pessac()
	bp, err := blueprint.Standard(site) // validates: nothing is sent for an invalid site
	if err != nil {
		return err
	}
	var conns blueprint.Connections
	if live {
		conns, err = examplekit.FromEnv()
	} else {
		var sims *examplekit.Sims
		if sims, err = examplekit.StartSims(examplekit.Options{}); err != nil {
			return err
		}
		defer sims.Close()
		conns, err = sims.Connections()
	}
	if err != nil {
		return err
	}
	defer examplekit.Close(conns)

	plan, err := bp.Plan(ctx, conns)
	if destroy {
		plan, err = bp.PlanDestroy(ctx, conns)
	}
	if err != nil {
		return err
	}
	if asJSON {
		b, err := plan.JSON()
		if err != nil {
			return err
		}
		fmt.Println(string(b))
	} else {
		fmt.Print(plan)
	}
	if planOnly {
		return nil
	}
	progress := engine.NewProgress(os.Stderr)
	res, err := plan.Apply(ctx, blueprint.WithEvents(progress.Event))
	progress.Close()
	if err != nil || destroy {
		fmt.Println(res)
		return err
	}
	report, err := plan.Report(ctx, res)
	if err != nil {
		return err
	}
	fmt.Println(report)

	again, err := bp.Plan(ctx, conns)
	if err != nil {
		return err
	}
	fmt.Print("Re-plan: ", again.Plan)
	if !again.Empty() {
		return fmt.Errorf("the site did not converge: %d changes left", again.Changes())
	}
	return nil
}
