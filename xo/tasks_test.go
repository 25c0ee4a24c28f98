package xo_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// Evidence: reference xo.md §1 (XO 5.113 answers {"taskId"}, older a text path) and §3.4
// (GET /tasks/<id>?wait=true; ≤ 5.109 ended a wait at the next state change).
func TestAsyncActionVariants(t *testing.T) {
	for name, opts := range map[string][]xotest.Option{
		"json taskId":              nil,
		"legacy text body":         {xotest.WithLegacyTaskBody()},
		"pending tasks, wait":      {xotest.WithTaskPolls(3)},
		"wait ignored, polling":    {xotest.WithTaskPolls(3), xotest.WithIgnoreWait()},
		"legacy body with polling": {xotest.WithLegacyTaskBody(), xotest.WithTaskPolls(2), xotest.WithIgnoreWait()},
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := setup(t, opts...)
			ctx := ctx(t)
			n, err := c.Networks.Create(ctx, xo.NetworkCreateRequest{Pool: srv.PoolID, Name: "mgmt", PIF: srv.Eth1PIFID, VLAN: 10})
			require.NoError(t, err)
			assert.Equal(t, "mgmt", n.NameLabel)
			tasks, err := c.Tasks.List(ctx, &xo.ListOptions{Filter: xo.Eq("status", "success")})
			require.NoError(t, err)
			require.Len(t, tasks, 1)
			assert.Equal(t, "REST API: create network", tasks[0].Properties.Name)
			assert.Equal(t, "xo:rest-api:action", tasks[0].Properties.Type)
			assert.JSONEq(t, `{"id":"`+n.ID+`"}`, string(tasks[0].Result))
			assert.NotZero(t, tasks[0].End)
		})
	}
}

// Evidence: reference xo.md §3.3 (sync=true: 201 {"id"} for creators, 204 for void actions,
// errors mapped by the generic error handler, §8.3).
func TestSyncActions(t *testing.T) {
	srv := xotest.NewTestServer(t)
	hc := rawClient(t, srv)
	cookie := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "authenticationToken", Value: srv.Token()}) }
	// Reference §6.1 example, replayed with ids of the simulator.
	body := map[string]any{"name_label": "acme-web01", "template": srv.DebianTemplateID, "cpus": 2, "memory": 4294967296,
		"vifs":           []any{map[string]any{"device": "0", "network": srv.ManagementNetworkID}},
		"vdis":           []any{map[string]any{"userdevice": "0", "size": 21474836480}},
		"cloud_config":   "#cloud-config\nhostname: acme-web01\npackages: [apache2, mariadb-server, php]\n",
		"network_config": "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.10.20.11/24\n        gateway: 10.10.20.1\n        dns_nameservers: [10.10.20.1]\n",
		"boot":           true, "destroy_cloud_config_vdi": false}
	resp, b := do(t, hc, "POST", srv.URL()+"/rest/v0/pools/"+srv.PoolID+"/actions/create_vm?sync=true", body, cookie)
	require.Equal(t, 201, resp.StatusCode, string(b))
	var created struct{ ID string }
	require.NoError(t, json.Unmarshal(b, &created))
	assert.Equal(t, "Running", srv.Object("vms", created.ID)["power_state"])

	resp, _ = do(t, hc, "POST", srv.URL()+"/rest/v0/vms/"+created.ID+"/actions/hard_shutdown?sync=true", nil, cookie)
	assert.Equal(t, 204, resp.StatusCode)
	resp, b = do(t, hc, "POST", srv.URL()+"/rest/v0/vms/"+created.ID+"/actions/clean_shutdown?sync=true", nil, cookie)
	assert.Equal(t, 500, resp.StatusCode)
	assert.Contains(t, string(b), "VM_BAD_POWER_STATE")
	assert.Contains(t, string(b), "not an XO error")
	resp, b = do(t, hc, "POST", srv.URL()+"/rest/v0/vms/"+created.ID+"/actions/snapshot?sync=true", map[string]any{"name_label": "s1"}, cookie)
	assert.Equal(t, 201, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Location"), "/rest/v0/vm-snapshots/")
	_ = b

	// 422: unknown field, missing required field, out-of-range VLAN, bad enum.
	for _, bad := range []map[string]any{
		{"name": "x", "pif": srv.Eth1PIFID, "vlan": 10, "color": "blue"},
		{"name": "x", "pif": srv.Eth1PIFID},
		{"name": "x", "pif": srv.Eth1PIFID, "vlan": 5000},
	} {
		resp, b = do(t, hc, "POST", srv.URL()+"/rest/v0/pools/"+srv.PoolID+"/actions/create_network", bad, cookie)
		assert.Equal(t, 422, resp.StatusCode, string(b))
	}
	resp, b = do(t, hc, "POST", srv.URL()+"/rest/v0/pools/"+srv.PoolID+"/actions/create_vm", map[string]any{"name_label": "x", "template": srv.DebianTemplateID, "high_availability": "always"}, cookie)
	assert.Equal(t, 422, resp.StatusCode, string(b))
	assert.Contains(t, string(b), "body.high_availability")
	resp, _ = do(t, hc, "POST", srv.URL()+"/rest/v0/pools/00000000-0000-4000-8000-000000000000/actions/create_vm", map[string]any{"name_label": "x", "template": srv.DebianTemplateID}, cookie)
	assert.Equal(t, 404, resp.StatusCode)
}

// Evidence: reference xo.md §3.1 (no fields → hrefs, fields=* → objects + href, limit after
// the filter, ndjson, markdown, both → 422, filter parse error → 400 with stringToParse).
func TestCollectionQueries(t *testing.T) {
	srv := xotest.NewTestServer(t)
	hc := rawClient(t, srv)
	cookie := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "authenticationToken", Value: srv.Token()}) }
	get := func(q string) (*http.Response, string) {
		resp, b := do(t, hc, "GET", srv.URL()+"/rest/v0/pifs"+q, nil, cookie)
		return resp, string(b)
	}
	resp, b := get("?fields=device,vlan&filter=" + "device:eth1")
	require.Equal(t, 200, resp.StatusCode, b)
	assert.JSONEq(t, `[{"device":"eth1","vlan":-1,"href":"/rest/v0/pifs/`+srv.Eth1PIFID+`"}]`, b)
	resp, b = get("?fields=device&ndjson=true")
	assert.Equal(t, "application/x-ndjson", resp.Header.Get("Content-Type"))
	assert.Equal(t, 2, len(splitLines(b)))
	resp, _ = get("?markdown=true")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/markdown")
	resp, _ = get("?markdown=true&ndjson=true")
	assert.Equal(t, 422, resp.StatusCode)
	resp, b = get("?filter=" + "(device:eth0")
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, b, "stringToParse")
	_, b = get("?fields=device&limit=1")
	var limited []any
	require.NoError(t, json.Unmarshal([]byte(b), &limited))
	assert.Len(t, limited, 1)
	_, b = get("?fields=device&filter=" + "|(device:eth0%20device:eth1)%20!management?")
	assert.JSONEq(t, `[{"device":"eth1","href":"/rest/v0/pifs/`+srv.Eth1PIFID+`"}]`, b)
	_, b = get("?fields=device&filter=" + "speed:>10000%20mac:/:00$/")
	assert.JSONEq(t, `[{"device":"eth0","href":"/rest/v0/pifs/`+srv.Eth0PIFID+`"}]`, b)
}

func splitLines(s string) []string {
	var out []string
	for _, l := range bytesSplit(s) {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func bytesSplit(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
