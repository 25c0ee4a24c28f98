package netdatatest_test

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/netdata/netdatatest"
)

// The simulator's answers have the recorded 1.37.1 shapes: every key of the recorded sample
// exists with the same JSON kind (a recorded null accepts anything; "_trimmed_note"/"_note"
// are annotations of the samples).

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "?"
}

func sameShape(t *testing.T, path string, rec, sim any) {
	t.Helper()
	if rec == nil {
		return
	}
	if !assert.Equal(t, kind(rec), kind(sim), "%s: recorded %s, simulator %s", path, kind(rec), kind(sim)) {
		return
	}
	switch r := rec.(type) {
	case map[string]any:
		s := sim.(map[string]any)
		if dynamicKeys(path) { // keys are data (chart ids, alarm names): compare one value's shape
			for _, rv := range r {
				for _, sv := range s {
					sameShape(t, path+".*", rv, sv)
					break
				}
				break
			}
			return
		}
		for k, rv := range r {
			if k == "_trimmed_note" || k == "_note" {
				continue
			}
			sv, ok := s[k]
			if !assert.True(t, ok, "%s.%s missing in the simulator", path, k) {
				continue
			}
			sameShape(t, path+"."+k, rv, sv)
		}
	case []any:
		s := sim.([]any)
		if len(r) > 0 && len(s) > 0 {
			sameShape(t, path+"[0]", r[0], s[0])
		}
	}
}

func dynamicKeys(path string) bool {
	for _, suffix := range []string{".charts", ".alarms", ".dimensions", ".chart_labels", ".functions"} {
		if strings.HasSuffix(path, suffix) && path != "v1_info.json.alarms" {
			return true
		}
	}
	return false
}

// client is an HTTP client for the loopback simulator (its self-signed certificate is not
// checked: these tests look at the answers' shapes, the netdata client tests pin it).
func client(t *testing.T) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback simulator
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// memory serves the simulator's handler in memory, so that a test inside a testing/synctest
// bubble sees the agent on the bubble's clock.
type memory struct{ h http.Handler }

func (m memory) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func fetch(t *testing.T, url string) (any, *http.Response) {
	t.Helper()
	return fetchWith(t, client(t), url)
}

func fetchWith(t *testing.T, hc *http.Client, url string) (any, *http.Response) {
	t.Helper()
	resp, err := hc.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v, resp
}

func load(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "recorded", name))
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

// Every key of the recorded 1.37.1 answers exists in the simulator's, with the same JSON kind
// (testdata/recorded: info, chart, data json and jsonwrap, registry hello, charts, contexts,
// alarms, alarm_log).
func TestShapesMatchRecorded(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	require.NoError(t, srv.RaiseAlarm("", "research_cpu_always_crit", "system.cpu", netdata.StatusCritical, 79))
	require.NoError(t, srv.RaiseAlarm("", "research_cpu_always_warn", "system.cpu", netdata.StatusWarning, 79))
	cases := []struct{ file, path string }{
		{"v1_info.json", "/api/v1/info"},
		{"v1_chart_system.cpu.json", "/api/v1/chart?chart=system.cpu"},
		{"v1_data_system.cpu_points10.json", "/api/v1/data?chart=system.cpu&after=-60&points=10&format=json"},
		{"v1_data_system.cpu_jsonwrap.json", "/api/v1/data?chart=system.cpu&after=-60&points=5&format=json&options=jsonwrap"},
		{"v1_registry_hello.json", "/api/v1/registry?action=hello"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			sim, resp := fetch(t, srv.URL()+tc.path)
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
			sameShape(t, tc.file, load(t, tc.file), sim)
		})
	}
	// charts: top level, then one chart
	simCharts, _ := fetch(t, srv.URL()+"/api/v1/charts")
	recCharts := load(t, "v1_charts_trimmed.json").(map[string]any)
	sameShape(t, "charts", recCharts, simCharts)
	// contexts: the recorded contexts are not simulated; compare one context's shape
	simCtx, _ := fetch(t, srv.URL()+"/api/v1/contexts")
	recCtx := load(t, "v1_contexts_trimmed.json").(map[string]any)
	sameShape(t, "contexts", recCtx["contexts"].(map[string]any)["system.idlejitter"], simCtx.(map[string]any)["contexts"].(map[string]any)["system.cpu"])
	delete(recCtx, "contexts")
	sameShape(t, "contexts", recCtx, simCtx)

	// alarms: same keys per alarm, with strings where 1.37 sends strings
	simAl, _ := fetch(t, srv.URL()+"/api/v1/alarms?active")
	recAl := load(t, "v1_alarms_active_warning_critical.json").(map[string]any)
	sameShape(t, "alarms", recAl["alarms"].(map[string]any)["system.cpu.research_cpu_always_crit"],
		simAl.(map[string]any)["alarms"].(map[string]any)["system.cpu.research_cpu_always_crit"])
	delete(recAl, "alarms")
	sameShape(t, "alarms", recAl, simAl)

	// alarm log: a top-level array whose entries match the recorded ones
	simLog, _ := fetch(t, srv.URL()+"/api/v1/alarm_log")
	require.IsType(t, []any{}, simLog)
	recLog := load(t, "v1_alarm_log_warning_critical.json").(map[string]any)["entries"]
	sameShape(t, "alarm_log", recLog, simLog)
}

// The plain-text error answers of 1.37.1 (netdata.md §2 error table, recorded) and the 404
// text/html answer of /api/v2 and /api/v3 (recorded: v2_nodes_on_1.37.1_404.txt).
func TestPlainTextErrorsAndV2(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	for _, tc := range []struct {
		path, ctype, body string
		status            int
	}{
		{"/api/v1/data", "text/plain; charset=utf-8", "No chart or context is given.", 400},
		{"/api/v1/data?chart=nope.nope", "text/plain; charset=utf-8", "No metrics where matched to query.", 404},
		{"/api/v1/chart?chart=nope.nope", "text/plain; charset=utf-8", "Chart is not found: nope.nope", 404},
		{"/api/v1/manage/health?cmd=LIST", "text/plain; charset=utf-8", "Auth Error", 403},
		{"/api/v2/nodes", "text/html; charset=utf-8", "Unsupported API version: v2", 404},
		{"/api/v3/nodes", "text/html; charset=utf-8", "Unsupported API version: v3", 404},
	} {
		resp, err := client(t).Get(srv.URL() + tc.path)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, tc.path)
		assert.Equal(t, tc.ctype, resp.Header.Get("Content-Type"), tc.path)
		assert.Equal(t, tc.body, string(b), tc.path)
	}
	rec, err := os.ReadFile(filepath.Join("..", "testdata", "recorded", "v2_nodes_on_1.37.1_404.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(rec), "Unsupported API version: v2")
}

// With a 2.x version, numbers and booleans are JSON numbers and booleans and host labels are
// "labels" (swagger master components/schemas/info); /api/v1/data serves format=json2
// (swagger master jsonwrap2). The 2.x mode is built from the swagger only: no 2.x agent was
// recorded.
func TestV2ShapesAndJSON2(t *testing.T) {
	srv := netdatatest.NewTestServer(t, netdatatest.WithVersion("v2.11.0"))
	info, _ := fetch(t, srv.URL()+"/api/v1/info")
	m := info.(map[string]any)
	assert.Equal(t, "number", kind(m["cores_total"]))
	assert.Equal(t, "bool", kind(m["is_k8s_node"]))
	assert.Contains(t, m, "labels")
	// json2 is served by /api/v1/data on 2.x agents (format=json2); the newest row is the
	// agent's current second.
	synctest.Test(t, func(t *testing.T) {
		hc := &http.Client{Transport: memory{srv.Handler()}}
		resp2, err := hc.Get(srv.URL() + "/api/v1/data?chart=system.cpu&format=json2&points=3&after=-30")
		require.NoError(t, err)
		defer resp2.Body.Close()
		var d2 netdata.DataResult
		require.NoError(t, json.NewDecoder(resp2.Body).Decode(&d2))
		assert.Equal(t, "json2", d2.Format)
		require.Len(t, d2.Rows, 3)
		assert.Len(t, d2.DimensionIDs, 9)
		assert.Equal(t, time.Now().Unix(), d2.Rows[2].Time.Unix())
	})
}
