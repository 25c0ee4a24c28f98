package blueprint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/xo"
)

// AuditGrace is how much older than its schedule's interval a job's last success may be
// before the audit fails it: a run takes time to finish.
const AuditGrace = time.Hour

// JobAudit is the audit of one backup job of the site, from the appliance's own records.
type JobAudit struct {
	// Job is the job's name without the marker ("pv-pessac-delta").
	Job string `json:"job"`
	// Kind says what the job copies ("XO delta backup of the VMs", …).
	Kind string `json:"kind"`
	// Schedule is the cron schedule the blueprint gives the job.
	Schedule string `json:"schedule"`
	// RPO is the data loss the job promises (its schedule's interval); zero when the job
	// does not exist, which promises nothing.
	RPO time.Duration `json:"rpo_ns"`
	// LastSuccess is the end of the last successful run (zero: none known).
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Age is the time since LastSuccess at the audit.
	Age time.Duration `json:"age_ns,omitempty"`
	// LastStatus is the status of the last run ("" when it never ran).
	LastStatus string `json:"last_status,omitempty"`
	Status     Status `json:"status"`
	Detail     string `json:"detail"`
}

// BackupAudit is the audit of a site's backups from facts: for each job the blueprint
// configures, its last successful run and that run's age against the job's RPO.
type BackupAudit struct {
	Site string     `json:"site"`
	Tier Tier       `json:"tier"`
	At   time.Time  `json:"at"`
	Jobs []JobAudit `json:"jobs"`
	// Limits are what the tier does not offer (not failures), in one line each.
	Limits []string `json:"limits,omitempty"`
}

// Status is the worst status of the jobs.
func (a *BackupAudit) Status() Status {
	s := StatusOK
	for _, j := range a.Jobs {
		s = Worst(s, j.Status)
	}
	return s
}

// Summary is one line for an unattended run's first output line.
func (a *BackupAudit) Summary() string {
	counts := map[Status]int{}
	for _, j := range a.Jobs {
		counts[j.Status]++
	}
	s := fmt.Sprintf("%s: backups of %s (%s): %d jobs, %d ok, %d warning, %d critical, %d unknown", a.Status(), a.Site, a.Tier,
		len(a.Jobs), counts[StatusOK], counts[StatusWarning], counts[StatusCritical], counts[StatusUnknown])
	for _, j := range a.Jobs {
		if j.Status != StatusOK {
			return s + "; " + j.Job + ": " + j.Detail
		}
	}
	return s
}

// AuditBackups audits the site's backup jobs at now from what the appliances record: the
// XO backup jobs (delta, and with the tier continuous replication and metadata) and the
// TrueNAS off-site task. A job that does not exist or never succeeded is critical; a last
// success older than the job's interval plus [AuditGrace] is critical; a failed last run
// after a recent enough success is a warning; an appliance not connected leaves its jobs
// unknown. It writes nothing.
func (bp *Blueprint) AuditBackups(ctx context.Context, conns Connections, now time.Time) (*BackupAudit, error) {
	s := bp.site
	a := &BackupAudit{Site: s.Name, Tier: bp.tier, At: now}
	marker := s.Marker()
	type want struct{ base, kind, cron string }
	wants := []want{{s.Name + "-delta", "XO delta backup of the VMs to TrueNAS", s.Backup.Delta}}
	if bp.feat.Replication && s.Backup.Replication != "" && slices.ContainsFunc(s.VMs, func(v VM) bool { return v.Replicated }) {
		wants = append(wants, want{s.Name + "-replication", "XO continuous replication", s.Backup.Replication})
	} else {
		a.Limits = append(a.Limits, fmt.Sprintf("no continuous replication in the %s offer: a lost VM is restored from the nightly backup", bp.tier))
	}
	if bp.feat.Metadata && s.Backup.Metadata {
		wants = append(wants, want{s.Name + "-metadata", "XO pool and XO metadata backup", xoMetadataCron})
	} else if !bp.feat.Metadata {
		a.Limits = append(a.Limits, fmt.Sprintf("no metadata backup in the %s offer", bp.tier))
	}
	if !bp.feat.SecondHost {
		a.Limits = append(a.Limits, fmt.Sprintf("one XCP-ng host in the %s offer: RTO ≈ 0 on host loss needs Premium", bp.tier))
	}
	judge := func(j *JobAudit, lastOK time.Time, lastStatus string) {
		j.LastStatus = lastStatus
		j.RPO = cronInterval(j.Schedule)
		switch {
		case lastOK.IsZero() && lastStatus == "":
			j.Status, j.Detail = StatusCritical, "never ran"
		case lastOK.IsZero():
			j.Status, j.Detail = StatusCritical, "never succeeded; last run "+lastStatus
		default:
			j.LastSuccess, j.Age = lastOK, now.Sub(lastOK)
			switch {
			case j.Age > j.RPO+AuditGrace:
				j.Status, j.Detail = StatusCritical, fmt.Sprintf("last success %s ago, older than its RPO %s", human(j.Age), human(j.RPO))
			case !strings.EqualFold(lastStatus, "success"):
				j.Status, j.Detail = StatusWarning, fmt.Sprintf("last run %s; last success %s ago (RPO %s)", lastStatus, human(j.Age), human(j.RPO))
			default:
				j.Status, j.Detail = StatusOK, fmt.Sprintf("last success %s ago (RPO %s)", human(j.Age), human(j.RPO))
			}
		}
	}
	missing := func(j *JobAudit, where string) {
		j.Status, j.Detail = StatusCritical, "does not exist on "+where+": no backup, no RPO"
	}

	if conns.XO == nil {
		for _, w := range wants {
			a.Jobs = append(a.Jobs, JobAudit{Job: w.base, Kind: w.kind, Schedule: w.cron, Status: StatusUnknown, Detail: "xo not connected: not audited"})
		}
	} else {
		jobs, err := conns.XO.BackupJobs.List(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("audit backups of %s: xo backup jobs: %w", s.Name, err)
		}
		for _, w := range wants {
			j := JobAudit{Job: w.base, Kind: w.kind, Schedule: w.cron}
			i := slices.IndexFunc(jobs, func(x xo.BackupJob) bool { return x.Name == w.base+" ["+marker+"]" })
			if i < 0 {
				missing(&j, "Xen Orchestra")
				a.Jobs = append(a.Jobs, j)
				continue
			}
			logs, err := conns.XO.BackupLogs.OfJob(ctx, jobs[i].ID)
			if err != nil {
				return nil, fmt.Errorf("audit backups of %s: logs of %s: %w", s.Name, w.base, err)
			}
			var lastOK, last time.Time
			lastStatus := ""
			for _, l := range logs {
				at := time.UnixMilli(l.End.Int())
				if l.End.Int() == 0 {
					at = time.UnixMilli(l.Start.Int())
				}
				if at.After(last) || lastStatus == "" {
					last, lastStatus = at, l.Status
				}
				if l.Status == "success" && at.After(lastOK) {
					lastOK = at
				}
			}
			judge(&j, lastOK, lastStatus)
			a.Jobs = append(a.Jobs, j)
		}
	}

	off := JobAudit{Kind: "TrueNAS off-site copy (" + string(s.Offsite.Kind) + ")", Schedule: s.Offsite.Schedule}
	switch s.Offsite.Kind {
	case OffsiteS3:
		off.Job = s.Name + "-offsite"
	case OffsiteReplication:
		off.Job = s.Name + "-offsite-replication"
	}
	switch {
	case conns.TrueNAS == nil:
		off.Status, off.Detail = StatusUnknown, "truenas not connected: not audited"
	default:
		var job *truenas.Job
		found := false
		switch s.Offsite.Kind {
		case OffsiteS3:
			tasks, err := conns.TrueNAS.CloudSyncs.List(ctx, nil)
			if err != nil {
				return nil, fmt.Errorf("audit backups of %s: truenas cloud sync tasks: %w", s.Name, err)
			}
			desc := s.Name + " off-site copy [" + marker + "]"
			if i := slices.IndexFunc(tasks, func(t truenas.CloudSync) bool { return t.Description == desc }); i >= 0 {
				found, job = true, tasks[i].Job
			}
		case OffsiteReplication:
			tasks, err := conns.TrueNAS.Replications.List(ctx, nil)
			if err != nil {
				return nil, fmt.Errorf("audit backups of %s: truenas replication tasks: %w", s.Name, err)
			}
			name := s.Name + " off-site replication [" + marker + "]"
			if i := slices.IndexFunc(tasks, func(t truenas.Replication) bool { return t.Name == name }); i >= 0 {
				found, job = true, tasks[i].Job
			}
		}
		if job != nil && job.State == "" && job.ID != 0 {
			// The task names its last job without expanding it: read the job.
			j, err := conns.TrueNAS.Jobs.Get(ctx, job.ID)
			if err != nil {
				return nil, fmt.Errorf("audit backups of %s: truenas job %d: %w", s.Name, job.ID, err)
			}
			job = &j
		}
		switch {
		case !found:
			missing(&off, "TrueNAS")
		case job == nil || job.State == "":
			judge(&off, time.Time{}, "")
		default:
			var at, ok time.Time
			if job.TimeFinished != nil {
				at = job.TimeFinished.Time
			} else if job.TimeStarted != nil {
				at = job.TimeStarted.Time
			}
			status := strings.ToLower(string(job.State))
			if job.State == truenas.JobSuccess {
				ok = at
				status = "success"
			}
			if job.State == truenas.JobSuccess && at.IsZero() {
				off.Status, off.Detail, off.LastStatus, off.RPO = StatusWarning, "last run succeeded but TrueNAS reports no time: age unknown", status, cronInterval(off.Schedule)
			} else {
				judge(&off, ok, status)
			}
		}
	}
	a.Jobs = append(a.Jobs, off)
	return a, nil
}
