package xotest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/rest"
	"github.com/sitekit/sitekit/xo"
)

// Each test below pins behaviour of xo-server read in xen-orchestra 9ef5389 (xo-server
// 5.207.2, @xen-orchestra/rest-api 0.37.0) unless its comment says "inferred".

type rpcT struct {
	t    *testing.T
	ctx  context.Context
	conn *jsonrpc.Conn
}

// dialRPC opens a JSON-RPC connection, signed in as the admin unless anonymous.
func dialRPC(t *testing.T, srv *Server, anonymous bool) *rpcT {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	r := &rpcT{t: t, ctx: ctx, conn: rpcConn(t, srv)}
	if !anonymous {
		require.NoError(t, r.conn.Call(ctx, "session.signIn", map[string]any{"token": srv.Token()}, nil))
	}
	return r
}

func (r *rpcT) call(method string, params, result any) error {
	return r.conn.Call(r.ctx, method, params, result)
}

func (r *rpcT) must(method string, params any) any {
	r.t.Helper()
	var out any
	require.NoError(r.t, r.call(method, params, &out), method)
	return out
}

// rpcError returns the JSON-RPC error of err (or fails).
func rpcError(t *testing.T, err error) *jsonrpc.Error {
	t.Helper()
	var je *jsonrpc.Error
	require.True(t, errors.As(err, &je), "%v", err)
	return je
}

// session.mjs getUser (permission null): null on an anonymous connection, the user's public
// properties (utils.mjs getUserPublicProperties) once signed in. system.mjs: getMethodsInfo,
// getVersion ("0.1"), getServerVersion, listMethods and methodSignature need no sign-in.
func TestPublicMethodsAndSession(t *testing.T) {
	srv := NewTestServer(t)
	anon := dialRPC(t, srv, true)
	assert.Nil(t, anon.must("session.getUser", nil))
	assert.Equal(t, "0.1", anon.must("system.getVersion", nil))
	assert.Equal(t, serverVersion, anon.must("system.getServerVersion", nil))
	info := anon.must("system.getMethodsInfo", nil).(map[string]any)
	create := info["backupNg.createJob"].(map[string]any)
	assert.Equal(t, "admin", create["permission"])
	params := create["params"].(map[string]any)
	assert.Equal(t, map[string]any{"type": "string", "enum": []any{"full", "delta"}}, params["mode"])
	assert.Equal(t, map[string]any{"type": "string", "optional": true, "minLength": float64(0), "enum": []any{"", "native", "zstd"}}, params["compression"])
	signIn := info["session.signIn"].(map[string]any)
	assert.Contains(t, signIn, "permission")
	assert.Nil(t, signIn["permission"], "permission null: no sign-in needed")
	for _, m := range []string{"session.getUser", "xo.getAllObjects", "backupNg.getAllLogs", "system.getVersion"} {
		assert.Contains(t, info, m)
	}
	assert.Contains(t, anon.must("system.listMethods", nil), "backupNg.runJob")
	assert.Equal(t, codeUnauthorized, rpcError(t, anon.call("xo.getAllObjects", nil, nil)).Code, "getAllObjects needs a signed-in user")

	admin := dialRPC(t, srv, false)
	assert.Equal(t, map[string]any{"id": srv.UserID, "email": DefaultUsername, "permission": "admin", "groups": []any{},
		"preferences": map[string]any{}, "authProviders": map[string]any{}}, admin.must("session.getUser", nil))
}

// xo.mjs getAllObjects: a map keyed by id; an object filter is lodash's iteratee (partial
// deep match), a string one a complex-matcher expression; limit caps the count.
func TestGetAllObjects(t *testing.T) {
	srv := NewTestServer(t)
	r := dialRPC(t, srv, false)
	all := r.must("xo.getAllObjects", nil).(map[string]any)
	require.Contains(t, all, srv.PoolID)
	assert.Equal(t, "pool", all[srv.PoolID].(map[string]any)["type"])
	tpls := r.must("xo.getAllObjects", map[string]any{"filter": map[string]any{"type": "VM-template"}}).(map[string]any)
	assert.Len(t, tpls, 2)
	assert.Contains(t, tpls, srv.DebianTemplateID)
	hosts := r.must("xo.getAllObjects", map[string]any{"filter": "type:host"}).(map[string]any)
	assert.Equal(t, []string{srv.HostID}, keys(hosts))
	nested := r.must("xo.getAllObjects", map[string]any{"filter": map[string]any{"type": "PIF", "vlan": -1, "physical": true, "device": "eth1"}}).(map[string]any)
	assert.Equal(t, []string{srv.Eth1PIFID}, keys(nested))
	assert.Len(t, r.must("xo.getAllObjects", map[string]any{"limit": 3}), 3)
}

func keys(m map[string]any) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}

// api/backup-ng.mjs createJob.params and SCHEMA_SETTINGS, checked by _xoJsonSchema.mjs
// (strings non-empty unless minLength: 0): compression is "", "native" or "zstd"; a
// settings entry's concurrency, maxExportRate and nRetriesVmBackupFailures are numbers ≥ 0,
// nbdConcurrency ≥ 1; name, when given, is not empty. editJob has the same rules.
func TestBackupNgJobSchema(t *testing.T) {
	srv := NewTestServer(t)
	r := dialRPC(t, srv, false)
	base := func(edit func(p map[string]any)) map[string]any {
		p := map[string]any{"mode": "delta", "vms": map[string]any{"id": "x"}, "name": "j", "settings": map[string]any{"": map[string]any{"concurrency": 2}}}
		edit(p)
		return p
	}
	for name, edit := range map[string]func(map[string]any){
		"compression gzip": func(p map[string]any) { p["compression"] = "gzip" },
		"concurrency -1":   func(p map[string]any) { p["settings"] = map[string]any{"": map[string]any{"concurrency": -1}} },
		"nRetries -1": func(p map[string]any) {
			p["settings"] = map[string]any{"": map[string]any{"nRetriesVmBackupFailures": -1}}
		},
		"nbdConcurrency 0": func(p map[string]any) { p["settings"] = map[string]any{"": map[string]any{"nbdConcurrency": 0}} },
		"entry not object": func(p map[string]any) { p["settings"] = map[string]any{"": 3} },
		"empty name":       func(p map[string]any) { p["name"] = "" },
		"mode incremental": func(p map[string]any) { p["mode"] = "incremental" },
	} {
		err := r.call("backupNg.createJob", base(edit), nil)
		assert.Equal(t, codeInvalidParameters, rpcError(t, err).Code, name)
	}
	assert.Zero(t, srv.Count("backup-jobs"), "nothing stored")

	var id string
	require.NoError(t, r.call("backupNg.createJob", base(func(p map[string]any) { p["compression"] = "zstd" }), &id))
	assert.Equal(t, codeInvalidParameters, rpcError(t, r.call("backupNg.editJob", map[string]any{"id": id, "name": ""}, nil)).Code)
	assert.Equal(t, codeInvalidParameters, rpcError(t, r.call("backupNg.editJob", map[string]any{"id": id, "settings": map[string]any{"": map[string]any{"concurrency": -1}}}, nil)).Code)
	assert.Equal(t, codeInvalidParameters, rpcError(t, r.call("backupNg.editJob", map[string]any{"id": id, "compression": "gzip"}, nil)).Code)

	// createBackupNgJob stores the properties given and no others: no filled-in remotes,
	// srs or name.
	require.NoError(t, r.call("backupNg.createJob", map[string]any{"mode": "full", "vms": map[string]any{"id": "x"}}, &id))
	assert.Equal(t, map[string]any{"id": id, "type": "backup", "mode": "full", "vms": map[string]any{"id": "x"}, "userId": srv.UserID},
		srv.Object("backup-jobs", id))

	// Without settings, re-keying the schedules' settings throws after the schedules were
	// created (settings[tmpId] of undefined in createBackupNgJob): the call fails.
	err := r.call("backupNg.createJob", map[string]any{"mode": "full", "vms": map[string]any{"id": "x"},
		"schedules": map[string]any{"tmp": map[string]any{"cron": "0 1 * * *"}}}, nil)
	assert.Equal(t, -32000, rpcError(t, err).Code)

	// metadataBackup.createJob: name optional but not empty (api/metadata-backup.mjs).
	err = r.call("metadataBackup.createJob", map[string]any{"name": "", "remotes": map[string]any{"id": "r"}, "schedules": map[string]any{}, "settings": map[string]any{}}, nil)
	assert.Equal(t, codeInvalidParameters, rpcError(t, err).Code)
}

// api/backup-ng.mjs runJob reads the schedule (getSchedule) before runJobSequence reads the
// job; the backups-ng executor throws noMatchingVm({jobId, runJobId, scheduleId}) when a
// smart pattern matches no VM, and backups-ng-logs.mjs reports that run as "skipped" under
// the runJobId; backupNg.getAllLogs answers the logs keyed by id.
func TestRunJobErrors(t *testing.T) {
	srv := NewTestServer(t)
	r := dialRPC(t, srv, false)
	var job string
	require.NoError(t, r.call("backupNg.createJob", map[string]any{"mode": "delta", "name": "smart",
		"vms": map[string]any{"type": "VM", "tags": map[string]any{"__or": []any{[]any{"backup"}}}}, "remotes": map[string]any{"id": "r"},
		"schedules": map[string]any{"t": map[string]any{"cron": "0 1 * * *", "enabled": true}}, "settings": map[string]any{"": map[string]any{"reportWhen": "always"}}}, &job))
	var scheds []map[string]any
	require.NoError(t, r.call("schedule.getAll", nil, &scheds))
	sched := scheds[0]["id"].(string)

	// Unknown job and unknown schedule: the schedule is reported.
	je := rpcError(t, r.call("backupNg.runJob", map[string]any{"id": "nojob", "schedule": "nosched"}, nil))
	assert.Equal(t, codeNoSuchObject, je.Code)
	assert.JSONEq(t, `{"id":"nosched","type":"schedule"}`, string(je.Data))
	je = rpcError(t, r.call("backupNg.runJob", map[string]any{"id": "nojob", "schedule": sched}, nil))
	assert.JSONEq(t, `{"id":"nojob","type":"job"}`, string(je.Data))

	je = rpcError(t, r.call("backupNg.runJob", map[string]any{"id": job, "schedule": sched}, nil))
	assert.Equal(t, codeNoMatchingVM, je.Code)
	var data struct{ JobID, RunJobID, ScheduleID string }
	require.NoError(t, json.Unmarshal(je.Data, &data))
	assert.Equal(t, job, data.JobID)
	assert.Equal(t, sched, data.ScheduleID)
	require.NotEmpty(t, data.RunJobID)
	logs := r.must("backupNg.getAllLogs", nil).(map[string]any)
	require.Contains(t, logs, data.RunJobID, "the error's runJobId is the run's log")
	log := logs[data.RunJobID].(map[string]any)
	assert.Equal(t, "skipped", log["status"])
	assert.Equal(t, map[string]any{"mode": "delta", "reportWhen": "always"}, log["data"])

	// A simple id pattern is run as given (extractIdsFromSimplePattern): a VM id that no longer
	// exists fails its own task (inferred: the runner cannot read the VM's record).
	require.NoError(t, r.call("backupNg.editJob", map[string]any{"id": job, "vms": map[string]any{"id": "gone"}}, nil))
	assert.Equal(t, true, r.must("backupNg.runJob", map[string]any{"id": job, "schedule": sched}), "a method answering undefined answers true")
	logs = r.must("backupNg.getAllLogs", nil).(map[string]any)
	assert.Len(t, logs, 2)
}

// scheduling.mjs: createSchedule stores the properties given (name defaulting to "");
// updateSchedule requires the schedule and patches it (null deletes a key, only name accepts
// null); deleteSchedule removes an id without checking that it exists.
func TestScheduleSemantics(t *testing.T) {
	srv := NewTestServer(t)
	r := dialRPC(t, srv, false)
	sc := r.must("schedule.create", map[string]any{"cron": "0 1 * * *", "jobId": "j"}).(map[string]any)
	id := sc["id"].(string)
	assert.Equal(t, map[string]any{"id": id, "cron": "0 1 * * *", "jobId": "j", "name": "", "userId": srv.UserID}, sc, "no enabled, no timezone")
	r.must("schedule.set", map[string]any{"id": id, "name": "n", "enabled": true, "timezone": "Europe/Paris"})
	r.must("schedule.set", map[string]any{"id": id, "name": nil})
	got := srv.Object("schedules", id)
	assert.NotContains(t, got, "name", "null deletes")
	assert.Equal(t, true, got["enabled"])
	assert.Equal(t, codeInvalidParameters, rpcError(t, r.call("schedule.set", map[string]any{"id": id, "timezone": nil}, nil)).Code)
	assert.Equal(t, codeNoSuchObject, rpcError(t, r.call("schedule.set", map[string]any{"id": "missing", "enabled": true}, nil)).Code)
	assert.Equal(t, true, r.must("schedule.delete", map[string]any{"id": "missing"}))
	assert.Equal(t, true, r.must("schedule.delete", map[string]any{"id": id}))
	assert.Zero(t, srv.Count("schedules"))
}

// @xen-orchestra/rest-api generic-error-handler.middleware.mts: the body is {error: message,
// data: error.data} with info for an XapiError; xen-api's XapiError has code and params but
// no data, and its message is CODE(params). XAPI's VM_BAD_POWER_STATE names the VM's opaque
// ref (inferred from XAPI's error signature VM_BAD_POWER_STATE(vm, expected, actual)).
func TestRESTXapiErrorBody(t *testing.T) {
	srv := NewTestServer(t)
	settings, err := sitekit.Apply(sitekit.WithCertSHA256(srv.Fingerprint()))
	require.NoError(t, err)
	hc, err := rest.HTTPClient(settings)
	require.NoError(t, err)
	// Create a VM, start it, and start it again synchronously.
	c, err := srv.Client()
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "web", CPUs: 1, Memory: 1 << 30})
	require.NoError(t, err)
	vmID := vm.ID
	require.NoError(t, c.VMs.Start(ctx, vmID))
	ref := srv.Object("vms", vmID)["_xapiRef"].(string)
	require.NotEmpty(t, ref)
	req, _ := http.NewRequest("POST", srv.URL()+"/rest/v0/vms/"+vmID+"/actions/start?sync=true", nil)
	req.Header.Set("Cookie", "authenticationToken="+srv.Token())
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 500, resp.StatusCode)
	assert.JSONEq(t, `{"error":"VM_BAD_POWER_STATE(`+ref+`, halted, running)","info":"This is a XenServer/XCP-ng error, not an XO error"}`, string(b))

	// Asynchronously, the task's result is the serialized XapiError, with code and params.
	err = c.VMs.Start(ctx, vmID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "VM_BAD_POWER_STATE")
	assert.Contains(t, err.Error(), ref)
}
