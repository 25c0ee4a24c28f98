// Command drift is a nightly drift check of the Pessac site, for Netdata, Icinga, Nagios or
// cron mail: it plans the site (reads only), re-checks its promises live (VLAN isolation,
// backups) and prints ONE summary line first, then the details, with the monitoring-plugin
// exit codes:
//
//	0 OK        the appliances match the blueprint
//	1 WARNING   they differ, but no promise of the site is broken
//	2 CRITICAL  a promise is broken: a flow the VLAN matrix forbids is open (the policy
//	            that opens it is named, managed or not), a managed object is missing, or
//	            the plan has deletions to make
//
// WARNING covers managed objects that differ from the blueprint and unmanaged objects
// (policies, VIPs, addresses) that touch the site's VLANs without breaking a promise.
//
//	3 UNKNOWN   the check could not run (an appliance unreachable or not configured)
//
// With -live it reads the appliances named by the environment (blueprint.ConnectionsFromEnv;
// every appliance is required unless -skip names it). Without, it deploys the site on
// simulators and makes a colleague's manual change (a guest → servers policy added by hand)
// so that there is something to report.
//
//	go run ./examples/drift -live; echo $?
package main

import (
	"context"
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
	"github.com/sitekit/sitekit/fortigate"
)

// The monitoring-plugin exit codes.
const (
	OK       = 0
	Warning  = 1
	Critical = 2
	Unknown  = 3
)

var statusNames = [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}

// site is the client site the check compares the appliances with.
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

func main() {
	var o options
	flag.BoolVar(&o.live, "live", false, "use the appliances named by the SITEKIT_* environment variables")
	flag.BoolVar(&o.asJSON, "json", false, "print the plan as JSON after the summary line")
	skip := flag.String("skip", "", "appliances to leave out, comma-separated (fortigate,xo,ems,truenas,netdata)")
	flag.Parse()
	if *skip != "" {
		o.skip = strings.Split(*skip, ",")
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	ctx, cancelRun := context.WithTimeout(ctx, 10*time.Minute)
	defer cancelRun()
	code := run(ctx, o, os.Getenv, os.Stdout)
	cancelRun()
	cancel()
	os.Exit(code)
}

// options are the command-line flags.
type options struct {
	live, asJSON bool
	skip         []string
}

// run checks the site and prints the result; it returns the exit code.
func run(ctx context.Context, o options, getenv func(string) string, w io.Writer) int {
	// Every problem of configuration is reported at once.
	var problems []string
	var conns blueprint.Connections
	if o.live {
		c, err := blueprint.ConnectionsFromEnv(getenv, o.skip...)
		if err != nil {
			problems = append(problems, "not configured: "+oneLine(err))
		}
		conns = c
		defer conns.Close()
	}
	s := site()
	// On simulators the default plan's documentation public address is accepted.
	s.Simulated = !o.live || getenv("SITEKIT_SIMULATED") == "1"
	bp, err := blueprint.Standard(s)
	if err != nil {
		problems = append(problems, "invalid site: "+oneLine(err))
	}
	if len(problems) > 0 {
		return report(w, nil, Result{Status: Unknown, Summary: strings.Join(problems, "; ")})
	}
	if !o.live {
		kit, err := blueprinttest.New(ctx, blueprinttest.WithSite(bp.Site()))
		if err == nil {
			defer kit.Close()
			err = kit.Deploy(ctx, bp)
		}
		if err == nil {
			err = handMadePolicy(ctx, kit.Connections().FortiGate)
		}
		if err != nil {
			return report(w, bp, Result{Status: Unknown, Summary: "simulators: " + oneLine(err)})
		}
		conns = kit.Connections()
	}
	res := Check(ctx, bp, conns)
	code := report(w, bp, res)
	if o.asJSON && res.Plan != nil {
		if b, err := res.Plan.JSON(); err == nil {
			fmt.Fprintln(w, string(b))
		}
	}
	return code
}

// Result is the outcome of a check.
type Result struct {
	Status  int
	Summary string
	// Details are printed after the summary line, one per line.
	Details []string
	// Plan is the drift plan (nil when the check could not plan).
	Plan *blueprint.Plan
}

// Check plans bp on conns and re-checks the site's promises live.
func Check(ctx context.Context, bp *blueprint.Blueprint, conns blueprint.Connections) Result {
	plan, err := bp.Plan(ctx, conns)
	if err != nil {
		return Result{Status: Unknown, Summary: "plan failed: " + oneLine(err)}
	}
	res := Result{Status: OK, Plan: plan}
	var broken, missing, deletes, updates []string
	for _, s := range plan.Steps {
		name := s.Key.Appliance + "/" + s.Key.Kind + "/" + s.Key.Name
		switch s.Action {
		case engine.ActionCreate:
			missing = append(missing, name)
		case engine.ActionDelete:
			deletes = append(deletes, name)
		case engine.ActionUpdate:
			updates = append(updates, name+" ("+strings.Join(s.Changes, ", ")+")")
		}
	}
	comp, err := bp.Audit(ctx, conns)
	if err != nil {
		return Result{Status: Unknown, Summary: "compliance check failed: " + oneLine(err), Plan: plan}
	}
	for _, f := range comp.Failed() {
		if isolation(f) {
			broken = append(broken, f.Check+": "+f.Detail)
		}
	}
	// Objects nobody declared that touch the site: a policy opening a forbidden flow is the
	// cause of a broken isolation, named.
	foreign, err := bp.Foreign(ctx, conns)
	if err != nil {
		return Result{Status: Unknown, Summary: "foreign objects: " + oneLine(err), Plan: plan}
	}
	var culprits, others []string
	for _, f := range foreign {
		if len(f.Opens) > 0 {
			culprits = append(culprits, fmt.Sprintf("%s %q opens %s", f.Kind, f.Name, strings.Join(f.Opens, ", ")))
		} else {
			others = append(others, f.String())
		}
	}
	for _, a := range plan.Omitted {
		res.Details = append(res.Details, "left out: "+a)
	}
	res.Details = append(res.Details, prefixed("unmanaged, breaks isolation: ", culprits)...)
	res.Details = append(res.Details, prefixed("unmanaged: ", others)...)
	res.Details = append(res.Details, prefixed("isolation broken: ", broken)...)
	res.Details = append(res.Details, prefixed("missing: ", missing)...)
	res.Details = append(res.Details, prefixed("to delete: ", deletes)...)
	res.Details = append(res.Details, prefixed("differs: ", updates)...)
	var parts []string
	parts = append(parts, culprits...)
	if len(broken) > 0 && len(culprits) == 0 {
		parts = append(parts, fmt.Sprintf("%d isolation check(s) fail", len(broken)))
	}
	if len(others) > 0 {
		parts = append(parts, fmt.Sprintf("%d unmanaged object(s) touch the site", len(others)))
	}
	if n := len(missing) + len(deletes) + len(updates); n > 0 {
		parts = append(parts, fmt.Sprintf("%d change(s) to converge (%d missing, %d to delete, %d differ)", n, len(missing), len(deletes), len(updates)))
	}
	switch {
	case len(culprits) > 0 || len(broken) > 0 || len(missing) > 0 || len(deletes) > 0:
		res.Status = Critical
	case len(updates) > 0 || len(others) > 0:
		res.Status = Warning
	}
	if len(parts) == 0 {
		parts = append(parts, "the appliances match the blueprint")
	}
	res.Summary = strings.Join(parts, "; ")
	return res
}

// isolation reports whether a compliance finding is about VLAN reachability.
func isolation(f blueprint.Finding) bool {
	return strings.Contains(f.Check, "VLAN matrix") || strings.Contains(f.Check, "reach")
}

// report prints the summary line then the details, and returns the exit code.
func report(w io.Writer, bp *blueprint.Blueprint, r Result) int {
	name := site().Name
	if bp != nil {
		name = bp.Site().Name
	}
	fmt.Fprintf(w, "DRIFT %s - %s: %s\n", statusNames[r.Status], name, r.Summary)
	for _, d := range r.Details {
		fmt.Fprintln(w, d)
	}
	return r.Status
}

func prefixed(p string, list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = p + s
	}
	return out
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// handMadePolicy adds, behind the blueprint's back, a policy letting the guests reach the
// servers: what a colleague in a hurry does.
func handMadePolicy(ctx context.Context, fgt *fortigate.Client) error {
	_, err := fgt.Policies.Create(ctx, fortigate.Policy{
		Name: "tmp-guest-printer", SrcIntf: fortigate.Refs("invites"), DstIntf: fortigate.Refs("servers"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"),
		Action: "accept", Schedule: "always",
	})
	return err
}
