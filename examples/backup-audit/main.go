// Command backup-audit is the nightly audit of the Pessac site's backups, from facts: the
// 3-2-1 rule of the site's offer (Blueprint.Audit), then, for every backup job the offer
// configures on Xen Orchestra and TrueNAS, its last run, its last success and that
// success's age against the job's RPO (Blueprint.AuditBackups). It prints ONE summary line
// first, then the details, with the monitoring-plugin exit codes:
//
//	0 OK        every job succeeded recently enough; 3-2-1 holds
//	1 WARNING   a job's last run failed but an earlier success is still recent enough
//	2 CRITICAL  a job is missing, never ran or never succeeded, its last success is older
//	            than its RPO (plus blueprint.AuditGrace), or 3-2-1 does not hold
//	3 UNKNOWN   the audit could not run (an appliance unreachable or not configured)
//
// What the site's offer does not promise (an RTO of minutes when the only host is lost, on
// Basse and Standard) is reported as "by design", never as a failure.
//
// With -live it reads the appliances named by the environment (blueprint.ConnectionsFromEnv;
// every appliance is required unless -skip names it). Without, it deploys the site on
// simulators and runs every backup once; the simulators keep their own clock, so the audit
// is made at the time of their last backup.
//
//	go run ./examples/backup-audit -live; echo $?
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
)

// The monitoring-plugin exit codes.
const (
	OK       = 0
	Warning  = 1
	Critical = 2
	Unknown  = 3
)

var statusNames = [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}

// site is the client site whose backups are audited.
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
	live bool
	skip []string
}

func main() {
	var o options
	flag.BoolVar(&o.live, "live", false, "use the appliances named by the SITEKIT_* environment variables")
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

// run audits the site and prints the result; it returns the exit code.
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
		return report(w, s.Name, Result{Status: Unknown, Summary: strings.Join(problems, "; ")})
	}
	now := time.Now()
	if !o.live {
		kit, err := blueprinttest.New(ctx, blueprinttest.WithSite(bp.Site()))
		if err == nil {
			defer kit.Close()
			err = kit.Deploy(ctx, bp)
		}
		if err == nil {
			conns, now = kit.Connections(), time.Time{}
			err = runBackupsOnce(ctx, conns, bp.Site().Marker())
		}
		if err != nil {
			return report(w, s.Name, Result{Status: Unknown, Summary: "simulators: " + oneLine(err)})
		}
	}
	return report(w, s.Name, Audit(ctx, bp, conns, now))
}

// Result is the outcome of an audit.
type Result struct {
	Status  int
	Summary string
	// Details are printed after the summary line, one per line.
	Details []string
}

// Audit checks the site's backups on conns at time now. With a zero now (simulators, whose
// clocks are their own), the audit is made a minute after the earliest last success seen.
func Audit(ctx context.Context, bp *blueprint.Blueprint, conns blueprint.Connections, now time.Time) Result {
	comp, err := bp.Audit(ctx, conns)
	if err != nil {
		return Result{Status: Unknown, Summary: "audit failed: " + oneLine(err)}
	}
	at := now
	if at.IsZero() {
		at = time.Now()
	}
	ba, err := bp.AuditBackups(ctx, conns, at)
	if err != nil {
		return Result{Status: Unknown, Summary: "reading backup runs failed: " + oneLine(err)}
	}
	if now.IsZero() {
		var first time.Time
		for _, j := range ba.Jobs {
			if !j.LastSuccess.IsZero() && (first.IsZero() || j.LastSuccess.Before(first)) {
				first = j.LastSuccess
			}
		}
		if !first.IsZero() {
			if ba, err = bp.AuditBackups(ctx, conns, first.Add(time.Minute)); err != nil {
				return Result{Status: Unknown, Summary: "reading backup runs failed: " + oneLine(err)}
			}
		}
	}
	return Judge(comp, ba)
}

// Judge turns the compliance findings (3-2-1, recovery objectives) and the audit of the
// backup jobs into a result.
func Judge(comp *blueprint.Compliance, ba *blueprint.BackupAudit) Result {
	res := Result{Status: int(ba.Status())}
	var problems []string
	for _, f := range comp.Findings {
		if !backupFinding(f) || f.ByDesign {
			continue
		}
		if !f.OK {
			res.Status = Critical // a broken promise, whatever else is known
			problems = append(problems, f.Check+": "+f.Detail)
			res.Details = append(res.Details, "FAIL "+f.Check+": "+f.Detail)
			continue
		}
		res.Details = append(res.Details, "ok   "+f.Check+": "+f.Detail)
	}
	for _, j := range ba.Jobs {
		res.Details = append(res.Details, fmt.Sprintf("%-4s %s %s: %s", mark[j.Status], j.Kind, j.Job, j.Detail))
		if j.Status != blueprint.StatusOK {
			problems = append(problems, j.Job+": "+j.Detail)
		}
	}
	for _, l := range ba.Limits {
		res.Details = append(res.Details, "by design: "+l)
	}
	if len(problems) > 0 {
		res.Summary = strings.Join(problems, "; ")
	} else {
		res.Summary = fmt.Sprintf("%d backup job(s) succeeded within their RPO; 3-2-1 holds", len(ba.Jobs))
	}
	return res
}

var mark = map[blueprint.Status]string{blueprint.StatusOK: "ok", blueprint.StatusWarning: "WARN", blueprint.StatusCritical: "FAIL", blueprint.StatusUnknown: "????"}

// backupFinding reports whether a compliance finding is about backups and recovery.
func backupFinding(f blueprint.Finding) bool {
	return strings.HasPrefix(f.Check, "3-2-1") || strings.HasPrefix(f.Check, "RPO") || strings.HasPrefix(f.Check, "RTO")
}

// runBackupsOnce runs each of the site's XO backup jobs and TrueNAS off-site tasks once (on
// simulators, so that there are runs to audit).
func runBackupsOnce(ctx context.Context, conns blueprint.Connections, marker string) error {
	jobs, err := conns.XO.BackupJobs.List(ctx, nil)
	if err != nil {
		return err
	}
	meta, err := conns.XO.MetadataBackupJobs.List(ctx, nil)
	if err != nil {
		return err
	}
	run := func(id, name string, fn func(ctx context.Context, id, schedule string) error) error {
		if !strings.Contains(name, marker) {
			return nil
		}
		scheds, err := conns.XO.Schedules.OfJob(ctx, id)
		if err != nil || len(scheds) == 0 {
			return fmt.Errorf("schedules of %s: %v", name, err)
		}
		return fn(ctx, id, scheds[0].ID)
	}
	for _, j := range jobs {
		if j.Type != "" && j.Type != "backup" {
			continue
		}
		if err := run(j.ID, j.Name, func(ctx context.Context, id, sched string) error {
			_, err := conns.XO.BackupJobs.Run(ctx, id, sched)
			return err
		}); err != nil {
			return err
		}
	}
	for _, j := range meta {
		if err := run(j.ID, j.Name, func(ctx context.Context, id, sched string) error {
			_, err := conns.XO.MetadataBackupJobs.Run(ctx, id, sched)
			return err
		}); err != nil {
			return err
		}
	}
	tasks, err := conns.TrueNAS.CloudSyncs.List(ctx, nil)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if strings.Contains(t.Description, marker) {
			if _, err := conns.TrueNAS.CloudSyncs.Sync(ctx, t.ID, false, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// report prints the summary line then the details, and returns the exit code.
func report(w io.Writer, site string, r Result) int {
	fmt.Fprintf(w, "BACKUP %s - %s: %s\n", statusNames[r.Status], site, r.Summary)
	for _, d := range r.Details {
		fmt.Fprintln(w, d)
	}
	return r.Status
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
