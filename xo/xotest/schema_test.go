package xotest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

type openAPI struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]schema `json:"schemas"`
	} `json:"components"`
}

func loadSpec(t testing.TB) *openAPI {
	t.Helper()
	b, err := os.ReadFile("testdata/swagger.json")
	require.NoError(t, err)
	var spec openAPI
	require.NoError(t, json.Unmarshal(b, &spec))
	return &spec
}

// responseSchema returns the schema of (method, path-template, status).
func (spec *openAPI) responseSchema(t testing.TB, method, tmpl, status string) schema {
	t.Helper()
	op, ok := spec.Paths[tmpl][strings.ToLower(method)]
	require.True(t, ok, "%s %s not in the OpenAPI document", method, tmpl)
	var o struct {
		Responses map[string]struct {
			Content map[string]struct {
				Schema schema `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	}
	require.NoError(t, json.Unmarshal(op, &o))
	r, ok := o.Responses[status]
	require.True(t, ok, "%s %s has no %s response", method, tmpl, status)
	return r.Content["application/json"].Schema
}

// populated returns a simulator with one object of every family, and a pinned HTTP client.
func populated(t *testing.T) (*Server, *http.Client, map[string]string) {
	srv := NewTestServer(t, WithBootPolls(0, 0))
	c, err := srv.Client()
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	n, err := c.Networks.Create(ctx, xo.NetworkCreateRequest{Pool: srv.PoolID, Name: "servers", PIF: srv.Eth1PIFID, VLAN: 20})
	require.NoError(t, err)
	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "web", CPUs: 2, Memory: 2 << 30,
		VIFs: []xo.VIFSpec{{Device: "0", Network: n.ID}}, CloudConfig: "#cloud-config\n", NetworkConfig: "version: 2\nethernets:\n  eth0:\n    addresses: [10.10.20.5/24]\n", Boot: true})
	require.NoError(t, err)
	_, err = c.VMs.Get(ctx, vm.ID) // boot tick: PV drivers + IP
	require.NoError(t, err)
	snap, err := c.VMs.Snapshot(ctx, vm.ID, "s")
	require.NoError(t, err)
	s, err := c.Servers.Create(ctx, xo.ServerCreateRequest{Host: "10.10.10.11", Username: "root", Password: sitekit.NewSecret("p")})
	require.NoError(t, err)
	require.NoError(t, c.Servers.Connect(ctx, s.ID))
	sr, err := c.SRs.CreateNFS(ctx, xo.NFSSRRequest{Host: srv.HostID, NameLabel: "nfs", Server: "10.10.0.20", ServerPath: "/mnt/tank/vms"})
	require.NoError(t, err)
	repo, err := c.BackupRepositories.CreateNFS(ctx, xo.NFSRepositoryRequest{Name: "r", Server: "10.10.0.20", Path: "/mnt/tank/b"})
	require.NoError(t, err)
	created, err := c.BackupJobs.Create(ctx, xo.DeltaBackupJob("nightly", xo.IDs(vm.ID), repo.ID, "0 1 * * *", "UTC", 7))
	require.NoError(t, err)
	job, sched := created.ID, created.Schedule.ID
	log, err := c.BackupJobs.Run(ctx, job, sched)
	require.NoError(t, err)
	tasks, err := c.Tasks.List(ctx, nil)
	require.NoError(t, err)
	alarms, err := c.Alarms.List(ctx, nil)
	require.NoError(t, err)
	vifs, err := c.VIFs.OfVM(ctx, vm.ID)
	require.NoError(t, err)
	vbds, err := c.VBDs.OfVM(ctx, vm.ID)
	require.NoError(t, err)
	ids := map[string]string{
		"pools": srv.PoolID, "hosts": srv.HostID, "pifs": srv.Eth1PIFID, "networks": n.ID, "srs": sr.ID,
		"vm-templates": srv.DebianTemplateID, "vms": vm.ID, "vm-snapshots": snap, "vifs": vifs[0].ID, "vbds": vbds[0].ID, "vdis": vbds[0].VDI,
		"tasks": tasks[0].ID, "servers": s.ID, "backup-repositories": repo.ID, "backup-jobs": job, "schedules": sched,
		"backup-logs": log.ID, "alarms": alarms[0].ID,
	}
	cfg, err := sitekit.TLSConfig{CertSHA256: []string{srv.Fingerprint()}}.Build()
	require.NoError(t, err)
	return srv, &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}, ids
}

// Evidence: the XO REST API 0.39.0 OpenAPI document (reference xo/swagger.json, copied to
// testdata): every object the simulator answers validates against its response schema.
func TestResponsesMatchOpenAPI(t *testing.T) {
	spec := loadSpec(t)
	srv, hc, ids := populated(t)
	checker := &schemaChecker{components: spec.Components.Schemas}
	get := func(path string) any {
		req, _ := http.NewRequest("GET", srv.URL()+"/rest/v0"+path, nil)
		req.AddCookie(&http.Cookie{Name: "authenticationToken", Value: srv.Token()})
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		require.Equal(t, 200, resp.StatusCode, "%s: %s", path, b)
		v, err := decodeAny(b)
		require.NoError(t, err)
		return v
	}
	checked := 0
	for coll, id := range ids {
		for _, q := range []string{"", "?fields=*", "?fields=id,name_label"} {
			sc := spec.responseSchema(t, "GET", "/"+coll, "200")
			errs := checker.validate(sc, get("/"+coll+q), "response")
			assert.Empty(t, errs, "GET /%s%s", coll, q)
			checked++
		}
		sc := spec.responseSchema(t, "GET", "/"+coll+"/{id}", "200")
		errs := checker.validate(sc, get("/"+coll+"/"+id), "response")
		assert.Empty(t, errs, "GET /%s/{id}", coll)
		checked++
	}
	errs := checker.validate(spec.responseSchema(t, "GET", "/dashboard", "200"), get("/dashboard"), "response")
	assert.Empty(t, errs, "GET /dashboard")
	t.Logf("%d responses checked against the OpenAPI schemas", checked+1)

	// The checker is not vacuous: a VM without its required fields fails.
	vm := get("/vms/" + ids["vms"]).(map[string]any)
	delete(vm, "power_state")
	vm["CPUs"] = "two"
	errs = checker.validate(spec.responseSchema(t, "GET", "/vms/{id}", "200"), vm, "response")
	assert.Contains(t, errs, "response.power_state")
	assert.Contains(t, errs, "response.CPUs")
}

// Evidence: reference xo.md §3.3 (rest-api base-controller createAction: 202 + Location +
// {"taskId"}, sync=true → 201 {"id"} or 204) and the OpenAPI document's action schemas.
func TestActionResponsesMatchOpenAPI(t *testing.T) {
	spec := loadSpec(t)
	srv, hc, ids := populated(t)
	checker := &schemaChecker{components: spec.Components.Schemas}
	post := func(path, body string) (int, any) {
		req, _ := http.NewRequest("POST", srv.URL()+"/rest/v0"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: "authenticationToken", Value: srv.Token()})
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if len(b) == 0 {
			return resp.StatusCode, nil
		}
		v, err := decodeAny(b)
		require.NoError(t, err, string(b))
		return resp.StatusCode, v
	}
	code, v := post("/pools/"+srv.PoolID+"/actions/create_network", `{"name":"dmz","pif":"`+srv.Eth1PIFID+`","vlan":25}`)
	require.Equal(t, 202, code)
	assert.Empty(t, checker.validate(spec.responseSchema(t, "POST", "/pools/{id}/actions/create_network", "201"), v, "response"))
	code, v = post("/pools/"+srv.PoolID+"/actions/create_vm?sync=true", `{"name_label":"x","template":"`+srv.DebianTemplateID+`"}`)
	require.Equal(t, 201, code)
	assert.Empty(t, checker.validate(spec.responseSchema(t, "POST", "/pools/{id}/actions/create_vm", "201"), v, "response"))
	code, v = post("/vms/"+ids["vms"]+"/actions/hard_shutdown", ``)
	require.Equal(t, 202, code)
	assert.Empty(t, checker.validate(spec.responseSchema(t, "POST", "/vms/{id}/actions/start", "202"), v, "response"))
	code, v = post("/servers", `{"host":"10.0.0.9","username":"root","password":"x"}`)
	require.Equal(t, 201, code)
	assert.Empty(t, checker.validate(spec.responseSchema(t, "POST", "/servers", "201"), v, "response"))
	code, v = post("/users/"+srv.UserID+"/authentication_tokens", `{"client":{"id":"c"}}`)
	require.Equal(t, 201, code)
	assert.Empty(t, checker.validate(spec.responseSchema(t, "POST", "/users/{id}/authentication_tokens", "201"), v, "response"))
}

// TestRequestSchemasMatchDocument guards requests.json (embedded) against drifting from
// testdata/swagger.json: each embedded schema accepts the document's own example body.
func TestRequestExamplesAccepted(t *testing.T) {
	spec := loadSpec(t)
	srv := NewTestServer(t)
	for route, sc := range srv.reqs {
		method, tmpl, _ := strings.Cut(route, " ")
		var op struct {
			RequestBody struct {
				Content map[string]struct {
					Example any `json:"example"`
				} `json:"content"`
			} `json:"requestBody"`
		}
		require.NoError(t, json.Unmarshal(spec.Paths[tmpl][strings.ToLower(method)], &op), route)
		ex := op.RequestBody.Content["application/json"].Example
		if ex == nil {
			continue
		}
		c := &schemaChecker{strict: true}
		assert.Empty(t, c.validate(sc, ex, "body"), "%s example", route)
	}
}
