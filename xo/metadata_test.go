package xo_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

func TestMetadataBackupJobs(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "truenas-nfs", Server: "10.10.0.20", Path: "/mnt/tank/xo-backups"})
	require.NoError(t, err)
	// A VM backup job beside it: never listed, found or deleted as a metadata job.
	web := createHalted(t, srv, c, "web")
	vj, err := c.BackupJobs.Create(ctx, xo.DeltaBackupJob("pessac-nightly", xo.IDs(web.ID), repo.ID, "0 1 * * *", "UTC", 7))
	require.NoError(t, err)
	vmJob, vmSched := vj.ID, vj.Schedule.ID

	req := xo.MetadataBackup("pessac-metadata", []string{srv.PoolID}, true, repo.ID, "0 2 * * *", "Europe/Paris", 7)
	job, err := c.MetadataBackupJobs.Create(ctx, req)
	require.NoError(t, err)
	jobID, schedID := job.ID, job.Schedule.ID
	require.NotEmpty(t, schedID)
	assert.Equal(t, xo.MetadataBackupJobType, job.Type)
	assert.Equal(t, "pessac-metadata", job.Name)
	assert.Equal(t, []string{srv.PoolID}, job.PoolIDs())
	assert.True(t, job.XOMetadata)
	assert.Equal(t, []string{repo.ID}, job.RemoteIDs())
	ret, ok := job.RetentionOf(schedID)
	require.True(t, ok, "settings re-keyed from the temporary schedule id: %v", job.Settings)
	assert.Equal(t, xo.MetadataRetention{PoolMetadata: 7, XOMetadata: 7}, ret)
	assert.JSONEq(t, `{"reportWhen":"failure","timezone":"Europe/Paris"}`, string(job.Settings[""]))
	sched, err := c.Schedules.Get(ctx, schedID)
	require.NoError(t, err)
	assert.Equal(t, jobID, sched.JobID)
	assert.Equal(t, "0 2 * * *", sched.Cron)
	assert.True(t, sched.Enabled)

	// Listing: only metadata jobs; REST /backup-jobs has both types.
	jobs, err := c.MetadataBackupJobs.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	assert.Equal(t, jobID, jobs[0].ID)
	all, err := c.BackupJobs.List(ctx, nil)
	require.NoError(t, err)
	types := map[string]string{}
	for _, j := range all {
		types[j.ID] = j.Type
	}
	assert.Equal(t, map[string]string{vmJob: "backup", jobID: xo.MetadataBackupJobType}, types)
	n := 0
	for j, err := range c.MetadataBackupJobs.All(ctx, nil) {
		require.NoError(t, err)
		assert.Equal(t, jobID, j.ID)
		n++
	}
	assert.Equal(t, 1, n)
	found, err := c.MetadataBackupJobs.Find(ctx, "pessac-metadata")
	require.NoError(t, err)
	assert.Equal(t, jobID, found.ID)
	_, err = c.MetadataBackupJobs.Find(ctx, "pessac-nightly")
	assert.ErrorIs(t, err, sitekit.ErrNotFound, "a VM job is not a metadata job")
	_, err = c.MetadataBackupJobs.Get(ctx, vmJob)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)

	// Run: one task per pool and one for the XO configuration, each exported to the repository.
	log, err := c.MetadataBackupJobs.Run(ctx, jobID, schedID)
	require.NoError(t, err)
	assert.Equal(t, "success", log.Status)
	assert.Equal(t, schedID, log.ScheduleID)
	assert.Equal(t, "pessac-metadata", log.JobName)
	require.Len(t, log.Tasks, 2)
	assert.Contains(t, log.Tasks[0].Message, "metadata backup for the pool ("+srv.PoolID+")")
	assert.Contains(t, log.Tasks[1].Message, "XO metadata backup")
	for _, tk := range log.Tasks {
		require.Len(t, tk.Tasks, 1)
		assert.Equal(t, "export", tk.Tasks[0].Message)
		assert.Contains(t, string(tk.Tasks[0].Data), repo.ID)
	}
	// The REST run of the schedule runs it too.
	require.NoError(t, c.Schedules.Run(ctx, schedID))
	logs, err := c.BackupLogs.OfJob(ctx, jobID)
	require.NoError(t, err)
	assert.Len(t, logs, 2)

	// A failing run returns its log and a *BackupRunError.
	srv.SetBackupResult(func(map[string]any) error { return errors.New("EACCES: permission denied") })
	log, err = c.MetadataBackupJobs.Run(ctx, jobID, schedID)
	var re *xo.BackupRunError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, "failure", log.Status)
	srv.SetBackupResult(nil)

	// Partial update: the client sends the complete settings with the change applied (XO
	// replaces settings whole), so the XO retention and the job-wide settings are kept.
	name := "pessac-meta"
	job, err = c.MetadataBackupJobs.Update(ctx, jobID, xo.MetadataBackupJobUpdate{Name: &name,
		Retention: map[string]xo.MetadataRetention{schedID: {PoolMetadata: 3}}})
	require.NoError(t, err)
	assert.Equal(t, name, job.Name)
	ret, _ = job.RetentionOf(schedID)
	assert.Equal(t, xo.MetadataRetention{PoolMetadata: 3, XOMetadata: 7}, ret)
	assert.JSONEq(t, `{"reportWhen":"failure","timezone":"Europe/Paris"}`, string(job.Settings[""]), "global settings untouched")

	// Clearing the pools and the XO configuration leaves a job XO refuses to run.
	off := false
	job, err = c.MetadataBackupJobs.Update(ctx, jobID, xo.MetadataBackupJobUpdate{Pools: []string{}, XOMetadata: &off})
	require.NoError(t, err)
	assert.Empty(t, job.PoolIDs(), "pools: null clears them")
	assert.False(t, job.XOMetadata)
	_, err = c.MetadataBackupJobs.Run(ctx, jobID, schedID)
	var ae *xo.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Contains(t, ae.Message, "no metadata mode found")

	// Delete removes the job and its schedule, and leaves the VM job alone.
	require.NoError(t, c.MetadataBackupJobs.Delete(ctx, jobID))
	_, err = c.MetadataBackupJobs.Get(ctx, jobID)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	scheds, err := c.Schedules.OfJob(ctx, jobID)
	require.NoError(t, err)
	assert.Empty(t, scheds)
	assert.ErrorIs(t, c.MetadataBackupJobs.Delete(ctx, vmJob), sitekit.ErrNotFound)
	scheds, err = c.Schedules.OfJob(ctx, vmJob)
	require.NoError(t, err)
	require.Len(t, scheds, 1, "the VM job's schedule is untouched")
	assert.Equal(t, vmSched, scheds[0].ID)
	_, err = c.BackupJobs.Get(ctx, vmJob)
	assert.NoError(t, err)
}

func TestMetadataBackupXOOnly(t *testing.T) {
	_, c := setup(t)
	ctx := ctx(t)
	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "nas", Server: "nas.example", Path: "/mnt/tank/xo"})
	require.NoError(t, err)
	job, err := c.MetadataBackupJobs.Create(ctx, xo.MetadataBackup("xo-config", nil, true, repo.ID, "0 3 * * *", "", 30))
	require.NoError(t, err)
	jobID, schedID := job.ID, job.Schedule.ID
	assert.Nil(t, job.Pools, "no pools sent")
	ret, _ := job.RetentionOf(schedID)
	assert.Equal(t, xo.MetadataRetention{XOMetadata: 30}, ret)
	log, err := c.MetadataBackupJobs.Run(ctx, jobID, schedID)
	require.NoError(t, err)
	require.Len(t, log.Tasks, 1)
	assert.Contains(t, string(log.Tasks[0].Data), `"xo"`)
}

func TestMetadataBackupValidate(t *testing.T) {
	srv, c := setup(t)
	ctx := ctx(t)
	good := xo.MetadataBackup("m", []string{"p"}, true, "r", "0 2 * * *", "", 7)
	require.NoError(t, good.Validate())
	for _, tc := range []struct {
		field string
		edit  func(*xo.MetadataBackupJobRequest)
	}{
		{"Name", func(r *xo.MetadataBackupJobRequest) { r.Name = " " }},
		{"Pools", func(r *xo.MetadataBackupJobRequest) { r.Pools, r.XOMetadata = nil, false }},
		{"Pools", func(r *xo.MetadataBackupJobRequest) { r.Pools = []string{""} }},
		{"Remotes", func(r *xo.MetadataBackupJobRequest) { r.Remotes = nil }},
		{"Remotes", func(r *xo.MetadataBackupJobRequest) { r.Remotes = []string{""} }},
		{"Schedule.Cron", func(r *xo.MetadataBackupJobRequest) { r.Schedule.Cron = "daily" }},
		{"Retention.PoolMetadata", func(r *xo.MetadataBackupJobRequest) { r.Retention.PoolMetadata = 0 }},
		{"Retention.XOMetadata", func(r *xo.MetadataBackupJobRequest) { r.Retention.XOMetadata = 0 }},
		{"Retention.XOMetadata", func(r *xo.MetadataBackupJobRequest) { r.XOMetadata = false }},
		{"Retention.PoolMetadata", func(r *xo.MetadataBackupJobRequest) { r.Pools = nil }},
		{"Retention.PoolMetadata", func(r *xo.MetadataBackupJobRequest) { r.Retention.PoolMetadata = -1 }},
		{"Settings.ReportWhen", func(r *xo.MetadataBackupJobRequest) { r.Settings.ReportWhen = "sometimes" }},
	} {
		r := good
		r.Pools = append([]string(nil), good.Pools...)
		tc.edit(&r)
		_, err := c.MetadataBackupJobs.Create(ctx, r)
		var fe *sitekit.FieldError
		require.True(t, errors.As(err, &fe), "%s: %v", tc.field, err)
		assert.Equal(t, tc.field, fe.Field, "%v", err)
		assert.ErrorIs(t, err, sitekit.ErrInvalid)
	}
	empty := ""
	for _, u := range []xo.MetadataBackupJobUpdate{
		{Name: &empty},
		{Remotes: []string{}},
		{Retention: map[string]xo.MetadataRetention{"": {PoolMetadata: 1}}},
		{Retention: map[string]xo.MetadataRetention{"s": {XOMetadata: -2}}},
		{Settings: &xo.MetadataSettings{ReportWhen: "weekly"}},
	} {
		_, err := c.MetadataBackupJobs.Update(ctx, "job", u)
		assert.ErrorIs(t, err, sitekit.ErrInvalid, "%+v", u)
	}
	_, err := c.MetadataBackupJobs.Update(ctx, "", xo.MetadataBackupJobUpdate{})
	assert.ErrorIs(t, err, sitekit.ErrInvalid)
	assert.ErrorIs(t, c.MetadataBackupJobs.Delete(ctx, " "), sitekit.ErrInvalid)
	_, err = c.MetadataBackupJobs.Run(ctx, "job", "")
	assert.ErrorIs(t, err, sitekit.ErrInvalid)
	_, err = c.MetadataBackupJobs.Find(ctx, "")
	assert.ErrorIs(t, err, sitekit.ErrInvalid)
	assert.Zero(t, srv.Faults().TotalCalls(), "validation runs before any I/O")
}

func TestMetadataBackupSimulatorSchema(t *testing.T) {
	_, c := setup(t)
	ctx := ctx(t)
	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "nas", Server: "nas.example", Path: "/mnt/tank/xo"})
	require.NoError(t, err)
	created, err := c.MetadataBackupJobs.Create(ctx, xo.MetadataBackup("m", nil, true, repo.ID, "0 3 * * *", "", 3))
	require.NoError(t, err)
	jobID := created.ID
	// A job whose name is taken by nothing else: an unknown id answers code 1 (no such job).
	_, err = c.MetadataBackupJobs.Update(ctx, "00000000-0000-4000-a000-000000000000", xo.MetadataBackupJobUpdate{Name: &jobID})
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	// remote.delete does not check whether a job uses the repository (xen-orchestra 9ef5389,
	// xo-server src/xo-mixins/remotes.mjs removeRemote).
	require.NoError(t, c.BackupRepositories.Delete(ctx, repo.ID))
}

func FuzzMetadataBackupJob(f *testing.F) {
	f.Add([]byte(`{"id":"j","type":"metadataBackup","name":"m","pools":{"id":"p"},"xoMetadata":true,"remotes":{"id":{"__or":["a","b"]}},"settings":{"":{"reportWhen":"failure"},"s":{"retentionPoolMetadata":7,"retentionXoMetadata":7}}}`))
	f.Add([]byte(`{"pools":{"id":{"__or":[1,null,"x"]}},"settings":{"s":[]}}`))
	f.Add([]byte(`{"remotes":{"id":{"__or":"a"}},"settings":{"s":{"retentionXoMetadata":"7"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j xo.MetadataBackupJob
		if json.Unmarshal(data, &j) != nil {
			return
		}
		for _, id := range append(j.PoolIDs(), j.RemoteIDs()...) {
			if id == "" && !strings.Contains(string(data), `""`) {
				t.Fatalf("empty id from %s", data)
			}
		}
		for k := range j.Settings {
			if r, ok := j.RetentionOf(k); ok && k == "" {
				t.Fatalf("global settings read as a retention: %+v", r)
			}
		}
	})
}
