package netdatatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/netdata/netdatatest"
)

// Fidelity: the simulator's behaviours with their evidence. "Recorded" is a sample of
// netdata/testdata/recorded (Debian 12 netdata 1.37.1-2, the reference's recordings);
// "observed" was checked on the same package run by .ci/netdata.sh (1.37.1-2, 2026-12-07),
// the agent the netdata integration tests use in CI; "swagger" is the agent's own API
// description (v1.37.1 or master ≈ v2.11); "inferred" has no such evidence.

// get answers path with its status, content type and body.
func get(t *testing.T, srv *netdatatest.Server, path string) (int, string, string) {
	t.Helper()
	resp, err := client(t).Get(srv.URL() + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func count(t *testing.T, body string) int {
	t.Helper()
	var n []int
	require.NoError(t, json.Unmarshal([]byte(body), &n), body)
	require.Len(t, n, 1)
	return n[0]
}

func alarmKeys(t *testing.T, body string) []string {
	t.Helper()
	var a struct {
		Alarms map[string]any `json:"alarms"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &a), body)
	keys := []string{}
	for k := range a.Alarms {
		keys = append(keys, k)
	}
	return keys
}

func TestFidelityAlarmsQuery(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	require.NoError(t, srv.RaiseAlarm("", "cpu_hot", "system.cpu", netdata.StatusCritical, 97))
	// Observed: /api/v1/alarms?all lists every enabled alarm, ?active and the bare path the
	// raised ones only, and "all=" is not the "all" keyword (the agent compares whole query
	// tokens): it lists the raised ones too.
	_, _, body := get(t, srv, "/api/v1/alarms?all")
	assert.Len(t, alarmKeys(t, body), 3, "two stock alarms and the raised one")
	for _, q := range []string{"?active", "", "?all=", "?active="} {
		_, _, body := get(t, srv, "/api/v1/alarms"+q)
		assert.Equal(t, []string{"system.cpu.cpu_hot"}, alarmKeys(t, body), q)
	}
}

func TestFidelityAlarmCount(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	require.NoError(t, srv.RaiseAlarm("", "cpu_hot", "system.cpu", netdata.StatusCritical, 97))
	require.NoError(t, srv.RaiseAlarm("", "ram_warm", "system.ram", netdata.StatusWarning, 70))
	// Observed (and netdata.md §3.4): alarm_count answers a one-element JSON array; without
	// status it counts RAISED (WARNING + CRITICAL); context and status combine.
	for q, want := range map[string]int{"": 2, "?status=RAISED": 2, "?status=CRITICAL": 1, "?status=WARNING": 1,
		"?context=system.cpu": 1, "?context=system.cpu&status=WARNING": 0, "?status=CLEAR": 1} {
		st, ct, body := get(t, srv, "/api/v1/alarm_count"+q)
		require.Equal(t, http.StatusOK, st, q)
		assert.Equal(t, "application/json; charset=utf-8", ct)
		assert.Equal(t, want, count(t, body), q)
	}
}

func TestFidelityErrorsAndHosts(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	srv.AddChild("web")
	for _, tc := range []struct {
		path, ctype, body string
		status            int
	}{
		// Observed: an unknown child of a parent, an unknown v1 command, an unknown context
		// (404 with a JSON content type and no body).
		{"/host/ghost/api/v1/info", "text/html; charset=utf-8", "This netdata does not maintain a database for host: ghost", 404},
		{"/api/v1/nope", "text/plain; charset=utf-8", "Unsupported v1 API command: nope", 404},
		{"/api/v1/context?context=nope", "application/json; charset=utf-8", "", 404},
	} {
		st, ct, body := get(t, srv, tc.path)
		assert.Equal(t, tc.status, st, tc.path)
		assert.Equal(t, tc.ctype, ct, tc.path)
		assert.Equal(t, tc.body, body, tc.path)
	}
	// netdata.md §1 (web_client.c host switching): a parent serves a child's API under
	// /host/<hostname>/ and lists it in mirrored_hosts.
	mirrored := func(path string) []any {
		v, resp := fetch(t, srv.URL()+path)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		return v.(map[string]any)["mirrored_hosts"].([]any)
	}
	assert.Equal(t, []any{"web"}, mirrored("/host/web/api/v1/info"))
	assert.Equal(t, []any{"vm", "web"}, mirrored("/api/v1/info"))
}

func TestFidelityHeaders(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	resp, err := client(t).Get(srv.URL() + "/api/v1/info")
	require.NoError(t, err)
	resp.Body.Close()
	// Recorded (testdata/recorded README): the headers of every 1.37.1 API answer.
	assert.Equal(t, "Netdata Embedded HTTP Server v1.37.1", resp.Header.Get("Server"))
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
	assert.Equal(t, "no-cache, no-store, must-revalidate", resp.Header.Get("Cache-Control"))
	assert.True(t, resp.Close, "Connection: close on every answer")
}

func TestFidelityDataOrderAndJSON2On137(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	synctest.Test(t, func(t *testing.T) {
		hc := &http.Client{Transport: memory{srv.Handler()}}
		rows := func(q string) (labels []string, data [][]float64) {
			v, _ := fetchWith(t, hc, srv.URL()+"/api/v1/data?chart=system.cpu&after=-4&points=2"+q)
			m := v.(map[string]any)
			for _, l := range m["labels"].([]any) {
				labels = append(labels, l.(string))
			}
			for _, r := range m["data"].([]any) {
				var row []float64
				for _, c := range r.([]any) {
					row = append(row, c.(float64))
				}
				data = append(data, row)
			}
			return labels, data
		}
		// Recorded (v1_data_system.cpu_points10.json) and observed: rows newest first,
		// unix seconds in the first column; options=flip gives oldest first.
		labels, newest := rows("")
		assert.Equal(t, "time", labels[0])
		require.Len(t, newest, 2)
		assert.Equal(t, float64(time.Now().Unix()), newest[0][0])
		assert.Greater(t, newest[0][0], newest[1][0])
		_, flipped := rows("&options=flip")
		assert.Equal(t, newest[1][0], flipped[0][0])
		// netdata.md §3.3 (recorded) and observed: format=json2 on 1.37.1 silently answers
		// the plain json format.
		l2, json2 := rows("&format=json2")
		assert.Equal(t, labels, l2)
		assert.Equal(t, newest, json2)
	})
}

func TestFidelityManagement(t *testing.T) {
	srv := netdatatest.NewTestServer(t)
	h := func(query, token string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, srv.URL()+"/api/v1/manage/health?"+query, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		resp, err := client(t).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	key := srv.Token().Reveal()
	// Recorded transcript (v1_manage_health_transcript.txt): X-Auth-Token carries the key,
	// a missing or wrong one answers 403 "Auth Error", the bodies below, an unknown command
	// answers 200 with an empty body.
	st, body := h("cmd=LIST", "")
	assert.Equal(t, http.StatusForbidden, st)
	assert.Equal(t, "Auth Error", body)
	st, _ = h("cmd=LIST", "wrong")
	assert.Equal(t, http.StatusForbidden, st)
	st, body = h("cmd=SILENCE&alarm=research_cpu_always_warn", key)
	assert.Equal(t, http.StatusOK, st)
	assert.Equal(t, "Alarm notifications silenced for alarms matching the selectors\nAlarm selector added\n", body)
	_, body = h("cmd=LIST", key)
	assert.JSONEq(t, `{"all": false, "type": "SILENCE", "silencers": [{"alarm": "research_cpu_always_warn"}]}`, body)
	_, body = h("cmd=DISABLE%20ALL", key)
	assert.Equal(t, "All health checks are disabled\n", body)
	_, body = h("cmd=LIST", key)
	assert.JSONEq(t, `{"all": true, "type": "DISABLE", "silencers": [{"alarm": "research_cpu_always_warn"}]}`, body)
	_, body = h("cmd=RESET", key)
	assert.Equal(t, "All health checks and notifications are enabled\n", body)
	_, body = h("cmd=LIST", key)
	assert.JSONEq(t, `{"all": false, "type": "None", "silencers": []}`, body)
	st, body = h("cmd=BOGUS", key)
	assert.Equal(t, http.StatusOK, st)
	assert.Empty(t, body)
}

// WithSeed makes the machine GUIDs and alarm ids reproducible; a different seed gives
// different ones. Simulator behaviour, no vendor claim.
func TestSeedMakesRandomnessReproducible(t *testing.T) {
	ids := func(seed uint64) (string, string) {
		srv := netdatatest.NewTestServer(t, netdatatest.WithSeed(seed))
		v, _ := fetch(t, srv.URL()+"/api/v1/alarms?all")
		a := v.(map[string]any)["alarms"].(map[string]any)["system.cpu.10min_cpu_usage"].(map[string]any)
		id := strconv.FormatFloat(a["id"].(float64), 'f', 0, 64)
		info, _ := fetch(t, srv.URL()+"/api/v1/info")
		return info.(map[string]any)["uid"].(string), id
	}
	uid1, a1 := ids(7)
	uid2, a2 := ids(7)
	uid3, _ := ids(8)
	assert.Equal(t, uid1, uid2)
	assert.Equal(t, a1, a2)
	assert.NotEqual(t, uid1, uid3)
}
