package xotest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

// Evidence: xen-orchestra 9ef5389, xo-server src/api/metadata-backup.mjs (parameter
// schemas), xo-mixins/metadata-backups.mjs (createJob answers the job, deleteJob checks the
// type), @xen-orchestra/backups/_runners/Metadata.mjs (run checks). The shape of a metadata
// run's log is inferred.
// metadataBackup.* at the wire: XO's parameter schemas, the job object returned by
// createJob, the run checks of the metadata runner, type separation from backupNg.*.
func TestMetadataBackupRPC(t *testing.T) {
	srv := NewTestServer(t)
	conn := rpcConn(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := func(err error) int {
		var je *jsonrpc.Error
		if errors.As(err, &je) {
			return je.Code
		}
		return -1
	}
	require.NoError(t, conn.Call(ctx, "session.signIn", map[string]any{"token": srv.Token()}, nil))
	var rem map[string]any
	require.NoError(t, conn.Call(ctx, "remote.create", map[string]any{"name": "r", "url": "nfs://h:/p"}, &rem))
	remotes := map[string]any{"id": rem["id"]}
	sched := map[string]any{"t": map[string]any{"cron": "0 2 * * *", "enabled": true}}

	assert.Equal(t, 10, code(conn.Call(ctx, "metadataBackup.createJob", map[string]any{"schedules": sched, "settings": map[string]any{}}, nil)), "remotes required")
	assert.Equal(t, 10, code(conn.Call(ctx, "metadataBackup.createJob", map[string]any{"remotes": remotes, "settings": map[string]any{}}, nil)), "schedules required")
	assert.Equal(t, 10, code(conn.Call(ctx, "metadataBackup.createJob", map[string]any{"remotes": remotes, "schedules": sched, "settings": map[string]any{}, "mode": "full"}, nil)), "no mode for metadata jobs")
	assert.Equal(t, 10, code(conn.Call(ctx, "metadataBackup.createJob", map[string]any{"remotes": remotes, "schedules": sched, "settings": map[string]any{}, "name": ""}, nil)), "empty name")
	assert.Equal(t, 10, code(conn.Call(ctx, "metadataBackup.createJob", map[string]any{"remotes": remotes, "schedules": sched, "settings": map[string]any{}, "xoMetadata": "yes"}, nil)), "xoMetadata is a boolean")

	var job map[string]any
	require.NoError(t, conn.Call(ctx, "metadataBackup.createJob", map[string]any{"name": "m", "remotes": remotes, "xoMetadata": true,
		"pools": map[string]any{"id": srv.PoolID}, "schedules": sched,
		"settings": map[string]any{"": map[string]any{"reportWhen": "never"}, "t": map[string]any{"retentionPoolMetadata": 0, "retentionXoMetadata": 0}}}, &job))
	id, _ := job["id"].(string)
	require.NotEmpty(t, id, "createJob returns the job object: %v", job)
	assert.Equal(t, "metadataBackup", job["type"])
	settingsOut, _ := job["settings"].(map[string]any)
	assert.NotContains(t, settingsOut, "t", "settings re-keyed to the real schedule id")
	assert.Len(t, settingsOut, 2)
	var schedID string
	for k := range settingsOut {
		if k != "" {
			schedID = k
		}
	}
	assert.Equal(t, -32000, code(conn.Call(ctx, "metadataBackup.runJob", map[string]any{"id": id, "schedule": schedID}, nil)), "retentions 0")
	assert.Equal(t, 1, code(conn.Call(ctx, "metadataBackup.runJob", map[string]any{"id": id, "schedule": "nope"}, nil)), "no such schedule")
	require.NoError(t, conn.Call(ctx, "metadataBackup.editJob", map[string]any{"id": id, "settings": map[string]any{schedID: map[string]any{"retentionXoMetadata": 2}}}, nil))
	// Faithful to the runner: pools with retention 0 are skipped, the XO config is backed up.
	require.NoError(t, conn.Call(ctx, "metadataBackup.runJob", map[string]any{"id": id, "schedule": schedID}, nil))
	assert.Equal(t, 1, srv.Count("backup-logs"))
	require.NoError(t, conn.Call(ctx, "metadataBackup.editJob", map[string]any{"id": id, "pools": nil}, nil))
	require.NoError(t, conn.Call(ctx, "metadataBackup.runJob", map[string]any{"id": id, "schedule": schedID}, nil), "XO config only, kept 2")
	assert.Equal(t, 2, srv.Count("backup-logs"))
	assert.Equal(t, 10, code(conn.Call(ctx, "metadataBackup.editJob", map[string]any{"id": id, "pools": "all"}, nil)), "pools: object or null")

	// Types stay apart: backupNg.* does not see metadata jobs, and the reverse.
	var vmJobs []map[string]any
	require.NoError(t, conn.Call(ctx, "backupNg.getAllJobs", nil, &vmJobs))
	assert.Empty(t, vmJobs)
	assert.Equal(t, 1, code(conn.Call(ctx, "backupNg.getJob", map[string]any{"id": id}, nil)))
	assert.Equal(t, 1, code(conn.Call(ctx, "backupNg.deleteJob", map[string]any{"id": id}, nil)))
	var metaJobs []map[string]any
	require.NoError(t, conn.Call(ctx, "metadataBackup.getAllJobs", nil, &metaJobs))
	require.Len(t, metaJobs, 1)
	assert.Len(t, srv.MetadataJobs(), 1)

	// deleteJob deletes the job's schedules (xen-orchestra 9ef5389, xo-server
	// src/xo-mixins/jobs/index.mjs removeJob).
	require.NoError(t, conn.Call(ctx, "metadataBackup.deleteJob", map[string]any{"id": id}, nil))
	assert.Equal(t, 1, code(conn.Call(ctx, "metadataBackup.getJob", map[string]any{"id": id}, nil)))
	assert.Zero(t, srv.Count("schedules"))
}

// backupNg.editJob goes through xo-server's updateJob, whose patch is one level deep
// (xen-orchestra 9ef5389, xo-server src/patch.mjs and src/xo-mixins/jobs/index.mjs): a
// settings object sent replaces the stored one whole, so partial settings drop the job-wide
// "" entry and the other schedules' retention; null deletes a property.
func TestBackupNgEditJobPatchIsOneLevelDeep(t *testing.T) {
	srv := NewTestServer(t)
	conn := rpcConn(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, conn.Call(ctx, "session.signIn", map[string]any{"token": srv.Token()}, nil))
	var id string
	require.NoError(t, conn.Call(ctx, "backupNg.createJob", map[string]any{"mode": "delta", "vms": map[string]any{"id": "x"}, "name": "j",
		"proxy": "p", "settings": map[string]any{"": map[string]any{"reportWhen": "failure", "concurrency": 2}, "s0": map[string]any{"exportRetention": 7}}}, &id))
	require.NoError(t, conn.Call(ctx, "backupNg.editJob", map[string]any{"id": id,
		"settings": map[string]any{"s1": map[string]any{"exportRetention": 3}}, "proxy": nil}, nil))
	job := srv.Object("backup-jobs", id)
	assert.Equal(t, map[string]any{"s1": map[string]any{"exportRetention": float64(3)}}, job["settings"], "settings replaced whole")
	assert.NotContains(t, job, "proxy", "null deletes")
	assert.Equal(t, "j", job["name"], "properties not given are kept")
}
