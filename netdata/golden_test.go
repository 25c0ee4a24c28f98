package netdata_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/netdata"
)

// Golden tests: the responses recorded from a real Netdata 1.37.1 agent decode into the
// typed objects with the values they hold.

func recorded(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", name))
	require.NoError(t, err)
	return b
}

func TestGoldenInfo(t *testing.T) {
	var info netdata.Info
	require.NoError(t, json.Unmarshal(recorded(t, "v1_info.json"), &info))
	assert.Equal(t, "v1.37.1", info.Version)
	assert.Equal(t, "91360632-e90f-11f1-9230-02fc00000001", info.UID)
	assert.Equal(t, netdata.Int(2), info.CoresTotal, `"cores_total":"2" is a string on 1.37`)
	assert.Equal(t, netdata.Int(25276026880), info.RAMTotal)
	assert.Equal(t, netdata.Int(274877906944), info.TotalDiskSpace)
	assert.Equal(t, netdata.Int(2096000000), info.CPUFreq)
	assert.False(t, bool(info.IsK8sNode))
	assert.Equal(t, "dbengine", info.MemoryMode)
	assert.Equal(t, netdata.Int(42), info.Alarms.Normal)
	assert.Equal(t, []string{"vm"}, info.MirroredHosts)
	require.Len(t, info.MirroredHostsStatus, 1)
	assert.True(t, bool(info.MirroredHostsStatus[0].Reachable))
	assert.Equal(t, "2", info.HostLabels["_system_cores"])
	assert.True(t, bool(info.HTTPSEnabled))
	assert.False(t, bool(info.StreamEnabled))
	assert.Contains(t, info.Functions, "processes")
	assert.NotEmpty(t, info.Collectors)
	ma, mi, pa, ok := info.Semver()
	assert.True(t, ok)
	assert.Equal(t, [3]int{1, 37, 1}, [3]int{ma, mi, pa})
	assert.False(t, info.HasAPIv2())
	assert.False(t, info.HasAPIv3())
}

func TestGoldenInfo2x(t *testing.T) {
	// The master swagger shape: numbers and booleans as JSON numbers/booleans, "labels",
	// "stream_compression".
	body := `{"version":"v2.11.0","uid":"u","cores_total":4,"ram_total":8589934592,"is_k8s_node":true,
	"labels":{"_is_parent":"true"},"stream_compression":true,"functions":[],"alarms":{"normal":1,"warning":0,"critical":2}}`
	var info netdata.Info
	require.NoError(t, json.Unmarshal([]byte(body), &info))
	assert.Equal(t, netdata.Int(4), info.CoresTotal)
	assert.Equal(t, netdata.Int(8589934592), info.RAMTotal)
	assert.True(t, bool(info.IsK8sNode))
	assert.True(t, bool(info.StreamCompression))
	assert.Equal(t, "true", info.HostLabels["_is_parent"])
	assert.Nil(t, info.Functions, "a functions array of another version is ignored, not an error")
	assert.Equal(t, netdata.Int(2), info.Alarms.Critical)
	assert.True(t, info.HasAPIv2())
	assert.True(t, info.HasAPIv3())
}

func TestGoldenChart(t *testing.T) {
	var chart netdata.Chart
	require.NoError(t, json.Unmarshal(recorded(t, "v1_chart_system.cpu.json"), &chart))
	assert.Equal(t, "system.cpu", chart.ID)
	assert.Equal(t, "stacked", chart.ChartType)
	assert.Equal(t, int64(1795639088), chart.LastCollected().Unix())
	assert.NotContains(t, chart.DimensionIDs(), "idle", "idle is hidden on system.cpu")
	assert.Contains(t, chart.DimensionIDs(), "user")
	assert.Equal(t, netdata.StatusUninitialized, chart.Alarms["10min_cpu_usage"].Status)
	assert.False(t, chart.Green.Valid)
}

func TestGoldenDataPlainNewestFirst(t *testing.T) {
	var d netdata.DataResult
	require.NoError(t, json.Unmarshal(recorded(t, "v1_data_system.cpu_points10.json"), &d))
	require.Len(t, d.Rows, 10)
	assert.Equal(t, int64(1795639032), d.Rows[0].Time.Unix(), "rows are re-ordered oldest first")
	last, ok := d.Latest()
	require.True(t, ok)
	assert.Equal(t, int64(1795639086), last.Time.Unix())
	assert.Equal(t, "user", d.DimensionNames[5])
	assert.InDelta(t, 31.0669548, last.Values[d.Column("user")].Value, 1e-9)
	assert.Len(t, d.Series("system"), 10)
	assert.Nil(t, d.Series("nope"))
}

func TestGoldenDataJSONWrap(t *testing.T) {
	var d netdata.DataResult
	require.NoError(t, json.Unmarshal(recorded(t, "v1_data_system.cpu_jsonwrap.json"), &d))
	assert.Equal(t, netdata.Int(1), d.API)
	assert.Equal(t, "average", d.Group)
	assert.Equal(t, netdata.Int(5), d.Points)
	assert.Equal(t, netdata.Int(9), d.Dimensions)
	assert.Len(t, d.DimensionIDs, 9)
	require.Len(t, d.Rows, 5)
	for i := 1; i < len(d.Rows); i++ {
		assert.True(t, d.Rows[i].Time.After(d.Rows[i-1].Time))
	}
	assert.Equal(t, int64(1795639116), d.Rows[4].Time.Unix())
	assert.True(t, d.Max.Valid)
	assert.Len(t, d.LatestValues, 9)
}

func TestGoldenDataJSON2(t *testing.T) {
	body := `{"api":2,"db":{"update_every":1,"first_entry":100,"last_entry":200},
	"view":{"update_every":10,"after":150,"before":200,"dimensions":{"ids":["user","system"],"names":["user","system"]},"min":1,"max":9},
	"result":{"labels":["time","user","system"],"point":{"value":0,"arp":1,"pa":2},
	"data":[[1795639200000,[5,0,0],[null,0,1]],[1795639190000,[4.5,0,0],[3,0,0]]]}}`
	var d netdata.DataResult
	require.NoError(t, json.Unmarshal([]byte(body), &d))
	assert.Equal(t, "json2", d.Format)
	assert.Equal(t, netdata.Int(200), d.LastEntry)
	require.Len(t, d.Rows, 2)
	assert.Equal(t, int64(1795639190), d.Rows[0].Time.Unix(), "json2 millisecond times")
	assert.Equal(t, 5.0, d.Rows[1].Values[0].Value)
	assert.False(t, d.Rows[1].Values[1].Valid)
}

func TestGoldenAlarms(t *testing.T) {
	var a netdata.Alarms
	require.NoError(t, json.Unmarshal(recorded(t, "v1_alarms_active_warning_critical.json"), &a))
	require.Len(t, a.Alarms, 2)
	crit := a.WithStatus(netdata.StatusCritical)
	require.Len(t, crit, 1)
	assert.Equal(t, "research_cpu_always_crit", crit[0].Name)
	assert.Equal(t, "$this >= 0", crit[0].Crit, "HTML-escaped expressions are unescaped")
	assert.True(t, crit[0].Value.Valid)
	assert.Equal(t, netdata.Int(0), crit[0].WarnRepeatEvery, `"warn_repeat_every":"0" is a string on 1.37`)
	assert.Equal(t, "user,system", crit[0].LookupDimensions)

	var none netdata.Alarms
	require.NoError(t, json.Unmarshal(recorded(t, "v1_alarms_active_none.json"), &none))
	assert.Empty(t, none.Alarms)

	var all netdata.Alarms
	require.NoError(t, json.Unmarshal(recorded(t, "v1_alarms_all_trimmed.json"), &all))
	cpu := all.Alarms["system.cpu.10min_cpu_usage"]
	assert.False(t, cpu.Value.Valid, "value null while uninitialized")
	assert.Equal(t, 1.5, cpu.DelayMultiplier.Value)
	sem := all.Alarms["system.ipc_semaphores.semaphores_used"]
	assert.Equal(t, "$semaphores * 100 / $ipc_semaphores_max", sem.Calc)
}

func TestGoldenAlarmLog(t *testing.T) {
	for _, name := range []string{"v1_alarm_log_trimmed.json", "v1_alarm_log_warning_critical.json"} {
		var wrapped struct {
			Entries json.RawMessage `json:"entries"`
		}
		require.NoError(t, json.Unmarshal(recorded(t, name), &wrapped))
		var entries []netdata.AlarmLogEntry
		require.NoError(t, json.Unmarshal(wrapped.Entries, &entries), name)
		require.NotEmpty(t, entries)
		for _, e := range entries {
			assert.NotZero(t, e.UniqueID)
			assert.False(t, bool(e.Silenced), `"silenced":"false" is a string in the log`)
		}
	}
	var entries []netdata.AlarmLogEntry
	var wrapped struct{ Entries json.RawMessage }
	require.NoError(t, json.Unmarshal(recorded(t, "v1_alarm_log_warning_critical.json"), &wrapped))
	require.NoError(t, json.Unmarshal(wrapped.Entries, &entries))
	assert.Equal(t, netdata.StatusCritical, entries[0].Status)
	assert.Equal(t, netdata.StatusUninitialized, entries[0].OldStatus)
	assert.False(t, entries[0].OldValue.Valid)
	assert.Equal(t, int64(1795639155), entries[0].Time().Unix())
}

func TestGoldenAllMetrics(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "recorded", "v1_allmetrics_prometheus_head.txt"))
	require.NoError(t, err)
	defer f.Close()
	samples, err := netdata.ParsePrometheus(f)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(samples), 30)
	assert.Equal(t, "netdata_info", samples[0].Name)
	assert.Equal(t, "v1.37.1", samples[0].Labels["version"])
	assert.Equal(t, int64(1795639089011), samples[0].Timestamp.UnixMilli())
	var user *netdata.Sample
	for i := range samples {
		if samples[i].Labels["chart"] == "system.cpu" && samples[i].Labels["dimension"] == "user" {
			user = &samples[i]
		}
	}
	require.NotNil(t, user)
	assert.InDelta(t, 21.2437055, user.Value, 1e-9)
}

func TestGoldenRegistryHello(t *testing.T) {
	var h netdata.RegistryHello
	require.NoError(t, json.Unmarshal(recorded(t, "v1_registry_hello.json"), &h))
	assert.Equal(t, "ok", h.Status)
	assert.Equal(t, "91360632-e90f-11f1-9230-02fc00000001", h.MachineGUID)
}

// The recorded v2 answer of a 1.37 agent (404 text/html) becomes an APIError matching
// ErrNotFound and ErrUnsupported.
func TestGoldenUnsupportedV2(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("Unsupported API version: v2"))
	}))
	defer srv.Close()
	c, err := netdata.New(srv.URL)
	require.NoError(t, err)
	_, err = c.Info(t.Context())
	require.Error(t, err)
	assert.True(t, errors.Is(err, sitekit.ErrNotFound))
	assert.True(t, errors.Is(err, netdata.ErrUnsupported))
	ae, ok := errors.AsType[*netdata.APIError](err)
	require.True(t, ok)
	assert.Equal(t, "Unsupported API version: v2", ae.Message)
}
