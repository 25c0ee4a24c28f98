// Command drift is a nightly drift check: it plans the Pessac site (reads only) and exits
// with status 2 when the appliances differ from the blueprint, printing the differences;
// 0 when they match, 1 on error.
//
// On simulators it deploys the site, then simulates a colleague's manual change (a
// firewall policy moved to the top and an address object deleted) so the check has
// something to report.
//
//	go run ./examples/drift -live; echo $?
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/internal/examplekit"
)

func main() {
	live := flag.Bool("live", false, "use the real appliances named by SITEKIT_* environment variables")
	asJSON := flag.Bool("json", false, "print the plan as JSON")
	flag.Parse()
	code, err := run(*live, *asJSON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drift:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(live, asJSON bool) (int, error) {
	ctx, cancel := examplekit.Context()
	defer cancel()
	bp, err := blueprint.Standard(examplekit.Pessac())
	if err != nil {
		return 1, err
	}
	conns, sims, closeAll, err := examplekit.Connect(ctx, live, bp)
	if err != nil {
		return 1, err
	}
	defer closeAll()
	if sims != nil {
		if err := manualChange(ctx, conns.FortiGate); err != nil {
			return 1, err
		}
	}
	plan, err := bp.Plan(ctx, conns)
	if err != nil {
		return 1, err
	}
	if asJSON {
		b, err := plan.JSON()
		if err != nil {
			return 1, err
		}
		fmt.Println(string(b))
	} else {
		fmt.Print(plan)
	}
	if plan.Empty() {
		return 0, nil
	}
	fmt.Fprintf(os.Stderr, "drift: %d changes needed on %s\n", plan.Changes(), bp.Site().Name)
	return 2, nil
}

// manualChange edits the FortiGate behind the blueprint's back.
func manualChange(ctx context.Context, fgt *fortigate.Client) error {
	order, err := fgt.Policies.Order(ctx)
	if err != nil || len(order) < 2 {
		return fmt.Errorf("read policy order: %v", err)
	}
	if err := fgt.Policies.Move(ctx, order[len(order)-1], fortigate.Position("before"), order[0]); err != nil {
		return err
	}
	return fgt.Addresses.Delete(ctx, "pv-pessac-vm-ems")
}
