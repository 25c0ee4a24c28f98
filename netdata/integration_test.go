package netdata_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/netdata"
)

// Integration tests against a real Netdata agent (Debian's 1.37.1 package in CI, started by
// .ci/netdata.sh with two always-raised test alarms: sitekit_test_always_warn and
// sitekit_test_always_crit on system.cpu). They run in the normal `go test ./...` when
// SITEKIT_NETDATA_URL is set; SITEKIT_NETDATA_TOKEN (the agent's netdata.api.key) enables the
// health-management part.
func realAgent(t *testing.T) (*netdata.Client, bool) {
	t.Helper()
	u := os.Getenv("SITEKIT_NETDATA_URL")
	if u == "" {
		t.Skip("SITEKIT_NETDATA_URL not set: skipping the real Netdata agent tests (.ci/run starts one)")
	}
	opts := []sitekit.Option{sitekit.WithTimeout(10 * time.Second)}
	tok := os.Getenv("SITEKIT_NETDATA_TOKEN")
	if tok != "" {
		opts = append(opts, sitekit.WithToken(sitekit.NewSecret(strings.TrimSpace(tok))))
	}
	c, err := netdata.New(u, opts...)
	require.NoError(t, err)
	return c, tok != ""
}

func TestRealAgentReads(t *testing.T) {
	c, _ := realAgent(t)
	ctx := t.Context()
	info, err := c.Info(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, info.Version)
	assert.Positive(t, int64(info.CoresTotal))
	assert.Positive(t, int64(info.RAMTotal))
	require.NotEmpty(t, info.MirroredHosts)
	host := info.MirroredHosts[0]

	charts, err := c.Charts.List(ctx, &netdata.ChartListOptions{Prefix: "system."})
	require.NoError(t, err)
	ids := []string{}
	for _, ch := range charts {
		ids = append(ids, ch.ID)
	}
	assert.Contains(t, ids, "system.cpu")
	ch, err := c.Charts.Get(ctx, "system.cpu")
	require.NoError(t, err)
	assert.NotContains(t, ch.DimensionIDs(), "idle")
	_, err = c.Charts.Get(ctx, "nope.nope")
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	ctxs, err := c.Contexts.List(ctx, nil)
	require.NoError(t, err)
	names := []string{}
	for _, c := range ctxs {
		names = append(names, c.Name)
	}
	assert.Contains(t, names, "system.cpu")
	one, err := c.Contexts.Get(ctx, "system.cpu")
	require.NoError(t, err)
	assert.Equal(t, "percentage", one.Units)
	_, err = c.Contexts.Get(ctx, "nope.nope")
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	d, err := c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", After: -10, Points: 5})
	require.NoError(t, err)
	require.NotEmpty(t, d.Rows)
	for i := 1; i < len(d.Rows); i++ {
		assert.True(t, d.Rows[i].Time.After(d.Rows[i-1].Time), "oldest first")
	}
	assert.Len(t, d.Rows[0].Values, len(d.DimensionNames))
	d, err = c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", Dimensions: []string{"user", "system"}, Points: 1, Options: []string{"absolute"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"user", "system"}, d.DimensionNames)
	_, err = c.Data(ctx, netdata.DataQuery{Chart: "nope.nope"})
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	samples, err := c.AllMetrics(ctx, &netdata.AllMetricsOptions{Filter: "system.cpu"})
	require.NoError(t, err)
	require.NotEmpty(t, samples)
	assert.Equal(t, "netdata_info", samples[0].Name)

	hello, err := c.RegistryHello(ctx)
	require.NoError(t, err)
	assert.Equal(t, info.UID, hello.MachineGUID)

	badge, err := c.BadgeURL(netdata.BadgeOptions{Chart: "system.cpu"})
	require.NoError(t, err)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, badge, nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "svg")

	// the agent seen through its own /host/<name>/ prefix
	self, err := c.Host(host).Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, info.UID, self.UID)
	_, err = c.Host("sitekit-no-such-child").Info(ctx)
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	nodes, err := c.Nodes.List(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, nodes)
	assert.Equal(t, host, nodes[0].Hostname)

	if !info.HasAPIv2() { // 1.37: v2 is absent and reported as such
		_, err = c.Host(host).Info(ctx)
		require.NoError(t, err)
	}
}

func TestRealAgentAlarms(t *testing.T) {
	c, _ := realAgent(t)
	ctx := t.Context()
	active, err := c.Alarms.List(ctx, &netdata.AlarmListOptions{Active: true})
	require.NoError(t, err)
	names := map[string]netdata.Alarm{}
	for _, a := range active {
		names[a.Name] = a
	}
	warn, ok := names["sitekit_test_always_warn"]
	require.True(t, ok, "the test health config raises sitekit_test_always_warn (got %v)", active)
	assert.Equal(t, netdata.StatusWarning, warn.Status)
	assert.Equal(t, "$this > 0", warn.Warn, "unescaped expression")
	crit := names["sitekit_test_always_crit"]
	assert.Equal(t, netdata.StatusCritical, crit.Status)
	assert.Equal(t, 2.0, crit.Value.Value)

	all, err := c.Alarms.List(ctx, nil)
	require.NoError(t, err)
	assert.Greater(t, len(all), len(active), "every enabled alarm, not only the raised ones")
	r, err := c.Alarms.Report(ctx, nil)
	require.NoError(t, err)
	assert.Positive(t, int64(r.LatestAlarmLogUniqueID))

	log, err := c.Alarms.Log(ctx, nil)
	require.NoError(t, err)
	found := false
	for _, e := range log {
		if e.Name == "sitekit_test_always_crit" && e.Status == netdata.StatusCritical {
			found = true
		}
	}
	assert.True(t, found, "the CRITICAL transition is in the alarm log")

	newer, err := c.Alarms.Log(ctx, &netdata.AlarmLogOptions{After: int64(r.LatestAlarmLogUniqueID)})
	require.NoError(t, err)
	for _, e := range newer {
		assert.Greater(t, int64(e.UniqueID), int64(r.LatestAlarmLogUniqueID), "after is exclusive")
	}

	n, err := c.Alarms.Count(ctx, &netdata.AlarmCountOptions{Status: netdata.StatusCritical})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 1)
	n, err = c.Alarms.Count(ctx, &netdata.AlarmCountOptions{Contexts: []string{"system.cpu"}})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 2)

	info, err := c.Info(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, int64(info.Alarms.Critical), int64(1))
}

func TestRealAgentHealthGate(t *testing.T) {
	c, _ := realAgent(t)
	ctx := t.Context()
	r, err := c.Health(ctx, netdata.HealthOptions{MinVersion: "v1.37"})
	require.NoError(t, err)
	assert.False(t, r.Healthy, "the always-CRITICAL test alarm fails the gate")
	assert.Contains(t, r.String(), "sitekit_test_always_crit")
	assert.False(t, r.LastCollected.IsZero())

	opts := netdata.HealthOptions{MinVersion: "v1.37", IgnoreAlarms: []string{"sitekit_test_*"}}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err = c.WaitHealthy(wctx, opts, time.Second)
	require.NoError(t, err)
	assert.True(t, r.Healthy, r.String())
	assert.NotEmpty(t, r.Warning, "the always-WARNING test alarm is reported, not fatal")

	r, err = c.Health(ctx, netdata.HealthOptions{IgnoreAlarms: []string{"sitekit_test_*"}, ExpectChildren: []string{"sitekit-missing-child"}})
	require.NoError(t, err)
	assert.False(t, r.Healthy)
	assert.Equal(t, map[string]bool{"sitekit-missing-child": false}, r.Children)
}

func TestRealAgentHealthManagement(t *testing.T) {
	c, hasToken := realAgent(t)
	if !hasToken {
		t.Skip("SITEKIT_NETDATA_TOKEN not set: skipping health management")
	}
	ctx := t.Context()
	t.Cleanup(func() { _, _ = c.HealthManagement.Reset(context.Background()) })

	bad, err := netdata.New(os.Getenv("SITEKIT_NETDATA_URL"), sitekit.WithToken(sitekit.NewSecret("not-the-key")))
	require.NoError(t, err)
	_, err = bad.HealthManagement.Silencers(ctx)
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)

	msg, err := c.HealthManagement.Silence(ctx, netdata.Selectors{Alarm: "sitekit_test_always_warn"})
	require.NoError(t, err)
	assert.Contains(t, msg, "silenced")
	list, err := c.HealthManagement.Silencers(ctx)
	require.NoError(t, err)
	assert.Equal(t, "SILENCE", list.Type)
	assert.Contains(t, list.Silencers, netdata.Selectors{Alarm: "sitekit_test_always_warn"})

	msg, err = c.HealthManagement.DisableAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, "All health checks are disabled", msg)
	list, err = c.HealthManagement.Silencers(ctx)
	require.NoError(t, err)
	assert.True(t, list.All)

	msg, err = c.HealthManagement.Reset(ctx)
	require.NoError(t, err)
	assert.Equal(t, "All health checks and notifications are enabled", msg)
	list, err = c.HealthManagement.Silencers(ctx)
	require.NoError(t, err)
	assert.Equal(t, "None", list.Type)
	assert.Empty(t, list.Silencers)
}
