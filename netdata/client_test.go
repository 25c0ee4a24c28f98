package netdata_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/netdata/netdatatest"
)

func setup(t *testing.T, opts ...netdatatest.Option) (*netdatatest.Server, *netdata.Client) {
	t.Helper()
	srv := netdatatest.NewTestServer(t, opts...)
	c, err := srv.Client()
	require.NoError(t, err)
	return srv, c
}

// inBubble runs f inside a testing/synctest bubble with a client served in memory by srv's
// handler: the agent's clock is the bubble's, so time moves only when the test sleeps.
func inBubble(t *testing.T, srv *netdatatest.Server, f func(t *testing.T, c *netdata.Client)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		hc := &http.Client{Transport: handlerTransport{srv.Handler()}}
		c, err := netdata.New(srv.URL(), sitekit.WithHTTPClient(hc), sitekit.WithToken(srv.Token()),
			sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
		require.NoError(t, err)
		f(t, c)
	})
}

func TestNewValidates(t *testing.T) {
	_, err := netdata.New("http://10.0.0.5:19999")
	require.ErrorIs(t, err, sitekit.ErrInvalid, "plain http to a LAN host needs WithPlainHTTP")
	_, err = netdata.New("http://10.0.0.5:19999", sitekit.WithPlainHTTP())
	require.NoError(t, err)
	_, err = netdata.New("http://127.0.0.1:19999")
	require.NoError(t, err, "plain http to loopback is the norm")
}

// info, charts, chart and contexts of the simulator read through the client; the shapes are
// pinned against the recorded answers in netdatatest's shape tests, the unknown chart and
// context answers are recorded (netdata.md §2) and observed on 1.37.1.
func TestInfoChartsContexts(t *testing.T) {
	srv, c := setup(t)
	ctx := t.Context()
	info, err := c.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, "v1.37.1", info.Version)
	assert.Equal(t, netdata.Int(2), info.CoresTotal)
	assert.Equal(t, []string{"vm"}, info.MirroredHosts)

	charts, err := c.Charts.List(ctx, nil)
	require.NoError(t, err)
	ids := make([]string, 0, len(charts))
	for _, ch := range charts {
		ids = append(ids, ch.ID)
	}
	assert.Contains(t, ids, "system.cpu")
	assert.IsIncreasing(t, ids, "sorted by id")
	sys, err := c.Charts.List(ctx, &netdata.ChartListOptions{Prefix: "system.", Context: "system.load"})
	require.NoError(t, err)
	require.Len(t, sys, 1)
	assert.Equal(t, "system.load", sys[0].ID)
	n := 0
	for ch, err := range c.Charts.All(ctx, nil) {
		require.NoError(t, err)
		n++
		if ch.ID == ids[1] {
			break
		}
	}
	assert.Equal(t, 2, n, "All stops when the loop breaks")

	inBubble(t, srv, func(t *testing.T, c *netdata.Client) {
		ch, err := c.Charts.Get(t.Context(), "system.cpu")
		require.NoError(t, err)
		assert.Equal(t, time.Now().Unix(), ch.LastCollected().Unix(), "collection is live on the agent's clock")
	})

	_, err = c.Charts.Get(ctx, "nope.nope")
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	ae, ok := errors.AsType[*netdata.APIError](err)
	require.True(t, ok)
	assert.Equal(t, "Chart is not found: nope.nope", ae.Message)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)

	ctxs, err := c.Contexts.List(ctx, &netdata.ContextListOptions{Prefix: "system."})
	require.NoError(t, err)
	names := make([]string, 0, len(ctxs))
	for _, c := range ctxs {
		names = append(names, c.Name)
	}
	assert.Contains(t, names, "system.load")
	one, err := c.Contexts.Get(ctx, "system.cpu")
	require.NoError(t, err)
	assert.Equal(t, "percentage", one.Units)
	assert.Equal(t, "system.cpu", one.Name)
	_, err = c.Contexts.Get(ctx, "nope")
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	hello, err := c.RegistryHello(ctx)
	require.NoError(t, err)
	assert.Equal(t, info.UID, hello.MachineGUID)
}

// /api/v1/data: the dimensions of system.cpu without idle (recorded chart), rows at the
// agent's current second (recorded jsonwrap: last_entry is "now"); a stalled collector shows
// as null cells in the newest rows [inferred].
func TestData(t *testing.T) {
	srv, c := setup(t)
	ctx := t.Context()
	inBubble(t, srv, func(t *testing.T, c *netdata.Client) {
		d, err := c.Data(t.Context(), netdata.DataQuery{Chart: "system.cpu", After: -60, Points: 10})
		require.NoError(t, err)
		require.Len(t, d.Rows, 10)
		assert.Len(t, d.DimensionNames, 9)
		for i := 1; i < len(d.Rows); i++ {
			assert.True(t, d.Rows[i].Time.After(d.Rows[i-1].Time), "oldest first")
		}
		last, _ := d.Latest()
		assert.Equal(t, time.Now().Unix(), last.Time.Unix())

		// stalled collection shows as gaps (null) in the newest rows
		srv.StallCollection("", true)
		time.Sleep(30 * time.Second)
		d, err = c.Data(t.Context(), netdata.DataQuery{Chart: "system.load", After: -20, Points: 20})
		require.NoError(t, err)
		last, _ = d.Latest()
		assert.False(t, last.Values[0].Valid)
		srv.StallCollection("", false)
	})

	d, err := c.Data(ctx, netdata.DataQuery{Context: "system.cpu", Dimensions: []string{"user", "system"}, Points: 1, Options: []string{"absolute"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"user", "system"}, d.DimensionNames)
	require.Len(t, d.Rows, 1)
	sum, ok := d.Rows[0].Sum()
	assert.True(t, ok)
	assert.Greater(t, sum, 0.0)

	_, err = c.Data(ctx, netdata.DataQuery{Chart: "nope.nope"})
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	ae, _ := errors.AsType[*netdata.APIError](err)
	assert.Equal(t, "No metrics where matched to query.", ae.Message)
}

func TestBadInputSendsNothing(t *testing.T) {
	srv, c := setup(t)
	ctx := t.Context()
	cases := []struct {
		name  string
		field string
		call  func() error
	}{
		{"empty chart", "Chart", func() error { _, err := c.Data(ctx, netdata.DataQuery{}); return err }},
		{"negative points", "Points", func() error { _, err := c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", Points: -1}); return err }},
		{"after > before", "After", func() error {
			_, err := c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", After: 2000, Before: 1000})
			return err
		}},
		{"relative after > before", "After", func() error {
			_, err := c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", After: -10, Before: -60})
			return err
		}},
		{"unknown group", "Group", func() error { _, err := c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", Group: "avg"}); return err }},
		{"empty chart id", "Chart", func() error { _, err := c.Charts.Get(ctx, ""); return err }},
		{"empty context", "Context", func() error { _, err := c.Contexts.Get(ctx, ""); return err }},
		{"negative log id", "After", func() error { _, err := c.Alarms.Log(ctx, &netdata.AlarmLogOptions{After: -1}); return err }},
		{"bad status", "Status", func() error { _, err := c.Alarms.Count(ctx, &netdata.AlarmCountOptions{Status: "BAD"}); return err }},
		{"silence nothing", "Selectors", func() error { _, err := c.HealthManagement.Silence(ctx, netdata.Selectors{}); return err }},
		{"badge without chart", "Chart", func() error { _, err := c.BadgeURL(netdata.BadgeOptions{}); return err }},
		{"health bad version", "MinVersion", func() error { _, err := c.Health(ctx, netdata.HealthOptions{MinVersion: "x"}); return err }},
		{"allmetrics data", "Data", func() error { _, err := c.AllMetrics(ctx, &netdata.AllMetricsOptions{Data: "mean"}); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, sitekit.ErrInvalid)
			fe, ok := errors.AsType[*sitekit.FieldError](err)
			require.True(t, ok)
			assert.Equal(t, tc.field, fe.Field)
		})
	}
	assert.Zero(t, srv.Faults().TotalCalls(), "no request was sent")
}

// Simulator behaviours pinned here: a raised alarm appears in ?active and ?all, moves the
// info alarm counters (netdata.md §3.1) and is logged as a transition; alarm_log after= is
// exclusive and newest first (netdata.md §3.4, recorded); alarm_count answers [n]. Raising
// alarms from a test is the simulator's own API.
func TestAlarmsRaiseClearLogCount(t *testing.T) {
	srv, c := setup(t)
	ctx := t.Context()
	raised := &netdata.AlarmListOptions{Active: true}
	active, err := c.Alarms.Report(ctx, raised)
	require.NoError(t, err)
	assert.Empty(t, active.Alarms)
	since := int64(active.LatestAlarmLogUniqueID)

	require.NoError(t, srv.RaiseAlarm("", "disk_full", "system.ram", netdata.StatusWarning, 81))
	require.NoError(t, srv.RaiseAlarm("", "cpu_hot", "system.cpu", netdata.StatusCritical, 97.5))

	list, err := c.Alarms.List(ctx, raised)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []string{"system.cpu", "system.ram"}, []string{list[0].Chart, list[1].Chart}, "sorted by chart")
	active, err = c.Alarms.Report(ctx, raised)
	require.NoError(t, err)
	require.Len(t, active.Alarms, 2)
	crit := active.WithStatus(netdata.StatusCritical)
	require.Len(t, crit, 1)
	assert.Equal(t, "cpu_hot", crit[0].Name)
	assert.Equal(t, 97.5, crit[0].Value.Value)
	assert.Equal(t, "$this > 90", crit[0].Crit)

	all, err := c.Alarms.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, all, 4, "nil options: every enabled alarm")

	info, err := c.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, netdata.Int(1), info.Alarms.Critical)
	assert.Equal(t, netdata.Int(1), info.Alarms.Warning)

	log, err := c.Alarms.Log(ctx, &netdata.AlarmLogOptions{After: since})
	require.NoError(t, err)
	require.Len(t, log, 2)
	assert.Equal(t, "cpu_hot", log[0].Name, "newest first")
	n, err := c.Alarms.Count(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = c.Alarms.Count(ctx, &netdata.AlarmCountOptions{Contexts: []string{"system.cpu"}, Status: netdata.StatusCritical})
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	require.NoError(t, srv.ClearAlarm("", "cpu_hot", "system.cpu"))
	log, err = c.Alarms.Log(ctx, &netdata.AlarmLogOptions{After: int64(log[0].UniqueID)})
	require.NoError(t, err)
	require.Len(t, log, 1)
	assert.Equal(t, netdata.StatusClear, log[0].Status)
	assert.Equal(t, netdata.StatusCritical, log[0].OldStatus)
}

// allmetrics answers Prometheus text with a netdata_info line first and ms timestamps
// (recorded: v1_allmetrics_prometheus_head.txt); badge.svg answers image/svg+xml (recorded:
// v1_badge_system.cpu.svg and its README row).
func TestAllMetricsAndBadge(t *testing.T) {
	srv, c := setup(t)
	samples, err := c.AllMetrics(t.Context(), &netdata.AllMetricsOptions{Filter: "system.cpu"})
	require.NoError(t, err)
	require.Len(t, samples, 1+9)
	assert.Equal(t, "netdata_info", samples[0].Name)
	assert.Equal(t, "system.cpu", samples[1].Labels["chart"])
	assert.False(t, samples[1].Timestamp.IsZero())

	p := 1
	u, err := c.BadgeURL(netdata.BadgeOptions{Chart: "system.cpu", Alarm: "10min_cpu_usage", Precision: &p, Refresh: "auto"})
	require.NoError(t, err)
	assert.Contains(t, u, "/api/v1/badge.svg?")
	assert.Contains(t, u, "alarm=10min_cpu_usage")
	hc := &http.Client{Transport: handlerTransport{srv.Handler()}}
	resp, err := hc.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "image/svg+xml", resp.Header.Get("Content-Type"))

	cu, err := c.Host("web 1").BadgeURL(netdata.BadgeOptions{Chart: "system.cpu"})
	require.NoError(t, err)
	assert.Contains(t, cu, "/host/web%201/api/v1/badge.svg")
}

// manage/health bodies and the X-Auth-Token check are those of the recorded transcript; a
// silenced alarm shows "silenced": true in /api/v1/alarms (netdata.md §3.5, from
// web/api/health/README.md @ v1.37.1: silenced alarms are still evaluated).
func TestHealthManagement(t *testing.T) {
	srv, c := setup(t)
	ctx := t.Context()
	require.NoError(t, srv.RaiseAlarm("", "cpu_hot", "system.cpu", netdata.StatusCritical, 97))

	anon, err := netdata.New(srv.URL(), sitekit.WithCertSHA256(srv.Fingerprint()))
	require.NoError(t, err)
	_, err = anon.HealthManagement.Silencers(ctx)
	require.ErrorIs(t, err, sitekit.ErrInvalid, "no token: refused locally")
	wrong, err := srv.Client(sitekit.WithToken(sitekit.NewSecret("wrong")))
	require.NoError(t, err)
	_, err = wrong.HealthManagement.Silencers(ctx)
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)
	assert.Contains(t, err.Error(), "Auth Error")
	assert.NotContains(t, err.Error(), "wrong", "token never in errors")

	msg, err := c.HealthManagement.Silence(ctx, netdata.Selectors{Alarm: "cpu_*"})
	require.NoError(t, err)
	assert.Equal(t, "Alarm notifications silenced for alarms matching the selectors\nAlarm selector added", msg)
	list, err := c.HealthManagement.Silencers(ctx)
	require.NoError(t, err)
	assert.Equal(t, "SILENCE", list.Type)
	assert.Equal(t, []netdata.Selectors{{Alarm: "cpu_*"}}, list.Silencers)
	active, err := c.Alarms.Report(ctx, &netdata.AlarmListOptions{Active: true})
	require.NoError(t, err)
	assert.True(t, bool(active.Alarms["system.cpu.cpu_hot"].Silenced))

	msg, err = c.HealthManagement.DisableAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, "All health checks are disabled", msg)
	msg, err = c.HealthManagement.Reset(ctx)
	require.NoError(t, err)
	assert.Equal(t, "All health checks and notifications are enabled", msg)
	list, err = c.HealthManagement.Silencers(ctx)
	require.NoError(t, err)
	assert.Equal(t, netdata.Silencers{Type: "None", Silencers: []netdata.Selectors{}}, *list)
	assert.Equal(t, 6, srv.Faults().Calls("GET /api/v1/manage/health"), "refused LIST, SILENCE, LIST, DISABLE ALL, RESET, LIST; the token-less call sent nothing")
}

// A parent lists its children in mirrored_hosts and serves them under /host/<name>/
// (netdata.md §1, 1.37 web_client.c host switching); the unknown-host answer was observed
// on 1.37.1; the child's own stream-enabled and alarms are the simulator's model of a child
// [inferred: no parent was recorded].
func TestParentChildren(t *testing.T) {
	srv, c := setup(t, netdatatest.WithHostname("monitor"))
	srv.AddChild("web")
	srv.AddChild("erp")
	ctx := t.Context()
	info, err := c.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"monitor", "web", "erp"}, info.MirroredHosts)

	web := c.Host("web")
	assert.Equal(t, "web", web.HostName())
	winfo, err := web.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"web"}, winfo.MirroredHosts)
	assert.True(t, bool(winfo.StreamEnabled))
	require.NoError(t, srv.RaiseAlarm("web", "ram_full", "system.ram", netdata.StatusCritical, 99))
	wa, err := web.Alarms.List(ctx, &netdata.AlarmListOptions{Active: true})
	require.NoError(t, err)
	assert.Len(t, wa, 1)
	pa, err := c.Alarms.List(ctx, &netdata.AlarmListOptions{Active: true})
	require.NoError(t, err)
	assert.Empty(t, pa, "the child's alarm is not the parent's")
	assert.Equal(t, 1, srv.Faults().Calls("GET /host/web/api/v1/alarms"))

	_, err = c.Host("ghost").Info(ctx)
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	assert.Contains(t, err.Error(), "does not maintain a database for host: ghost")

	nodes, err := c.Nodes.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, nodes, 3)
	assert.Equal(t, 1, nodes[1].Hops)
	assert.Equal(t, 0, srv.Faults().Calls("GET /api/v3/nodes"), "v3 is never assumed on 1.37")
	srv.SetChildStreaming("erp", false)
	up, err := c.Nodes.List(ctx, &netdata.NodeListOptions{Reachable: true})
	require.NoError(t, err)
	require.Len(t, up, 2)
	assert.Equal(t, []string{"monitor", "web"}, []string{up[0].Hostname, up[1].Hostname})
}

// A 2.x agent has /api/v3/nodes (swagger master nodeBasic: mg, nd, nm, ni, version, hops,
// state) and the client uses it only after /api/v1/info says v2.0 or later.
func TestV2Agent(t *testing.T) {
	srv, c := setup(t, netdatatest.WithVersion("v2.11.0"))
	srv.AddChild("web")
	ctx := t.Context()
	info, err := c.Info(ctx)
	require.NoError(t, err)
	assert.True(t, info.HasAPIv3())
	assert.Equal(t, netdata.Int(2), info.CoresTotal)
	assert.NotEmpty(t, info.HostLabels)
	nodes, err := c.Nodes.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, nodes, 2)
	assert.Equal(t, "web", nodes[1].Hostname)
	assert.Equal(t, "v2.11.0", nodes[1].Version)
	assert.Equal(t, 1, srv.Faults().Calls("GET /api/v3/nodes"), "v3 used when detected")

}

// A lost stream keeps the child in mirrored_hosts_status with reachable false, and stalled
// collection freezes the charts' last_entry [inferred: how a parent shows a lost child and a
// stalled collector was not recorded].
func TestHealthGate(t *testing.T) {
	srv, c := setup(t, netdatatest.WithHostname("monitor"))
	srv.AddChild("web")
	ctx := t.Context()
	opts := netdata.HealthOptions{MinVersion: "v1.37", ExpectChildren: []string{"web"}}
	r, err := c.Health(ctx, opts)
	require.NoError(t, err)
	assert.True(t, r.Healthy, r.String())
	assert.Equal(t, "monitor", r.Hostname)
	assert.Equal(t, map[string]bool{"web": true}, r.Children)

	require.NoError(t, srv.RaiseAlarm("", "cpu_hot", "system.cpu", netdata.StatusCritical, 99))
	require.NoError(t, srv.RaiseAlarm("", "ram_warm", "system.ram", netdata.StatusWarning, 70))
	r, err = c.Health(ctx, opts)
	require.NoError(t, err)
	assert.False(t, r.Healthy)
	require.Len(t, r.Critical, 1)
	assert.Len(t, r.Warning, 1)
	assert.Contains(t, r.String(), "critical alarm cpu_hot")
	r, err = c.Health(ctx, netdata.HealthOptions{IgnoreAlarms: []string{"cpu_*"}})
	require.NoError(t, err)
	assert.True(t, r.Healthy, "ignored alarm")
	require.NoError(t, srv.ClearAlarm("", "cpu_hot", "system.cpu"))

	srv.SetChildStreaming("web", false)
	r, err = c.Health(ctx, netdata.HealthOptions{ExpectChildren: []string{"web", "erp"}})
	require.NoError(t, err)
	assert.False(t, r.Healthy)
	assert.Equal(t, map[string]bool{"web": false, "erp": false}, r.Children)
	assert.Len(t, r.Problems, 2)
	srv.SetChildStreaming("web", true)

	inBubble(t, srv, func(t *testing.T, c *netdata.Client) {
		srv.StallCollection("", true)
		time.Sleep(time.Minute)
		r, err := c.Health(t.Context(), netdata.HealthOptions{})
		require.NoError(t, err)
		assert.False(t, r.Healthy)
		assert.Contains(t, r.Problems[0], "collection stalled")
	})

	r, err = c.Health(ctx, netdata.HealthOptions{MinVersion: "v2.0"})
	require.NoError(t, err)
	assert.Contains(t, r.String(), "older than v2.0")

	// child health through the parent
	r, err = c.Host("web").Health(ctx, netdata.HealthOptions{})
	require.NoError(t, err)
	assert.True(t, r.Healthy, r.String())
	assert.Equal(t, "web", r.Hostname)

	srv.Close()
	_, err = c.Health(ctx, netdata.HealthOptions{})
	require.Error(t, err, "unreachable agent is an error")
}

// handlerTransport serves requests in memory (no sockets), so WaitHealthy runs inside a
// synctest bubble with fake time.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestWaitHealthy(t *testing.T) {
	srv := netdatatest.NewTestServer(t) // outside the bubble: its listener is real I/O
	synctest.Test(t, func(t *testing.T) {
		require.NoError(t, srv.RaiseAlarm("", "cpu_hot", "system.cpu", netdata.StatusCritical, 99))
		hc := &http.Client{Transport: handlerTransport{srv.Handler()}}
		c, err := netdata.New(srv.URL(), sitekit.WithHTTPClient(hc), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
		require.NoError(t, err)

		go func() {
			time.Sleep(95 * time.Second) // fake time: the alarm clears after 95s
			_ = srv.ClearAlarm("", "cpu_hot", "system.cpu")
		}()
		start := time.Now()
		r, err := c.WaitHealthy(t.Context(), netdata.HealthOptions{}, 10*time.Second)
		require.NoError(t, err)
		assert.True(t, r.Healthy)
		assert.Equal(t, 100*time.Second, time.Since(start), "polled every 10s, healthy at the first poll after 95s")

		require.NoError(t, srv.RaiseAlarm("", "cpu_hot", "system.cpu", netdata.StatusCritical, 99))
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		r, err = c.WaitHealthy(ctx, netdata.HealthOptions{}, 10*time.Second)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NotNil(t, r)
		assert.False(t, r.Healthy)
		assert.Contains(t, err.Error(), "critical alarm cpu_hot")
	})
}

func TestFaultsRetried(t *testing.T) {
	srv, c := setup(t)
	srv.Faults().FailNext(http.StatusServiceUnavailable, 0)
	srv.Faults().FailNext(http.StatusBadGateway, 0)
	info, err := c.Info(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "v1.37.1", info.Version)
	assert.Equal(t, 3, srv.Faults().Calls("GET /api/v1/info"))

	srv.Faults().FailNext(http.StatusTooManyRequests, 0)
	for range 4 {
		srv.Faults().FailNext(http.StatusServiceUnavailable, 0)
	}
	_, err = c.Info(t.Context())
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "503"), err.Error())
}

func TestTLSSimulator(t *testing.T) {
	srv, c := setup(t)
	assert.True(t, strings.HasPrefix(srv.URL(), "https://"), "TLS by default")
	info, err := c.Info(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "vm", info.MirroredHosts[0])
	bad, err := netdata.New(srv.URL(), sitekit.WithCertSHA256(strings.Repeat("ab", 32)), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	_, err = bad.Info(t.Context())
	require.ErrorIs(t, err, sitekit.ErrUnauthorized, "pin mismatch")
}

func TestPlainHTTPSimulator(t *testing.T) {
	srv, c := setup(t, netdatatest.WithPlainHTTP())
	assert.True(t, strings.HasPrefix(srv.URL(), "http://"))
	assert.Empty(t, srv.Fingerprint())
	info, err := c.Info(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "v1.37.1", info.Version)
}
