package blueprint_test

import (
	"context"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
)

func jobOf(t *testing.T, a *blueprint.BackupAudit, suffix string) blueprint.JobAudit {
	t.Helper()
	for _, j := range a.Jobs {
		if strings.HasSuffix(j.Job, suffix) {
			return j
		}
	}
	require.Failf(t, "no job", "%s in %+v", suffix, a.Jobs)
	return blueprint.JobAudit{}
}

// TestBackupAuditFromFacts: the audit reads the runs, not the blueprint: a job that never
// ran fails, a run recent enough passes, an old one fails, a missing job claims no RPO,
// and the tier's limits are apart from the jobs (issue 13: "ok RPO 15 min" with no job).
func TestBackupAuditFromFacts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	e.converge(t, ctx, 2)

	a, err := e.bp.AuditBackups(ctx, e.conns, time.Now())
	require.NoError(t, err)
	assert.Equal(t, blueprint.StatusCritical, a.Status(), a.Summary())
	delta := jobOf(t, a, "-delta")
	assert.Equal(t, "never ran", delta.Detail)
	assert.Equal(t, blueprint.StatusCritical, delta.Status)
	assert.Len(t, a.Jobs, 4, "delta, replication, metadata, off-site")
	assert.Len(t, a.Limits, 1, "one host: a limit of Standard, not a failure")

	// Run every job once.
	marker := e.site.Marker()
	jobs, err := e.conns.XO.BackupJobs.List(ctx, nil)
	require.NoError(t, err)
	for _, j := range jobs {
		if !strings.Contains(j.Name, marker) {
			continue
		}
		scheds, err := e.conns.XO.Schedules.OfJob(ctx, j.ID)
		require.NoError(t, err)
		require.NotEmpty(t, scheds)
		if j.Type == "metadataBackup" {
			_, err = e.conns.XO.MetadataBackupJobs.Run(ctx, j.ID, scheds[0].ID)
		} else {
			_, err = e.conns.XO.BackupJobs.Run(ctx, j.ID, scheds[0].ID)
		}
		require.NoError(t, err, j.Name)
	}
	tasks, err := e.conns.TrueNAS.CloudSyncs.List(ctx, nil)
	require.NoError(t, err)
	for _, tk := range tasks {
		if strings.Contains(tk.Description, marker) {
			_, err := e.conns.TrueNAS.CloudSyncs.Sync(ctx, tk.ID, false, nil)
			require.NoError(t, err)
		}
	}
	// Each simulator has its own clock: audit each job at its own run time plus a minute.
	a, err = e.bp.AuditBackups(ctx, e.conns, time.Now())
	require.NoError(t, err)
	for _, j := range a.Jobs {
		require.Falsef(t, j.LastSuccess.IsZero(), "%s ran: %s", j.Job, j.Detail)
		at, err := e.bp.AuditBackups(ctx, e.conns, j.LastSuccess.Add(time.Minute))
		require.NoError(t, err)
		got := jobOf(t, at, j.Job)
		assert.Equalf(t, blueprint.StatusOK, got.Status, "%s: %s", got.Job, got.Detail)
		assert.Equal(t, time.Minute, got.Age)
	}
	now := jobOf(t, a, "-delta").LastSuccess.Add(time.Minute)
	a, err = e.bp.AuditBackups(ctx, e.conns, now)
	require.NoError(t, err)
	assert.Equal(t, 24*time.Hour, jobOf(t, a, "-delta").RPO)
	assert.Equal(t, 15*time.Minute, jobOf(t, a, "-replication").RPO)
	assert.Contains(t, a.Summary(), "backups of pv-pessac (standard): 4 jobs")

	// The same runs, audited an hour later: the 15-minute replication is too old.
	a, err = e.bp.AuditBackups(ctx, e.conns, now.Add(90*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, blueprint.StatusCritical, jobOf(t, a, "-replication").Status)
	assert.Equal(t, blueprint.StatusOK, jobOf(t, a, "-delta").Status)

	// A job that does not exist promises no RPO.
	for _, j := range jobs {
		if strings.HasPrefix(j.Name, "pv-pessac-delta ") {
			require.NoError(t, e.conns.XO.BackupJobs.Delete(ctx, j.ID))
		}
	}
	a, err = e.bp.AuditBackups(ctx, e.conns, now)
	require.NoError(t, err)
	d := jobOf(t, a, "-delta")
	assert.Equal(t, blueprint.StatusCritical, d.Status)
	assert.Zero(t, d.RPO)
	assert.Contains(t, d.Detail, "does not exist")

	// Without XO, its jobs are unknown, not fine.
	noXO := e.conns
	noXO.XO = nil
	a, err = e.bp.AuditBackups(ctx, noXO, now)
	require.NoError(t, err)
	assert.Equal(t, blueprint.StatusUnknown, jobOf(t, a, "-delta").Status)
}
