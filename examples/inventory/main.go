// Command inventory lists, appliance by appliance, every object the Pessac site owns: what
// exists and carries the site's marker, what is missing, what differs from the blueprint.
// It only reads.
//
//	go run ./examples/inventory          # on simulators (the site deployed first)
//	go run ./examples/inventory -live    # on the appliances named by SITEKIT_* variables
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/internal/examplekit"
)

func main() {
	live := flag.Bool("live", false, "use the real appliances named by SITEKIT_* environment variables")
	flag.Parse()
	if err := run(*live); err != nil {
		fmt.Fprintln(os.Stderr, "inventory:", err)
		os.Exit(1)
	}
}

func run(live bool) error {
	ctx, cancel := examplekit.Context()
	defer cancel()
	bp, err := blueprint.Standard(examplekit.Pessac())
	if err != nil {
		return err
	}
	conns, _, closeAll, err := examplekit.Connect(ctx, live, bp)
	if err != nil {
		return err
	}
	defer closeAll()
	plan, err := bp.Plan(ctx, conns)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "APPLIANCE\tKIND\tNAME\tSTATE")
	for _, s := range plan.Steps {
		ob := s.Observed()
		state := "present, managed"
		switch {
		case s.Action == engine.ActionCreate:
			state = "MISSING"
		case s.Action == engine.ActionDelete:
			state = "managed but no longer in the blueprint"
		case !ob.Managed && (s.Key.Appliance == "netdata" || s.Key.Kind == "host"):
			state = "observed (not owned)"
		case !ob.Managed:
			state = "present, NOT marked"
		}
		if s.Action == engine.ActionUpdate {
			state += ", differs: " + strings.Join(s.Changes, ", ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.Key.Appliance, s.Key.Kind, s.Key.Name, state)
	}
	for _, a := range plan.Omitted {
		fmt.Fprintf(w, "%s\t-\t-\tnot connected\n", a)
	}
	return w.Flush()
}
