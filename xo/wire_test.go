package xo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/xo"
)

// Wire-level tests: a plain httptest mux (not the simulator) asserts the method, path, query
// and body the client sends, and answers with bodies copied from the XO reference (REST
// answers of @xen-orchestra/rest-api 0.39.0, JSON-RPC answers of xo-server), so that the
// client and the simulator cannot agree on a wrong shape.

const (
	wirePool     = "355ee47d-ff4c-4924-3db2-fd86ae629676"
	wireTemplate = "9bbcc5d1-ad4b-06f1-18f6-03125e809c38"
	wireNetwork  = "6b6ca0f5-6611-0636-4b0a-1fb1c8e96414"
	wireVM       = "8279e670-cb58-c048-7007-230f075becfb"
	wireJob      = "e680c14c-ab52-45c8-bb0e-bd4ca12ea8f9"
	wireSchedule = "5c4d3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
	wireRemote   = "b1a2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
)

// wire is a fake XO: mux for REST, rpc answers JSON-RPC methods; every JSON-RPC call is
// recorded.
type wire struct {
	mux   *http.ServeMux
	srv   *httptest.Server
	mu    sync.Mutex
	calls []rpcCall
	rpc   map[string]func(params map[string]any) (any, error)
}

type rpcCall struct {
	Method string
	Params map[string]any
}

func newWire(t *testing.T) (*wire, *xo.Client) {
	t.Helper()
	w := &wire{mux: http.NewServeMux(), rpc: map[string]func(map[string]any) (any, error){}}
	w.rpc["session.signIn"] = func(map[string]any) (any, error) {
		return map[string]any{"id": "722d", "email": "admin@admin.net", "permission": "admin"}, nil
	}
	js := &jsonrpc.Server{Handler: func(_ context.Context, _ *jsonrpc.Peer, req *jsonrpc.Request) (any, error) {
		var p map[string]any
		_ = json.Unmarshal(req.Params, &p)
		w.mu.Lock()
		w.calls = append(w.calls, rpcCall{req.Method, p})
		fn := w.rpc[req.Method]
		w.mu.Unlock()
		if fn == nil {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "method not found: " + req.Method}
		}
		return fn(p)
	}}
	w.mux.Handle("/api/", js)
	w.srv = httptest.NewServer(w.mux)
	t.Cleanup(w.srv.Close)
	c, err := xo.New(w.srv.URL, sitekit.WithPlainHTTP(), sitekit.WithToken(sitekit.NewSecret("tok")),
		sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return w, c
}

// handle registers a REST route that checks the request's query and JSON body (nil: no
// body) and answers status with body.
func (w *wire) handle(t *testing.T, pattern string, query url.Values, wantBody string, status int, body string) {
	w.mux.HandleFunc(pattern, func(rw http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("authenticationToken")
		assert.NoError(t, err, pattern)
		if err == nil {
			assert.Equal(t, "tok", c.Value)
		}
		if query != nil {
			assert.Equal(t, query, r.URL.Query(), pattern)
		}
		b, _ := io.ReadAll(r.Body)
		if wantBody == "" {
			assert.Empty(t, b, pattern)
		} else {
			assert.JSONEq(t, wantBody, string(b), pattern)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		}
		rw.Header().Set("Content-Type", "application/json; charset=utf-8")
		if status == http.StatusAccepted {
			rw.Header().Set("Location", "/rest/v0/tasks/0m7kl0j9l")
		}
		rw.WriteHeader(status)
		_, _ = io.WriteString(rw, body)
	})
}

func (w *wire) rpcCalls(method string) []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, c := range w.calls {
		if c.Method == method {
			out = append(out, c.Params)
		}
	}
	return out
}

// vmFixture is the VM of the reference's object shapes, trimmed.
const vmFixture = `{"type":"VM","id":"8279e670-cb58-c048-7007-230f075becfb","uuid":"8279e670-cb58-c048-7007-230f075becfb",
 "name_label":"acme-web01","name_description":"","power_state":"Running","CPUs":{"max":2,"number":2},
 "memory":{"dynamic":[4294967296,4294967296],"static":[2147483648,4294967296],"size":4294967296},
 "addresses":{"0/ipv4/0":"10.10.20.11"},"mainIpAddress":"10.10.20.11","pvDriversDetected":true,
 "VIFs":["803382fb-0000-4000-8000-000000000001"],"$VBDs":[],"tags":[],"$pool":"355ee47d-ff4c-4924-3db2-fd86ae629676",
 "_xapiRef":"OpaqueRef:1"}`

func TestWireCreateVM(t *testing.T) {
	w, c := newWire(t)
	// The create_vm example of the reference (POST …/actions/create_vm), answered
	// asynchronously: 202, Location and {"taskId"} (XO ≥ 5.113).
	w.handle(t, "POST /rest/v0/pools/"+wirePool+"/actions/create_vm", url.Values{},
		`{"name_label":"acme-web01","template":"`+wireTemplate+`","cpus":2,"memory":4294967296,
		  "vifs":[{"device":"0","network":"`+wireNetwork+`"}],
		  "cloud_config":"#cloud-config\nhostname: acme-web01\n","boot":true}`,
		http.StatusAccepted, `{"taskId":"0m7kl0j9l"}`)
	// The task of the reference (GET /tasks/<id>?wait=true), ended with the creator's {id}.
	w.handle(t, "GET /rest/v0/tasks/0m7kl0j9l", url.Values{"wait": {"true"}}, "", http.StatusOK,
		`{"id":"0m7kl0j9l","properties":{"name":"REST API: create VM","type":"xo:rest-api:action","objectType":"pool","objectId":"`+wirePool+`"},
		  "start":1753098047598,"updatedAt":1753098047696,"end":1753098047600,"status":"success","result":{"id":"`+wireVM+`"}}`)
	w.handle(t, "GET /rest/v0/vms/"+wireVM, url.Values{}, "", http.StatusOK, vmFixture)

	vm, err := c.VMs.Create(context.Background(), xo.VMCreateRequest{Pool: wirePool, Template: wireTemplate, NameLabel: "acme-web01",
		CPUs: 2, Memory: 4 << 30, VIFs: []xo.VIFSpec{{Device: "0", Network: wireNetwork}},
		CloudConfig: "#cloud-config\nhostname: acme-web01\n", Boot: true})
	require.NoError(t, err)
	assert.Equal(t, wireVM, vm.ID)
	assert.Equal(t, "10.10.20.11", vm.MainIPAddress)
}

func TestWireListAndFind(t *testing.T) {
	w, c := newWire(t)
	// Collections: fields=* for objects, the complex-matcher filter, limit.
	w.handle(t, "GET /rest/v0/vms", url.Values{"fields": {"*"}, "filter": {`$pool:/^` + wirePool + `$/ name_label:/^acme-web01$/`}},
		"", http.StatusOK, `[`+vmFixture[:len(vmFixture)-1]+`,"href":"/rest/v0/vms/`+wireVM+`"}]`)
	vm, err := c.VMs.Find(context.Background(), wirePool, "acme-web01")
	require.NoError(t, err)
	assert.Equal(t, wireVM, vm.ID)

	w.handle(t, "GET /rest/v0/tasks", url.Values{"fields": {"id,status"}, "filter": {"status:/^failure$/"}, "limit": {"5"}}, "", http.StatusOK, `[]`)
	tasks, err := c.Tasks.List(context.Background(), &xo.ListOptions{Fields: []string{"id", "status"}, Filter: xo.Eq("status", "failure"), Limit: 5})
	require.NoError(t, err)
	assert.Empty(t, tasks)
}

func TestWireErrors(t *testing.T) {
	w, c := newWire(t)
	// The REST error bodies of @xen-orchestra/rest-api's generic error handler: an XO error
	// carries data; an XAPI error carries none, only its message CODE(params) and info.
	w.handle(t, "GET /rest/v0/vms/1234", nil, "", http.StatusNotFound, `{"error":"no such VM 1234","data":{"id":"1234","type":"VM"}}`)
	w.handle(t, "POST /rest/v0/vms/"+wireVM+"/actions/start", url.Values{}, "", http.StatusInternalServerError,
		`{"error":"VM_BAD_POWER_STATE(OpaqueRef:1, halted, running)","info":"This is a XenServer/XCP-ng error, not an XO error"}`)
	_, err := c.VMs.Get(context.Background(), "1234")
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	var ae *xo.APIError
	err = c.VMs.Start(context.Background(), wireVM)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 500, ae.StatusCode)
	assert.Equal(t, "VM_BAD_POWER_STATE", ae.XapiCode)
}

func TestWireBackupJobLifecycle(t *testing.T) {
	w, c := newWire(t)
	ctx := context.Background()
	// backupNg.createJob answers the job id (the reference's example).
	w.rpc["backupNg.createJob"] = func(map[string]any) (any, error) { return wireJob, nil }
	// The backup job of the reference's object shapes, as REST reads it.
	job := `{"id":"` + wireJob + `","type":"backup","name":"acme-nightly","mode":"delta",
	  "vms":{"id":{"__or":["` + wireVM + `"]}},"remotes":{"id":"` + wireRemote + `"},"srs":{"id":{"__or":[]}},
	  "settings":{"":{"timezone":"Europe/Paris","reportWhen":"failure","concurrency":2},"` + wireSchedule + `":{"exportRetention":7,"snapshotRetention":1}},
	  "userId":"722d"}`
	w.handle(t, "GET /rest/v0/backup-jobs/"+wireJob, url.Values{}, "", http.StatusOK, job)
	w.handle(t, "GET /rest/v0/schedules", url.Values{"fields": {"*"}, "filter": {`jobId:/^` + wireJob + `$/`}}, "", http.StatusOK,
		`[{"id":"`+wireSchedule+`","jobId":"`+wireJob+`","cron":"0 1 * * *","enabled":true,"name":"acme-nightly","timezone":"Europe/Paris","userId":"722d","href":"/rest/v0/schedules/`+wireSchedule+`"}]`)

	created, err := c.BackupJobs.Create(ctx, xo.DeltaBackupJob("acme-nightly", xo.IDs(wireVM), wireRemote, "0 1 * * *", "Europe/Paris", 7))
	require.NoError(t, err)
	assert.Equal(t, wireJob, created.ID)
	assert.Equal(t, wireSchedule, created.Schedule.ID)
	calls := w.rpcCalls("backupNg.createJob")
	require.Len(t, calls, 1)
	assert.Equal(t, map[string]any{
		"name": "acme-nightly", "mode": "delta",
		"vms": map[string]any{"id": wireVM}, "remotes": map[string]any{"id": wireRemote}, "srs": map[string]any{"id": map[string]any{"__or": []any{}}},
		"schedules": map[string]any{"sitekit-schedule": map[string]any{"name": "acme-nightly", "cron": "0 1 * * *", "timezone": "Europe/Paris", "enabled": true}},
		"settings": map[string]any{
			"":                 map[string]any{"reportWhen": "failure", "timezone": "Europe/Paris", "concurrency": float64(2)},
			"sitekit-schedule": map[string]any{"exportRetention": float64(7)},
		},
	}, calls[0])

	// A retention change sends the complete settings: xo-server's editJob replaces settings
	// whole (updateJob's patch is one level deep), so reportWhen, concurrency and the other
	// per-schedule keys must be sent back.
	w.rpc["backupNg.editJob"] = func(map[string]any) (any, error) { return true, nil }
	_, err = c.BackupJobs.Update(ctx, wireJob, xo.BackupJobUpdate{Retention: map[string]xo.Retention{wireSchedule: {Export: 14}}})
	require.NoError(t, err)
	calls = w.rpcCalls("backupNg.editJob")
	require.Len(t, calls, 1)
	assert.Equal(t, map[string]any{"id": wireJob, "settings": map[string]any{
		"":           map[string]any{"timezone": "Europe/Paris", "reportWhen": "failure", "concurrency": float64(2)},
		wireSchedule: map[string]any{"exportRetention": float64(14), "snapshotRetention": float64(1)},
	}}, calls[0])

	// A rename sends the name only.
	name := "acme-nightly-2"
	_, err = c.BackupJobs.Update(ctx, wireJob, xo.BackupJobUpdate{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": wireJob, "name": name}, w.rpcCalls("backupNg.editJob")[1])

	w.rpc["backupNg.deleteJob"] = func(map[string]any) (any, error) { return true, nil }
	require.NoError(t, c.BackupJobs.Delete(ctx, wireJob))
	assert.Equal(t, []map[string]any{{"id": wireJob}}, w.rpcCalls("backupNg.deleteJob"))
	assert.Empty(t, w.rpcCalls("schedule.delete"), "xo-server deletes the job's schedules itself")
	assert.Equal(t, []map[string]any{{"token": "tok"}}, w.rpcCalls("session.signIn"))
}

func TestWireMetadataJobRetentionSendsCompleteSettings(t *testing.T) {
	w, c := newWire(t)
	ctx := context.Background()
	// A metadata job as REST reads it (type metadataBackup, reference object shapes).
	w.handle(t, "GET /rest/v0/backup-jobs/"+wireJob, url.Values{}, "", http.StatusOK,
		`{"id":"`+wireJob+`","type":"metadataBackup","name":"meta","pools":{"id":"`+wirePool+`"},"xoMetadata":true,
		  "remotes":{"id":"`+wireRemote+`"},"settings":{"":{"reportWhen":"failure","timezone":"Europe/Paris"},
		  "`+wireSchedule+`":{"retentionPoolMetadata":7,"retentionXoMetadata":7}},"userId":"722d"}`)
	w.rpc["metadataBackup.editJob"] = func(map[string]any) (any, error) { return true, nil }
	_, err := c.MetadataBackupJobs.Update(ctx, wireJob, xo.MetadataBackupJobUpdate{
		Retention: map[string]xo.MetadataRetention{wireSchedule: {PoolMetadata: 3}}})
	require.NoError(t, err)
	calls := w.rpcCalls("metadataBackup.editJob")
	require.Len(t, calls, 1)
	assert.Equal(t, map[string]any{"id": wireJob, "settings": map[string]any{
		"":           map[string]any{"reportWhen": "failure", "timezone": "Europe/Paris"},
		wireSchedule: map[string]any{"retentionPoolMetadata": float64(3), "retentionXoMetadata": float64(7)},
	}}, calls[0], "xo-server replaces settings whole: the job-wide entry and the XO retention are sent back")

	// Clearing the pools sends null, which xo-server's patch turns into a deletion.
	_, err = c.MetadataBackupJobs.Update(ctx, wireJob, xo.MetadataBackupJobUpdate{Pools: []string{}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": wireJob, "pools": nil}, w.rpcCalls("metadataBackup.editJob")[1])
}
