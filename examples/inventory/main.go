// Command inventory lists, appliance by appliance, every object the Pessac site owns: what
// exists and carries the site's marker, what is missing, what differs from the blueprint.
// It only reads.
//
//	go run ./examples/inventory          # on simulators (the site deployed first)
//	go run ./examples/inventory -live    # on the appliances named by SITEKIT_* variables
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/blueprint/engine"
)

func main() {
	live := flag.Bool("live", false, "use the appliances named by the SITEKIT_* environment variables")
	skip := flag.String("skip", "", "appliances to leave out, comma-separated (fortigate,xo,ems,truenas,netdata)")
	flag.Parse()
	if err := run(*live, *skip); err != nil {
		fmt.Fprintln(os.Stderr, "inventory:", err)
		os.Exit(1)
	}
}

func run(live bool, skip string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s := site()
	// On simulators the default plan's documentation public address is accepted.
	s.Simulated = !live || os.Getenv("SITEKIT_SIMULATED") == "1"
	bp, err := blueprint.Standard(s)
	if err != nil {
		return err
	}
	conns, _, closeAll, err := connect(ctx, live, skip, bp)
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

// site is the client site whose objects are listed.
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

// connect returns the connections: from the environment with live (every appliance
// required unless skipped), else to simulators on which the site has been deployed.
func connect(ctx context.Context, live bool, skip string, bp *blueprint.Blueprint) (blueprint.Connections, *blueprinttest.Site, func(), error) {
	if live {
		var omit []string
		if skip != "" {
			omit = strings.Split(skip, ",")
		}
		conns, err := blueprint.ConnectionsFromEnv(os.Getenv, omit...)
		return conns, nil, func() { _ = conns.Close() }, err
	}
	kit, err := blueprinttest.New(ctx, blueprinttest.WithSite(bp.Site()))
	if err != nil {
		return blueprint.Connections{}, nil, nil, err
	}
	if err := kit.Deploy(ctx, bp); err != nil {
		kit.Close()
		return blueprint.Connections{}, nil, nil, err
	}
	return kit.Connections(), kit, kit.Close, nil
}
