// Command backup-audit checks the Pessac site's backups: the 3-2-1 rule and the recovery
// objectives (from the live compliance check), then the last run of each XO backup job and
// of each TrueNAS off-site task. Exit status 2 when a check fails.
//
//	go run ./examples/backup-audit -live
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/internal/examplekit"
	"github.com/sitekit/sitekit/truenas"
)

func main() {
	live := flag.Bool("live", false, "use the real appliances named by SITEKIT_* environment variables")
	flag.Parse()
	code, err := run(*live)
	if err != nil {
		fmt.Fprintln(os.Stderr, "backup-audit:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(live bool) (int, error) {
	ctx, cancel := examplekit.Context()
	defer cancel()
	site := examplekit.Pessac()
	bp, err := blueprint.Standard(site)
	if err != nil {
		return 1, err
	}
	conns, sims, closeAll, err := examplekit.Connect(ctx, live, bp)
	if err != nil {
		return 1, err
	}
	defer closeAll()
	if sims != nil {
		// On simulators, run every backup once so that there are runs to audit.
		if err := runBackupsOnce(ctx, conns, site.Marker()); err != nil {
			return 1, err
		}
	}

	comp, err := bp.Audit(ctx, conns)
	if err != nil {
		return 1, err
	}
	code := 0
	fmt.Printf("3-2-1 for %s: %d copies on %d media, off-site %v\n", site.Name, comp.Backup.Copies, len(comp.Backup.Media), comp.Backup.Offsite)
	for _, w := range comp.Backup.Where {
		fmt.Println("  -", w)
	}
	for _, f := range comp.Findings {
		if strings.HasPrefix(f.Check, "3-2-1") || strings.HasPrefix(f.Check, "RPO") || strings.HasPrefix(f.Check, "RTO") {
			mark := "ok  "
			if !f.OK {
				mark, code = "FAIL", 2
			}
			fmt.Printf("%s %s: %s\n", mark, f.Check, f.Detail)
		}
	}

	marker := site.Marker()
	if conns.XO != nil {
		jobs, err := conns.XO.BackupJobs.List(ctx, nil)
		if err != nil {
			return 1, err
		}
		fmt.Println("\nXO backup jobs:")
		for _, j := range jobs {
			if !strings.Contains(j.Name, marker) {
				continue
			}
			logs, err := conns.XO.BackupLogs.OfJob(ctx, j.ID)
			if err != nil {
				return 1, err
			}
			if len(logs) == 0 {
				fmt.Printf("  %s: never ran\n", j.Name)
				continue
			}
			last := logs[0]
			for _, l := range logs {
				if float64(l.Start) > float64(last.Start) {
					last = l
				}
			}
			when := time.UnixMilli(int64(last.Start)).UTC().Format(time.RFC3339)
			fmt.Printf("  %s: last run %s, %s\n", j.Name, when, last.Status)
			if last.Status != "success" {
				code = 2
			}
		}
	}
	if conns.TrueNAS != nil {
		tasks, err := conns.TrueNAS.CloudSyncs.List(ctx, nil)
		if err != nil {
			return 1, err
		}
		fmt.Println("\nTrueNAS off-site tasks:")
		for _, t := range tasks {
			if !strings.Contains(t.Description, site.Name) {
				continue
			}
			state := "never ran"
			switch {
			case t.Job != nil && t.Job.State != "":
				state = "last run " + string(t.Job.State)
				if t.Job.State != truenas.JobSuccess {
					code = 2
				}
			case t.Job != nil:
				state = "ran (state not reported)"
			}
			fmt.Printf("  %s → %s: %s\n", t.Description, t.Path, state)
		}
	}
	return code, nil
}

// runBackupsOnce runs each of the site's XO backup jobs and TrueNAS off-site tasks once.
func runBackupsOnce(ctx context.Context, conns blueprint.Connections, marker string) error {
	jobs, err := conns.XO.BackupJobs.List(ctx, nil)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if !strings.Contains(j.Name, marker) {
			continue
		}
		scheds, err := conns.XO.Schedules.OfJob(ctx, j.ID)
		if err != nil || len(scheds) == 0 {
			return fmt.Errorf("schedules of %s: %v", j.Name, err)
		}
		if _, err := conns.XO.BackupJobs.Run(ctx, j.ID, scheds[0].ID); err != nil {
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
