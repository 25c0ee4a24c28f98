package netdata_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/netdata"
)

// Wire-level tests: the client talks to a plain httptest mux (not the simulator) that checks
// the method, path, query and headers of each request and answers with the bodies recorded
// from a real Netdata 1.37.1 agent (testdata/recorded, copied from the agent's answers).

const wireToken = "4c9f1d2e-0000-4000-8000-00000000beef"

// wire returns a client of a plain httptest server and the mux serving it.
func wire(t *testing.T) (*netdata.Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := netdata.New(srv.URL, sitekit.WithToken(sitekit.NewSecret(wireToken)),
		sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	return c, mux
}

// answer checks a GET with exactly query q and answers body with contentType.
func answer(t *testing.T, q url.Values, contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, q, r.URL.Query(), r.URL.RawQuery)
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}
}

// entries unwraps a recorded alarm log: the agent answers a top-level array, the sample file
// wraps it as {"entries": [...]}.
func entries(t *testing.T, name string) []byte {
	t.Helper()
	var wrapped struct {
		Entries json.RawMessage `json:"entries"`
	}
	require.NoError(t, json.Unmarshal(recorded(t, name), &wrapped))
	return wrapped.Entries
}

const jsonCT = "application/json; charset=utf-8"

func TestWireInfo(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/info", answer(t, url.Values{}, jsonCT, recorded(t, "v1_info.json")))
	info, err := c.Info(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "v1.37.1", info.Version)
	assert.Equal(t, netdata.Int(2), info.CoresTotal)
}

func TestWireChartsList(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/charts", answer(t, url.Values{}, jsonCT, recorded(t, "v1_charts_trimmed.json")))
	charts, err := c.Charts.List(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, charts, 5, "the 5 charts of the trimmed sample")
	ids := []string{}
	for _, ch := range charts {
		ids = append(ids, ch.ID)
	}
	assert.IsIncreasing(t, ids)
	assert.Contains(t, ids, "system.cpu")
	cpu, err := c.Charts.List(t.Context(), &netdata.ChartListOptions{Context: "system.cpu"})
	require.NoError(t, err)
	require.Len(t, cpu, 1)
	assert.Equal(t, "percentage", cpu[0].Units)
}

func TestWireChartGet(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/chart", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("chart") != "system.cpu" {
			// recorded 1.37.1 answer for an unknown chart
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("Chart is not found: " + r.URL.Query().Get("chart")))
			return
		}
		answer(t, url.Values{"chart": {"system.cpu"}}, jsonCT, recorded(t, "v1_chart_system.cpu.json"))(w, r)
	})
	ch, err := c.Charts.Get(t.Context(), "system.cpu")
	require.NoError(t, err)
	assert.Equal(t, int64(1795639088), ch.LastCollected().Unix())
	_, err = c.Charts.Get(t.Context(), "nope.nope")
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	assert.Contains(t, err.Error(), "Chart is not found: nope.nope")
}

func TestWireContextsList(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/contexts", answer(t, url.Values{}, jsonCT, recorded(t, "v1_contexts_trimmed.json")))
	ctxs, err := c.Contexts.List(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, ctxs, 2, "the 2 contexts of the trimmed sample")
	var jitter *netdata.Context
	for i := range ctxs {
		if ctxs[i].Name == "system.idlejitter" {
			jitter = &ctxs[i]
		}
	}
	require.NotNil(t, jitter)
	assert.Equal(t, "microseconds lost/s", jitter.Units)
	assert.True(t, bool(jitter.Collected))
}

func TestWireData(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/data", answer(t, url.Values{
		"chart": {"system.cpu"}, "after": {"-60"}, "points": {"5"}, "format": {"json"},
		"options": {"jsonwrap|seconds|absolute"}, "dimension": {"user|system"},
	}, jsonCT, recorded(t, "v1_data_system.cpu_jsonwrap.json")))
	d, err := c.Data(t.Context(), netdata.DataQuery{Chart: "system.cpu", After: -60, Points: 5,
		Dimensions: []string{"user", "system"}, Options: []string{"absolute", "flip"}})
	require.NoError(t, err)
	require.Len(t, d.Rows, 5)
	assert.True(t, d.Rows[0].Time.Before(d.Rows[4].Time), "rows oldest first")
}

func TestWireAlarms(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/alarms", func(w http.ResponseWriter, r *http.Request) {
		// The agent matches the bare tokens "active" and "all": "all=" would list the raised
		// alarms only (observed on a real 1.37.1 agent).
		switch r.URL.RawQuery {
		case "active":
			answer(t, url.Values{"active": {""}}, jsonCT, recorded(t, "v1_alarms_active_warning_critical.json"))(w, r)
		case "all":
			answer(t, url.Values{"all": {""}}, jsonCT, recorded(t, "v1_alarms_all_trimmed.json"))(w, r)
		default:
			t.Errorf("unexpected query %q", r.URL.RawQuery)
		}
	})
	raised, err := c.Alarms.List(t.Context(), &netdata.AlarmListOptions{Active: true})
	require.NoError(t, err)
	require.Len(t, raised, 2)
	assert.Equal(t, "research_cpu_always_crit", raised[0].Name, "sorted by chart then name")
	r, err := c.Alarms.Report(t.Context(), &netdata.AlarmListOptions{Active: true})
	require.NoError(t, err)
	assert.Equal(t, netdata.Int(1795639199), r.LatestAlarmLogUniqueID)
	assert.Equal(t, netdata.Int(1795639180), r.Now)
	all, err := c.Alarms.List(t.Context(), nil)
	require.NoError(t, err)
	assert.Len(t, all, 4, "nil options ask ?all (4 alarms in the trimmed sample)")
}

func TestWireAlarmLogAndCount(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/alarm_log", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("after") {
			answer(t, url.Values{"after": {"1795639183"}}, jsonCT, entries(t, "v1_alarm_log_warning_critical.json"))(w, r)
			return
		}
		answer(t, url.Values{}, jsonCT, entries(t, "v1_alarm_log_trimmed.json"))(w, r)
	})
	// alarm_count answers a one-element array (reference: "[1]").
	mux.HandleFunc("/api/v1/alarm_count", answer(t, url.Values{"context": {"system.cpu"}, "status": {"CRITICAL"}}, jsonCT, []byte("[1]")))
	log, err := c.Alarms.Log(t.Context(), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, log)
	log, err = c.Alarms.Log(t.Context(), &netdata.AlarmLogOptions{After: 1795639183})
	require.NoError(t, err)
	require.NotEmpty(t, log)
	assert.Equal(t, netdata.StatusCritical, log[0].Status)
	n, err := c.Alarms.Count(t.Context(), &netdata.AlarmCountOptions{Contexts: []string{"system.cpu"}, Status: netdata.StatusCritical})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func TestWireAllMetricsAndRegistry(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/api/v1/allmetrics", answer(t, url.Values{"format": {"prometheus"}, "filter": {"system.cpu"}},
		"text/plain; version=0.0.4", recorded(t, "v1_allmetrics_prometheus_head.txt")))
	mux.HandleFunc("/api/v1/registry", answer(t, url.Values{"action": {"hello"}}, jsonCT, recorded(t, "v1_registry_hello.json")))
	samples, err := c.AllMetrics(t.Context(), &netdata.AllMetricsOptions{Filter: "system.cpu"})
	require.NoError(t, err)
	assert.Equal(t, "netdata_info", samples[0].Name)
	h, err := c.RegistryHello(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "91360632-e90f-11f1-9230-02fc00000001", h.MachineGUID)
}

// The health-management bodies below are the ones of the recorded 1.37.1 transcript
// (testdata/recorded/v1_manage_health_transcript.txt).
func TestWireHealthManagement(t *testing.T) {
	c, mux := wire(t)
	var cmds []string
	mux.HandleFunc("/api/v1/manage/health", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, wireToken, r.Header.Get("X-Auth-Token"), "the key goes in X-Auth-Token")
		assert.Empty(t, r.Header.Get("Authorization"), "1.37 refuses Authorization: Bearer")
		q := r.URL.Query()
		cmds = append(cmds, r.URL.RawQuery)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		switch q.Get("cmd") {
		case "SILENCE":
			assert.Equal(t, url.Values{"cmd": {"SILENCE"}, "alarm": {"research_cpu_always_warn"}}, q)
			_, _ = w.Write([]byte("Alarm notifications silenced for alarms matching the selectors\nAlarm selector added\n"))
		case "LIST":
			w.Header().Set("Content-Type", jsonCT)
			_, _ = w.Write([]byte(`{"all": false, "type": "SILENCE", "silencers": [{"alarm": "research_cpu_always_warn"}]}`))
		case "DISABLE ALL":
			_, _ = w.Write([]byte("All health checks are disabled\n"))
		case "RESET":
			_, _ = w.Write([]byte("All health checks and notifications are enabled\n"))
		}
	})
	ctx := t.Context()
	msg, err := c.HealthManagement.Silence(ctx, netdata.Selectors{Alarm: "research_cpu_always_warn"})
	require.NoError(t, err)
	assert.Equal(t, "Alarm notifications silenced for alarms matching the selectors\nAlarm selector added", msg)
	list, err := c.HealthManagement.Silencers(ctx)
	require.NoError(t, err)
	assert.Equal(t, netdata.Silencers{Type: "SILENCE", Silencers: []netdata.Selectors{{Alarm: "research_cpu_always_warn"}}}, *list)
	msg, err = c.HealthManagement.DisableAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, "All health checks are disabled", msg)
	msg, err = c.HealthManagement.Reset(ctx)
	require.NoError(t, err)
	assert.Equal(t, "All health checks and notifications are enabled", msg)
	assert.Equal(t, []string{"alarm=research_cpu_always_warn&cmd=SILENCE", "cmd=LIST", "cmd=DISABLE+ALL", "cmd=RESET"}, cmds)
}

// A parent serves a child's API under /host/<name>/.
func TestWireHostPrefix(t *testing.T) {
	c, mux := wire(t)
	mux.HandleFunc("/host/web/api/v1/info", answer(t, url.Values{}, jsonCT, recorded(t, "v1_info.json")))
	info, err := c.Host("web").Info(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "v1.37.1", info.Version)
}
