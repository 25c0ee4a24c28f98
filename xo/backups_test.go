package xo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

func TestBackupRepositoryAndJobs(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	web := createHalted(t, srv, c, "web")
	require.NoError(t, c.VMs.AddTag(ctx, web.ID, "backup"))

	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "truenas-nfs", Server: "10.10.0.20", Path: "/mnt/tank/xo-backups", Options: "vers=4"})
	require.NoError(t, err)
	assert.Equal(t, "nfs://10.10.0.20:/mnt/tank/xo-backups", repo.URL)
	assert.True(t, repo.Enabled)
	rt, err := c.BackupRepositories.Test(ctx, repo.ID)
	require.NoError(t, err)
	assert.True(t, rt.Success)
	name := "truenas"
	renamed, err := c.BackupRepositories.Update(ctx, repo.ID, xo.BackupRepositoryUpdate{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, "truenas", renamed.Name)
	found, err := c.BackupRepositories.Find(ctx, "truenas")
	require.NoError(t, err)
	assert.Equal(t, repo.ID, found.ID)

	// Delta backup to the repository, by tag.
	delta := xo.DeltaBackupJob("pessac-nightly", xo.TaggedVMs(srv.PoolID, "backup"), repo.ID, "0 1 * * *", "Europe/Paris", 14)
	job, err := c.BackupJobs.Create(ctx, delta)
	require.NoError(t, err)
	jobID, schedID := job.ID, job.Schedule.ID
	require.NotEmpty(t, schedID)
	assert.Equal(t, jobID, job.Schedule.JobID)
	assert.Equal(t, "delta", job.Mode)
	assert.Equal(t, "backup", job.Type)
	assert.JSONEq(t, `{"exportRetention":14}`, string(job.Settings[schedID]), "settings re-keyed from the temporary schedule id")
	sched, err := c.Schedules.Get(ctx, schedID)
	require.NoError(t, err)
	assert.True(t, sched.Enabled)
	assert.Equal(t, "Europe/Paris", sched.Timezone)

	log, err := c.BackupJobs.Run(ctx, jobID, schedID)
	require.NoError(t, err)
	assert.Equal(t, "success", log.Status)
	require.Len(t, log.Tasks, 1)
	assert.Equal(t, "backup VM", log.Tasks[0].Message)
	assert.Contains(t, string(log.Tasks[0].Data), web.ID)
	logs, err := c.BackupLogs.OfJob(ctx, jobID)
	require.NoError(t, err)
	require.Len(t, logs, 1)
	got, err := c.BackupLogs.Get(ctx, logs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, jobID, got.JobID)

	// REST run of the schedule writes a second log.
	require.NoError(t, c.Schedules.Run(ctx, schedID))
	logs, err = c.BackupLogs.OfJob(ctx, jobID)
	require.NoError(t, err)
	assert.Len(t, logs, 2)

	// Failing run.
	srv.SetBackupResult(func(map[string]any) error { return errors.New("ENOSPC: no space left on device") })
	log, err = c.BackupJobs.Run(ctx, jobID, schedID)
	var re *xo.BackupRunError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, "failure", log.Status)
	srv.SetBackupResult(nil)

	// Continuous replication to the local SR.
	cr := xo.ContinuousReplicationJob("pessac-cr", xo.IDs(web.ID), srv.LocalSRID, "0 */4 * * *", "Europe/Paris", 3)
	crJob, err := c.BackupJobs.Create(ctx, cr)
	require.NoError(t, err)
	crID, crSched := crJob.ID, crJob.Schedule.ID
	newName := "pessac-cr-4h"
	edited, err := c.BackupJobs.Update(ctx, crID, xo.BackupJobUpdate{Name: &newName})
	require.NoError(t, err)
	assert.Equal(t, newName, edited.Name)
	crJob, err = c.BackupJobs.Find(ctx, newName)
	require.NoError(t, err)
	assert.Equal(t, crID, crJob.ID)
	cron := "0 */6 * * *"
	sc, err := c.Schedules.Update(ctx, crSched, xo.ScheduleUpdate{Cron: &cron})
	require.NoError(t, err)
	assert.Equal(t, cron, sc.Cron)
	extra, err := c.Schedules.Create(ctx, crID, xo.ScheduleSpec{Cron: "0 12 * * 0", Enabled: false, Name: "weekly"})
	require.NoError(t, err)
	scheds, err := c.Schedules.OfJob(ctx, crID)
	require.NoError(t, err)
	assert.Len(t, scheds, 2)

	// Deleting a job deletes its schedules (xo-server removeJob, xo-mixins/jobs/index.mjs).
	require.NoError(t, c.BackupJobs.Delete(ctx, crID))
	require.NoError(t, c.BackupJobs.Delete(ctx, jobID))
	all, err := c.Schedules.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, all, "no orphan schedule (%s)", extra.ID)
	_, err = c.BackupJobs.Get(ctx, jobID)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)

	// remote.delete removes the id without checking it (xen-orchestra 9ef5389, xo-server
	// src/xo-mixins/remotes.mjs removeRemote): deleting twice succeeds.
	require.NoError(t, c.BackupRepositories.Delete(ctx, repo.ID))
	require.NoError(t, c.BackupRepositories.Delete(ctx, repo.ID))
	_, err = c.BackupRepositories.Get(ctx, repo.ID)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
}

func TestJSONRPCReconnect(t *testing.T) {
	srv, _ := setup(t)
	ctx := ctx(t)
	// The default retry policy: a read whose connection dropped is sent again.
	c, err := srv.Client(xo.WithPollInterval(time.Millisecond), sitekit.WithRetry(sitekit.RetryPolicy{InitialInterval: time.Millisecond}))
	require.NoError(t, err)
	defer c.Close()
	web := createHalted(t, srv, c, "web")
	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "r", Server: "10.10.0.20", Path: "/mnt/tank/b"})
	require.NoError(t, err)
	_, err = c.BackupRepositories.Test(ctx, repo.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Faults().Calls("RPC session.signIn"))

	// A read whose connection is cut before XO handles it is sent again on a new connection.
	srv.Faults().ResetNext()
	_, err = c.BackupRepositories.Test(ctx, repo.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Faults().Calls("RPC remote.test"))
	assert.Equal(t, 2, srv.Faults().Calls("RPC session.signIn"))
	srv.Faults().ResetCounters()
	assert.Equal(t, 1, srv.DropConnections())
	_, err = c.BackupRepositories.Test(ctx, repo.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Faults().Calls("RPC session.signIn"))

	_, err = c.BackupJobs.Create(ctx, xo.DeltaBackupJob("j", xo.IDs(web.ID), repo.ID, "0 1 * * *", "UTC", 7))
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Faults().Calls("RPC session.signIn"))

	// A write whose answer is lost is reported as outcome unknown, never silently retried.
	srv.Faults().AmbiguousNext()
	_, err = c.BackupJobs.Create(ctx, xo.DeltaBackupJob("k", xo.IDs(web.ID), repo.ID, "0 2 * * *", "UTC", 7))
	require.Error(t, err)
	assert.ErrorIs(t, err, sitekit.ErrOutcomeUnknown)
	jobs, err := c.BackupJobs.List(ctx, &xo.ListOptions{Filter: xo.Eq("name", "k")})
	require.NoError(t, err)
	assert.Len(t, jobs, 1, "the ambiguous create happened once; re-observe by name")
	_, err = c.BackupRepositories.Test(ctx, repo.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Faults().Calls("RPC session.signIn"))

	// Sign-in with an expired token fails: the error says unauthorized.
	srv.ExpireTokens()
	srv.DropConnections()
	_, err = c.BackupRepositories.Test(ctx, repo.ID)
	assert.ErrorIs(t, err, sitekit.ErrUnauthorized, "%v", err)
}

// xo-server's editJob replaces settings whole (updateJob's patch is one level deep, and the
// simulator patches alike): a retention change through the client keeps the job-wide
// reportWhen and concurrency and the other schedules' retention.
func TestBackupJobRetentionChangeKeepsJobWideSettings(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	web := createHalted(t, srv, c, "web")
	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "r", Server: "10.10.0.20", Path: "/mnt/tank/b"})
	require.NoError(t, err)
	job, err := c.BackupJobs.Create(ctx, xo.DeltaBackupJob("nightly", xo.IDs(web.ID), repo.ID, "0 1 * * *", "Europe/Paris", 7))
	require.NoError(t, err)
	nightly := job.Schedule.ID
	weekly, err := c.Schedules.Create(ctx, job.ID, xo.ScheduleSpec{Cron: "0 3 * * 0", Enabled: true})
	require.NoError(t, err)
	job, err = c.BackupJobs.Update(ctx, job.ID, xo.BackupJobUpdate{Retention: map[string]xo.Retention{weekly.ID: {Export: 4}}})
	require.NoError(t, err)

	job, err = c.BackupJobs.Update(ctx, job.ID, xo.BackupJobUpdate{Retention: map[string]xo.Retention{nightly: {Export: 14}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"reportWhen":"failure","timezone":"Europe/Paris","concurrency":2}`, string(job.Settings[""]))
	assert.JSONEq(t, `{"exportRetention":4}`, string(job.Settings[weekly.ID]))
	assert.JSONEq(t, `{"exportRetention":14}`, string(job.Settings[nightly]))

	// Job-wide settings: the fields given replace the stored ones, the others are kept.
	got, err := c.BackupJobs.Update(ctx, job.ID, xo.BackupJobUpdate{Settings: &xo.GlobalSettings{Concurrency: 4}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"reportWhen":"failure","timezone":"Europe/Paris","concurrency":4}`, string(got.Settings[""]))
	assert.JSONEq(t, `{"exportRetention":4}`, string(got.Settings[weekly.ID]))
}

// sitekit.WithTimeout bounds each JSON-RPC attempt, and sitekit.WithRetry{MaxAttempts: 1}
// disables the re-send of a read whose connection dropped.
func TestJSONRPCHonoursTimeoutAndRetry(t *testing.T) {
	srv, c := setup(t) // MaxAttempts: 1
	ctx := ctx(t)
	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "r", Server: "10.10.0.20", Path: "/mnt/tank/b"})
	require.NoError(t, err)
	_, err = c.BackupRepositories.Test(ctx, repo.ID)
	require.NoError(t, err)
	srv.Faults().ResetNext()
	_, err = c.BackupRepositories.Test(ctx, repo.ID)
	assert.ErrorIs(t, err, sitekit.ErrOutcomeUnknown, "no retry: the lost read is reported")

	short, err := srv.Client(sitekit.WithTimeout(time.Nanosecond))
	require.NoError(t, err)
	defer short.Close()
	_, err = short.BackupRepositories.Test(ctx, repo.ID)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
