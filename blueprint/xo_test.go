package blueprint

import (
	"context"
	"encoding/json"
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
	"github.com/sitekit/sitekit/blueprint/engine"
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
	xc, err := xs.Client(sitekit.WithPlainHTTP(), sitekit.WithHTTPClient(&http.Client{Transport: drop}), xo.WithPollInterval(time.Millisecond))
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

	applySite(ctx, t, bp, env.conn)

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

	res, err := bp.Destroy(ctx, env.conn)
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

// A backup job whose schedule was deleted by hand converges in one apply: the schedule is
// recreated with the job's retention, and the job-wide settings survive the edit (xo-server
// replaces settings whole on editJob, so the client sends them complete).
func TestXOBackupScheduleDeletedByHandConvergesInOnePass(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	env := newXOEnv(t)
	xc := env.conn.XO
	bp, err := Standard(site)
	require.NoError(t, err)
	applySite(ctx, t, bp, env.conn)

	jobs, err := xc.BackupJobs.List(ctx, &xo.ListOptions{Filter: xo.Eq("type", "backup")})
	require.NoError(t, err)
	var delta xo.BackupJob
	for _, j := range jobs {
		if strings.HasPrefix(j.Name, site.Name+"-delta") {
			delta = j
		}
	}
	require.NotEmpty(t, delta.ID)
	global := string(delta.Settings[""])
	scheds, err := xc.Schedules.OfJob(ctx, delta.ID)
	require.NoError(t, err)
	require.Len(t, scheds, 1)
	require.NoError(t, xc.Schedules.Delete(ctx, scheds[0].ID))

	applySite(ctx, t, bp, env.conn)
	scheds, err = xc.Schedules.OfJob(ctx, delta.ID)
	require.NoError(t, err)
	require.Len(t, scheds, 1, "the schedule is recreated")
	job, err := xc.BackupJobs.Get(ctx, delta.ID)
	require.NoError(t, err)
	var ret xo.Retention
	require.NoError(t, json.Unmarshal(job.Settings[scheds[0].ID], &ret), "retention of the new schedule: %v", job.Settings)
	assert.Equal(t, site.WithDefaults().Backup.Retention, ret.Export)
	assert.JSONEq(t, global, string(job.Settings[""]), "reportWhen and concurrency kept")
	p, err := bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	assert.Zero(t, p.Changes(), "converged in one pass:\n%s", p)
}

func TestXOAmbiguousVMCreateLeavesOneVM(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	site.Teleworkers = Teleworkers{}
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

// applySite plans bp on conns and applies the plan, failing the test on any error.
func applySite(ctx context.Context, t *testing.T, bp *Blueprint, conns Connections) {
	t.Helper()
	p, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	t.Log(p.String())
	res, err := p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
}

// stepOf returns the plan's step for key id ("xo/vm/old-app"), or nil.
func stepOf(p *Plan, id string) *engine.Step {
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Marked XO objects that are no longer in the site are planned for deletion (a VM before
// the network it is plugged into); unmarked ones are never touched; a backup feature
// removed from the site (metadata backup) deletes its job.
func TestXOOrphansPlannedForDeletion(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	env := newXOEnv(t)
	xc := env.conn.XO
	bp, err := Standard(site)
	require.NoError(t, err)
	applySite(ctx, t, bp, env.conn)

	// Left over from an earlier version of the site: a marked VLAN network and a marked VM
	// on it; and someone else's VM and network, unmarked.
	marker := site.Marker()
	oldNet, err := xc.Networks.Create(ctx, xo.NetworkCreateRequest{Pool: env.xs.PoolID, Name: "old-vlan", PIF: env.xs.Eth0PIFID, VLAN: 99, Tags: []string{marker}})
	require.NoError(t, err)
	otherNet, err := xc.Networks.Create(ctx, xo.NetworkCreateRequest{Pool: env.xs.PoolID, Name: "other-vlan", PIF: env.xs.Eth0PIFID, VLAN: 98})
	require.NoError(t, err)
	oldVM, err := xc.VMs.Create(ctx, xo.VMCreateRequest{Pool: env.xs.PoolID, Template: env.xs.DebianTemplateID, NameLabel: "old-app", CPUs: 1, Memory: 1 << 30,
		VIFs: []xo.VIFSpec{{Device: "0", Network: oldNet.ID}}, Tags: []string{marker}})
	require.NoError(t, err)
	otherVM, err := xc.VMs.Create(ctx, xo.VMCreateRequest{Pool: env.xs.PoolID, Template: env.xs.DebianTemplateID, NameLabel: "other-app", CPUs: 1, Memory: 1 << 30,
		VIFs: []xo.VIFSpec{{Device: "0", Network: otherNet.ID}}, Tags: []string{"managed-by sitekit:another-site"}})
	require.NoError(t, err)

	p, err := bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	t.Log(p.String())
	assert.Equal(t, 2, p.Changes(), "only the two orphans:\n%s", p)
	vmStep, netStep := stepOf(p, "xo/vm/old-app"), stepOf(p, "xo/network/old-vlan")
	require.NotNil(t, vmStep, "the marked VM's delete is planned:\n%s", p)
	require.NotNil(t, netStep, "the marked network's delete is planned:\n%s", p)
	assert.Equal(t, engine.ActionDelete, vmStep.Action)
	assert.Equal(t, engine.ActionDelete, netStep.Action)
	assert.Contains(t, netStep.Deps, vmStep.ID, "the VM goes before its network")
	assert.Nil(t, stepOf(p, "xo/vm/other-app"), "an unmarked VM is not touched")
	assert.Nil(t, stepOf(p, "xo/network/other-vlan"))
	for _, s := range p.Steps {
		if s.Action == engine.ActionDelete {
			assert.Contains(t, []string{vmStep.ID, netStep.ID}, s.ID, "no desired object is deleted")
		}
	}

	res, err := p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	_, err = xc.VMs.Get(ctx, oldVM.ID)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	_, err = xc.Networks.Get(ctx, oldNet.ID)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	_, err = xc.VMs.Get(ctx, otherVM.ID)
	assert.NoError(t, err, "the unmarked VM is kept")
	_, err = xc.Networks.Get(ctx, otherNet.ID)
	assert.NoError(t, err, "the unmarked network is kept")

	p, err = bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	assert.Zero(t, p.Changes(), "re-plan:\n%s", p)

	// The site drops its metadata backup: the marked job is planned away, the VM jobs stay.
	noMeta := site
	noMeta.Backup = site.WithDefaults().Backup
	noMeta.Backup.Metadata = false
	bp2, err := Standard(noMeta)
	require.NoError(t, err)
	p, err = bp2.Plan(ctx, env.conn)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Changes(), "%s", p)
	st := stepOf(p, "xo/backup-job/"+site.Name+"-metadata")
	require.NotNil(t, st, "%s", p)
	assert.Equal(t, engine.ActionDelete, st.Action)
	res, err = p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	meta, err := xc.MetadataBackupJobs.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, meta)
	jobs, err := xc.BackupJobs.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, jobs, 2, "delta and replication kept")

	// Destroy still leaves the unmarked objects alone.
	res, err = bp2.Destroy(ctx, env.conn)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	_, err = xc.VMs.Get(ctx, otherVM.ID)
	assert.NoError(t, err)
	repos, err := xc.BackupRepositories.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, repos)
}

// Destroy deletes marked objects the graph does not know (an old VM, an old job), in an
// order XO accepts (jobs before the repository they write to).
func TestXODestroyDeletesMarkedOrphans(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	env := newXOEnv(t)
	xc := env.conn.XO
	bp, err := Standard(site)
	require.NoError(t, err)
	applySite(ctx, t, bp, env.conn)
	repos, err := xc.BackupRepositories.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, repos, 1)
	vm, err := xc.VMs.Find(ctx, env.xs.PoolID, "web")
	require.NoError(t, err)
	// A marked weekly job from an earlier version of the site, writing to the repository.
	_, err = xc.BackupJobs.Create(ctx, xo.DeltaBackupJob("pv-pessac-weekly ["+site.Marker()+"]", xo.IDs(vm.ID), repos[0].ID, "0 3 * * 0", "", 4))
	require.NoError(t, err)
	old, err := xc.VMs.Create(ctx, xo.VMCreateRequest{Pool: env.xs.PoolID, Template: env.xs.DebianTemplateID, NameLabel: "old-app", CPUs: 1, Memory: 1 << 30, Tags: []string{site.Marker()}})
	require.NoError(t, err)

	pd, err := bp.Plan(ctx, env.conn)
	require.NoError(t, err)
	weekly := stepOf(pd, "xo/backup-job/pv-pessac-weekly")
	require.NotNil(t, weekly, "%s", pd)
	require.NotNil(t, stepOf(pd, "xo/vm/old-app"), "%s", pd)

	res, err := bp.Destroy(ctx, env.conn)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	_, err = xc.VMs.Get(ctx, old.ID)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)
	jobs, err := xc.BackupJobs.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, jobs)
	repos, err = xc.BackupRepositories.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, repos)
	vms, err := xc.VMs.List(ctx, nil)
	require.NoError(t, err)
	for _, x := range vms {
		assert.False(t, xoMarked(x.Tags, site.Name), "VM %s left", x.NameLabel)
	}
}

// TestUnknownHostFailsThePlan: a host Xen Orchestra does not know is a plan error naming
// the field and the hosts XO knows, not a create that can only fail at apply time.
func TestUnknownHostFailsThePlan(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	site.Host.Name = "xcp-ng-01"
	env := newXOEnv(t)
	bp, err := Standard(site)
	require.NoError(t, err)
	_, err = bp.Plan(ctx, env.conn)
	require.Error(t, err)
	var fe *sitekit.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "Host.Name", fe.Field)
	assert.Equal(t, "xcp-ng-01", fe.Value)
	assert.Contains(t, err.Error(), "xcp-dl380", "names the hosts XO knows")

	// The default host is the simulator's.
	site.Host = DefaultHost()
	bp, err = Standard(site)
	require.NoError(t, err)
	_, err = bp.Plan(ctx, env.conn)
	require.NoError(t, err)
}
