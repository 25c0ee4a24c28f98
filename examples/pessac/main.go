// Command pessac deploys the reference client site, Standard offer, for a photovoltaic SME in
// Pessac, on its five appliances.
//
// By default it starts the five appliance simulators in-process (blueprint/blueprinttest),
// prints the plan, applies it with a live progress display, prints the site report, then
// re-plans to show that nothing is left to change. With -live it talks to the appliances
// named by the environment (blueprint.ConnectionsFromEnv: SITEKIT_FORTIGATE_URL, …; every
// appliance is required unless -skip names it) and reads the site's secrets from
// SITEKIT_OFFSITE_ACCESS_KEY, SITEKIT_OFFSITE_SECRET_KEY and SITEKIT_NETDATA_STREAM_KEY.
//
//	go run ./examples/pessac                 # on simulators
//	go run ./examples/pessac -live -plan-only
//	go run ./examples/pessac -live -destroy  # asks for the site name first (-yes: does not)
//
// Copy this file into your own module and edit site(): it imports public packages only.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// site is the client site: 50 people doubling, the default address plan, an S3 off-site
// copy and 15 teleworkers through ZTNA.
func site() blueprint.Site {
	return blueprint.Site{
		Name: "pv-pessac", Users: 50, Growth: 2,
		Network:     blueprint.DefaultNetwork("10.10.0.0/16"),
		Offsite:     blueprint.Offsite{Kind: blueprint.OffsiteS3, Endpoint: "https://s3.fr-par.scw.cloud", Bucket: "pv-pessac-backup", Region: "fr-par"},
		Teleworkers: blueprint.Teleworkers{Enabled: true, Count: 15},
		Credentials: blueprint.Credentials{
			OffsiteAccessKey: "env:SITEKIT_OFFSITE_ACCESS_KEY", OffsiteSecretKey: "env:SITEKIT_OFFSITE_SECRET_KEY",
			NetdataStreamKey: "env:SITEKIT_NETDATA_STREAM_KEY",
		},
	}
}

// options are the command-line flags.
type options struct {
	live, planOnly, destroy, yes, asJSON bool
	skip                                 []string
}

// env is what the command reads and writes besides the appliances.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

func main() {
	var o options
	flag.BoolVar(&o.live, "live", false, "use the appliances named by the SITEKIT_* environment variables")
	flag.BoolVar(&o.planOnly, "plan-only", false, "print the plan and stop")
	flag.BoolVar(&o.destroy, "destroy", false, "delete every object of the site (only those carrying its marker)")
	flag.BoolVar(&o.yes, "yes", false, "with -destroy: do not ask for the site name")
	flag.BoolVar(&o.asJSON, "json", false, "print the plan as JSON")
	skip := flag.String("skip", "", "appliances to leave out, comma-separated (fortigate,xo,ems,truenas,netdata)")
	flag.Parse()
	if *skip != "" {
		o.skip = strings.Split(*skip, ",")
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	ctx, cancelRun := context.WithTimeout(ctx, 30*time.Minute)
	defer cancelRun()
	if err := run(ctx, o, env{os.Getenv, os.Stdin, os.Stdout, os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "pessac:", err)
		os.Exit(1)
	}
}

// connect returns the connections of the run: from the environment with -live, else to
// simulators started for the run. Appliances named by -skip are left out, explicitly.
func connect(ctx context.Context, o options, e env, s blueprint.Site) (blueprint.Connections, func(), error) {
	if o.live {
		conns, err := blueprint.ConnectionsFromEnv(e.getenv, o.skip...)
		return conns, func() { _ = conns.Close() }, err
	}
	kit, err := blueprinttest.New(ctx, blueprinttest.WithSite(s))
	if err != nil {
		return blueprint.Connections{}, nil, err
	}
	conns := kit.Connections()
	for _, app := range o.skip {
		switch app {
		case "fortigate":
			conns.FortiGate = nil
		case "xo":
			conns.XO = nil
		case "ems":
			conns.EMS = nil
		case "truenas":
			conns.TrueNAS = nil
		case "netdata":
			conns.Netdata = nil
		default:
			kit.Close()
			return blueprint.Connections{}, nil, fmt.Errorf("-skip %q: not an appliance (fortigate, xo, ems, truenas, netdata)", app)
		}
	}
	return conns, kit.Close, nil
}

func run(ctx context.Context, o options, e env) error {
	s := site()
	// On simulators the default plan's documentation public address is accepted.
	s.Simulated = !o.live || e.getenv("SITEKIT_SIMULATED") == "1"
	bp, siteErr := blueprint.Standard(s) // validates: nothing is sent for an invalid site
	if o.live || siteErr != nil {
		// Every problem of configuration is reported at once.
		conns, closeAll, err := connect(ctx, o, e, s)
		if err := errors.Join(err, siteErr); err != nil {
			if closeAll != nil {
				closeAll()
			}
			return err
		}
		defer closeAll()
		return apply(ctx, o, e, bp, conns)
	}
	conns, closeAll, err := connect(ctx, o, e, bp.Site())
	if err != nil {
		return err
	}
	defer closeAll()
	return apply(ctx, o, e, bp, conns)
}

// apply plans (or plans the destruction), prints, applies, reports and re-plans.
func apply(ctx context.Context, o options, e env, bp *blueprint.Blueprint, conns blueprint.Connections) error {
	var err error

	var plan *blueprint.Plan
	if o.destroy {
		plan, err = bp.PlanDestroy(ctx, conns)
	} else {
		plan, err = bp.Plan(ctx, conns)
	}
	if err != nil {
		return err
	}
	if o.asJSON {
		b, err := plan.JSON()
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(b))
	} else {
		fmt.Fprint(e.stdout, plan)
	}
	if o.planOnly {
		return nil
	}
	if o.destroy && !o.yes {
		if err := confirm(e, bp.Site().Name, plan.Changes()); err != nil {
			return err
		}
	}
	progress := engine.NewProgress(e.stderr)
	res, err := plan.Apply(ctx, blueprint.WithEvents(progress.Event))
	progress.Close()
	if err != nil || o.destroy {
		fmt.Fprintln(e.stdout, res)
		return err
	}
	report, err := plan.Report(ctx, res)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, report)

	again, err := bp.Plan(ctx, conns)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, "Re-plan: ", again.Plan)
	if !again.Empty() {
		return fmt.Errorf("the site did not converge: %d changes left", again.Changes())
	}
	return nil
}

// errNotConfirmed is returned when the operator does not type the site's name.
var errNotConfirmed = errors.New("destroy not confirmed: nothing was deleted")

// confirm asks the operator to type the site's name before n deletions.
func confirm(e env, name string, n int) error {
	fmt.Fprintf(e.stderr, "This deletes %d objects of site %s. Type the site name to confirm: ", n, name)
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if got := strings.TrimSpace(line); got != name {
		return fmt.Errorf("%w (typed %q, the site is %q)", errNotConfirmed, got, name)
	}
	return nil
}
