// Command backup-audit is the nightly audit of the Pessac site's backups, from facts: the
// 3-2-1 rule and the recovery objectives of the site's offer, then, for every backup job of
// the site on Xen Orchestra and every off-site task on TrueNAS, its last run, its last
// success and that success's age against the job's own schedule. It prints ONE summary line
// first, then the details, with the monitoring-plugin exit codes:
//
//	0 OK        every job succeeded recently enough; 3-2-1 holds
//	1 WARNING   a job's last run failed but an earlier success is still recent enough
//	2 CRITICAL  a job never ran, its last success is too old (more than two intervals of
//	            its schedule), a job the site needs is missing, or 3-2-1 does not hold
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
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/truenas"
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

// JobFacts are what the appliances say about one backup job.
type JobFacts struct {
	// Kind is what the job does ("XO delta backup", "TrueNAS off-site", …); Name is its name.
	Kind, Name string
	// Interval is the time between two scheduled runs (0: unknown schedule).
	Interval time.Duration
	// LastRun is the start of the last run and LastStatus its outcome ("" when it never ran);
	// LastSuccess the start of the last successful run (zero when none).
	LastRun, LastSuccess time.Time
	LastStatus           string
}

// Audit checks the site's backups on conns at time now; with a zero now, each job is judged
// a minute after the last run seen on its appliance (simulators keep their own clocks).
func Audit(ctx context.Context, bp *blueprint.Blueprint, conns blueprint.Connections, now time.Time) Result {
	comp, err := bp.Audit(ctx, conns)
	if err != nil {
		return Result{Status: Unknown, Summary: "audit failed: " + oneLine(err)}
	}
	jobs, err := Collect(ctx, bp, conns)
	if err != nil {
		return Result{Status: Unknown, Summary: "reading backup runs failed: " + oneLine(err)}
	}
	clock := func(JobFacts) time.Time { return now }
	if now.IsZero() {
		// Each simulator has its own clock: judge a job at its appliance's last run.
		last := map[bool]time.Time{}
		for _, j := range jobs {
			last[j.Kind == kindOffsite] = latest(last[j.Kind == kindOffsite], j.LastRun.Add(time.Minute))
		}
		clock = func(j JobFacts) time.Time { return last[j.Kind == kindOffsite] }
	}
	return Judge(comp, bp, jobs, conns, clock)
}

// Judge turns the compliance findings and the jobs' facts into a result; now gives the
// time at which a job is judged.
func Judge(comp *blueprint.Compliance, bp *blueprint.Blueprint, jobs []JobFacts, conns blueprint.Connections, now func(JobFacts) time.Time) Result {
	res := Result{Status: OK}
	raise := func(st int) { res.Status = max(res.Status, st) }
	var problems, byDesign []string
	for _, f := range comp.Findings {
		if !backupFinding(f) {
			continue
		}
		switch {
		case f.ByDesign:
			byDesign = append(byDesign, f.Check+": "+f.Detail)
		case !f.OK:
			raise(Critical)
			problems = append(problems, f.Check+": "+f.Detail)
			res.Details = append(res.Details, "FAIL "+f.Check+": "+f.Detail)
		default:
			res.Details = append(res.Details, "ok   "+f.Check+": "+f.Detail)
		}
	}
	// The jobs the site needs: a delta backup on XO and an off-site task on TrueNAS.
	if conns.XO != nil && !slices.ContainsFunc(jobs, func(j JobFacts) bool { return j.Kind == kindDelta }) {
		raise(Critical)
		problems = append(problems, "no XO delta backup job for the site")
	}
	if conns.TrueNAS != nil && bp.Site().Offsite.Kind == blueprint.OffsiteS3 && !slices.ContainsFunc(jobs, func(j JobFacts) bool { return j.Kind == kindOffsite }) {
		raise(Critical)
		problems = append(problems, "no TrueNAS off-site task for the site")
	}
	for _, j := range jobs {
		line := fmt.Sprintf("%s %q", j.Kind, j.Name)
		switch {
		case j.LastRun.IsZero():
			raise(Critical)
			problems = append(problems, line+" never ran")
			res.Details = append(res.Details, "FAIL "+line+": never ran")
			continue
		case j.LastSuccess.IsZero():
			raise(Critical)
			problems = append(problems, line+" never succeeded")
			res.Details = append(res.Details, fmt.Sprintf("FAIL %s: never succeeded (last run %s: %s)", line, stamp(j.LastRun), j.LastStatus))
			continue
		}
		age := now(j).Sub(j.LastSuccess)
		limit := 2 * j.Interval
		switch {
		case j.Interval > 0 && age > limit:
			raise(Critical)
			problems = append(problems, fmt.Sprintf("%s: last success %s ago", line, human(age)))
			res.Details = append(res.Details, fmt.Sprintf("FAIL %s: last success %s, %s ago (more than twice its %s interval)", line, stamp(j.LastSuccess), human(age), human(j.Interval)))
		case j.LastStatus != "success":
			raise(Warning)
			problems = append(problems, fmt.Sprintf("%s: last run %s", line, j.LastStatus))
			res.Details = append(res.Details, fmt.Sprintf("WARN %s: last run %s %s; last success %s ago", line, stamp(j.LastRun), j.LastStatus, human(age)))
		default:
			res.Details = append(res.Details, fmt.Sprintf("ok   %s: last success %s ago (every %s)", line, human(age), human(j.Interval)))
		}
	}
	for _, b := range byDesign {
		res.Details = append(res.Details, "by design (the "+string(bp.Tier())+" offer): "+b)
	}
	switch {
	case len(problems) > 0:
		res.Summary = strings.Join(problems, "; ")
	default:
		res.Summary = fmt.Sprintf("%d backup job(s) succeeded on schedule; 3-2-1 holds", len(jobs))
	}
	return res
}

// backupFinding reports whether a compliance finding is about backups and recovery.
func backupFinding(f blueprint.Finding) bool {
	return strings.HasPrefix(f.Check, "3-2-1") || strings.HasPrefix(f.Check, "RPO") || strings.HasPrefix(f.Check, "RTO")
}

// The kinds of backup job.
const (
	kindDelta       = "XO delta backup"
	kindReplication = "XO continuous replication"
	kindMetadata    = "XO metadata backup"
	kindOffsite     = "TrueNAS off-site"
)

// Collect reads the facts of every backup job of the site (those whose name carries its
// marker on XO, whose description names the site on TrueNAS).
func Collect(ctx context.Context, bp *blueprint.Blueprint, conns blueprint.Connections) ([]JobFacts, error) {
	marker, name := bp.Site().Marker(), bp.Site().Name
	var out []JobFacts
	if c := conns.XO; c != nil {
		jobs, err := c.BackupJobs.List(ctx, nil)
		if err != nil {
			return nil, err
		}
		meta, err := c.MetadataBackupJobs.List(ctx, nil)
		if err != nil {
			return nil, err
		}
		type job struct{ id, kind, name string }
		var all []job
		for _, j := range jobs {
			if j.Type != "" && j.Type != "backup" {
				continue // metadata jobs are listed below
			}
			kind := kindDelta
			if len(j.SRs.SelectedIDs()) > 0 && len(j.Remotes.SelectedIDs()) == 0 {
				kind = kindReplication
			}
			all = append(all, job{j.ID, kind, j.Name})
		}
		for _, j := range meta {
			all = append(all, job{j.ID, kindMetadata, j.Name})
		}
		for _, j := range all {
			if !strings.Contains(j.name, marker) {
				continue
			}
			f := JobFacts{Kind: j.kind, Name: j.name}
			scheds, err := c.Schedules.OfJob(ctx, j.id)
			if err != nil {
				return nil, err
			}
			for _, s := range scheds {
				if d := interval(s.Cron); s.Enabled && d > 0 && (f.Interval == 0 || d < f.Interval) {
					f.Interval = d
				}
			}
			logs, err := c.BackupLogs.OfJob(ctx, j.id)
			if err != nil {
				return nil, err
			}
			for _, l := range logs {
				start := time.UnixMilli(int64(l.Start))
				if start.After(f.LastRun) {
					f.LastRun, f.LastStatus = start, l.Status
				}
				if l.Status == "success" && start.After(f.LastSuccess) {
					f.LastSuccess = start
				}
			}
			out = append(out, f)
		}
	}
	if c := conns.TrueNAS; c != nil {
		tasks, err := c.CloudSyncs.List(ctx, nil)
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			if !strings.Contains(t.Description, name) {
				continue
			}
			f := JobFacts{Kind: kindOffsite, Name: t.Description}
			s := t.Schedule
			f.Interval = interval(strings.Join([]string{s.Minute, s.Hour, s.Dom, s.Month, s.Dow}, " "))
			j := t.Job
			if j != nil && j.State == "" && j.ID != 0 {
				// Some releases give only the last job's id: read the job.
				full, err := c.Jobs.Get(ctx, j.ID)
				if err != nil {
					return nil, err
				}
				j = &full
			}
			if j != nil && j.TimeStarted != nil {
				f.LastRun, f.LastStatus = j.TimeStarted.Time, strings.ToLower(string(j.State))
				if j.State == truenas.JobSuccess {
					f.LastSuccess = j.TimeStarted.Time
				}
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// interval returns the longest gap between two runs of a standard 5-field cron expression
// over the next week (0 when it does not parse).
func interval(expr string) time.Duration {
	sched, err := cron.ParseStandard(expr)
	if err != nil {
		return 0
	}
	t := sched.Next(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)) // a Monday
	end := t.Add(7 * 24 * time.Hour)
	var gap time.Duration
	for t.Before(end) {
		n := sched.Next(t)
		gap = max(gap, n.Sub(t))
		t = n
	}
	return gap
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

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// report prints the summary line then the details, and returns the exit code.
func report(w io.Writer, site string, r Result) int {
	fmt.Fprintf(w, "BACKUP %s - %s: %s\n", statusNames[r.Status], site, r.Summary)
	for _, d := range r.Details {
		fmt.Fprintln(w, d)
	}
	return r.Status
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// human prints a duration in its largest whole units (3d4h, 15m).
func human(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
	default:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
