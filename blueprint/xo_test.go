package blueprint

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/truenas/truenastest"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// xoTestSite is the reference site on the simulators' host, with the secrets in the
// environment.
func xoTestSite(t *testing.T) Site {
	t.Helper()
	t.Setenv("SITEKIT_OFFSITE_ACCESS_KEY", "AKIATESTKEY")
	t.Setenv("SITEKIT_OFFSITE_SECRET_KEY", "s3cr3t-never-printed")
	t.Setenv("SITEKIT_NETDATA_STREAM_KEY", "11111111-2222-4333-8444-555555555555")
	s := referenceSite()
	s.Host = DefaultHost()
	s.Host.Name = "xcp-dl380"
	return s
}

// instantClock makes the xo client's waiters poll without pausing.
type instantClock struct{}

func (instantClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

// dropOnce forwards requests and, once armed, drops the answer of the first request whose
// method and path match (the write is applied, the client sees a lost connection).
type dropOnce struct {
	next          http.RoundTripper
	method, match string
	armed         atomic.Bool
	dropped       atomic.Int32
}

func (d *dropOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if err == nil && r.Method == d.method && strings.Contains(r.URL.Path, d.match) && d.armed.CompareAndSwap(true, false) {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d.dropped.Add(1)
		return nil, errors.New("connection reset by peer (injected after the write)")
	}
	return resp, err
}

type xoEnvT struct {
	xs   *xotest.Server
	ts   *truenastest.Server
	conn Connections
	drop *dropOnce
}

func newXOEnv(t *testing.T) *xoEnvT {
	t.Helper()
	xs, err := xotest.NewServer(xotest.WithPlainHTTP(), xotest.WithBootPolls(0, 0))
	require.NoError(t, err)
	t.Cleanup(xs.Close)
	drop := &dropOnce{next: http.DefaultTransport.(*http.Transport).Clone()}
	xc, err := xs.Client(sitekit.WithPlainHTTP(), sitekit.WithHTTPClient(&http.Client{Transport: drop}), xo.WithClock(instantClock{}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = xc.Close() })
	ts := truenastest.NewTestServer(t, truenastest.WithJobTicker(time.Millisecond))
	tc, err := ts.Client()
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.Close() })
	return &xoEnvT{xs: xs, ts: ts, conn: Connections{XO: xc, TrueNAS: tc}, drop: drop}
}

func xoMarked(tags []string, site string) bool {
	return slices.Contains(tags, "managed-by sitekit:"+site)
}

func TestXOStandardApplyReplanDestroy(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	env := newXOEnv(t)
	bp, err := Standard(site)
	require.NoError(t, err)

	p, err := bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	t.Log(p.String())
	res, err := p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)

	xc := env.conn.XO
	// Networks: one per OnHost VLAN, on eth0 with the VLAN tag, marked.
	nets, err := xc.Networks.List(ctx, nil)
	require.NoError(t, err)
	pifs, err := xc.PIFs.List(ctx, nil)
	require.NoError(t, err)
	for _, v := range bp.Site().Network.VLANs {
		if !v.OnHost {
			continue
		}
		var found []xo.Network
		for _, p := range pifs {
			if int(p.VLAN) == v.ID && p.Device == "eth0" {
				for _, n := range nets {
					if n.ID == p.Network {
						found = append(found, n)
					}
				}
			}
		}
		require.Len(t, found, 1, "network of VLAN %d", v.ID)
		assert.True(t, xoMarked(found[0].Tags, site.Name))
	}
	// VMs: running, sized, marked, on their VLAN's network; Linux ones got cloud-init.
	vms, err := xc.VMs.List(ctx, nil)
	require.NoError(t, err)
	for _, want := range bp.Site().VMs {
		var got []xo.VM
		for _, x := range vms {
			if x.NameLabel == want.Name {
				got = append(got, x)
			}
		}
		require.Len(t, got, 1, "VM %s", want.Name)
		x := got[0]
		assert.True(t, xoMarked(x.Tags, site.Name), want.Name)
		assert.Equal(t, xo.PowerRunning, x.PowerState, want.Name)
		assert.Equal(t, want.CPUs, int(x.CPUs.Number), want.Name)
		assert.Equal(t, int64(want.RAMGiB)<<30, x.Memory.Size.Int(), want.Name)
		_, ok := env.xs.ConfigDriveOf(x.ID)
		assert.Equal(t, want.OS == Debian12, ok, "config drive of %s", want.Name)
	}
	// Backup repository on the NFS share, delta and CR jobs, all marked by name.
	repos, err := xc.BackupRepositories.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, repos, 1)
	assert.Contains(t, repos[0].Name, "managed-by sitekit:"+site.Name)
	assert.Equal(t, "nfs://"+env.conn.TrueNAS.BaseURL().Hostname()+":/mnt/tank/sitekit/pv-pessac/xo-backups", repos[0].URL)
	jobs, err := xc.BackupJobs.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, jobs, 3, "delta, replication and metadata")
	scheds, err := xc.Schedules.List(ctx, nil)
	require.NoError(t, err)
	crons := map[string]string{}
	for _, s := range scheds {
		crons[s.JobID] = s.Cron
	}
	for _, j := range jobs {
		assert.Contains(t, j.Name, "managed-by sitekit:"+site.Name)
		switch {
		case strings.HasPrefix(j.Name, site.Name+"-delta"):
			assert.Len(t, xoPatternIDs(j.VMs), 4)
			assert.Equal(t, []string{repos[0].ID}, xoPatternIDs(j.Remotes))
			assert.Equal(t, site.WithDefaults().Backup.Delta, crons[j.ID])
		case strings.HasPrefix(j.Name, site.Name+"-replication"):
			assert.Len(t, xoPatternIDs(j.VMs), 2, "erp and web are replicated")
			assert.Len(t, xoPatternIDs(j.SRs), 1)
			assert.Equal(t, site.WithDefaults().Backup.Replication, crons[j.ID])
		case strings.HasPrefix(j.Name, site.Name+"-metadata"):
			// Pool metadata and XO configuration to the repository, daily, kept like the
			// delta backups.
			assert.Equal(t, xo.MetadataBackupJobType, j.Type)
			mj, err := xc.MetadataBackupJobs.Get(ctx, j.ID)
			require.NoError(t, err)
			assert.Equal(t, []string{env.xs.PoolID}, mj.PoolIDs())
			assert.True(t, mj.XOMetadata)
			assert.Equal(t, []string{repos[0].ID}, mj.RemoteIDs())
			assert.Equal(t, xoMetadataCron, crons[j.ID])
			var sched string
			for _, sc := range scheds {
				if sc.JobID == j.ID {
					sched = sc.ID
					assert.True(t, sc.Enabled)
				}
			}
			ret, ok := mj.RetentionOf(sched)
			require.True(t, ok)
			keep := site.WithDefaults().Backup.Retention
			assert.Equal(t, xo.MetadataRetention{PoolMetadata: keep, XOMetadata: keep}, ret)
			log, err := xc.MetadataBackupJobs.Run(ctx, j.ID, sched)
			require.NoError(t, err, "the job runs")
			assert.Len(t, log.Tasks, 2)
		default:
			t.Errorf("unexpected job %q", j.Name)
		}
	}

	// Re-plan: zero changes, one list per collection.
	p2, err := bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	assert.Zero(t, p2.Changes(), "re-plan:\n%s", p2)
	t.Logf("collections read: %v, reads: %d", p2.Collections, p2.Reads)
	assert.Equal(t, len(p2.Collections[appXO])+len(p2.Collections[appTrueNAS]), p2.Reads)

	res, err = bp.Destroy(ctx, env.conn)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	vms, err = xc.VMs.List(ctx, nil)
	require.NoError(t, err)
	for _, x := range vms {
		assert.False(t, xoMarked(x.Tags, site.Name), "VM %s left", x.NameLabel)
	}
	nets, err = xc.Networks.List(ctx, nil)
	require.NoError(t, err)
	for _, n := range nets {
		assert.False(t, xoMarked(n.Tags, site.Name), "network %s left", n.NameLabel)
	}
	assert.GreaterOrEqual(t, len(nets), 2, "the seeded (unmarked) networks are kept")
	jobs, err = xc.BackupJobs.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, jobs, "VM and metadata jobs")
	scheds, err = xc.Schedules.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, scheds)
	repos, err = xc.BackupRepositories.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, repos)
}

func TestXOAmbiguousVMCreateLeavesOneVM(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	env := newXOEnv(t)
	bp, err := Basse(site)
	require.NoError(t, err)
	p, err := bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	env.drop.method, env.drop.match = http.MethodPost, "/actions/create_vm"
	env.drop.armed.Store(true)
	res, err := p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	require.EqualValues(t, 1, env.drop.dropped.Load(), "one create_vm answer was dropped")
	vms, err := env.conn.XO.VMs.List(ctx, nil)
	require.NoError(t, err)
	count := map[string]int{}
	for _, x := range vms {
		count[x.NameLabel]++
	}
	for _, vm := range bp.Site().VMs {
		assert.Equal(t, 1, count[vm.Name], "VM %s", vm.Name)
	}
	p2, err := bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	assert.Zero(t, p2.Changes(), "re-plan:\n%s", p2)
}
