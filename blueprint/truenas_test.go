package blueprint

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/internal/simkit"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/truenastest"
)

func newTrueNASOnly(t *testing.T, opts ...truenastest.Option) (*truenastest.Server, Connections) {
	t.Helper()
	ts := truenastest.NewTestServer(t, append([]truenastest.Option{truenastest.WithJobTicker(time.Millisecond)}, opts...)...)
	tc, err := ts.Client()
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.Close() })
	return ts, Connections{TrueNAS: tc}
}

// trueNASSiteObjects returns, by kind, the names of the objects the site holds on the NAS.
func trueNASSiteObjects(t *testing.T, c *truenas.Client, site string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	tnCollect(t, out, "dataset", c.Datasets.List, func(d truenas.Dataset) (string, bool) {
		return d.Name, strings.Contains(d.Name, "/sitekit/"+site)
	})
	tnCollect(t, out, "nfs", c.NFSShares.List, func(s truenas.NFSShare) (string, bool) { return s.Path, true })
	tnCollect(t, out, "smb", c.SMBShares.List, func(s truenas.SMBShare) (string, bool) { return s.Name, true })
	tnCollect(t, out, "snapshot-task", c.SnapshotTasks.List, func(s truenas.SnapshotTask) (string, bool) { return s.Dataset, true })
	tnCollect(t, out, "cloudsync", c.CloudSyncs.List, func(s truenas.CloudSync) (string, bool) { return s.Description, true })
	tnCollect(t, out, "credential", c.CloudCredentials.List, func(s truenas.CloudCredential) (string, bool) { return s.Name, true })
	return out
}

// tnCollect lists a TrueNAS collection and appends to out[kind] the name of every item
// name keeps.
func tnCollect[T any](t *testing.T, out map[string][]string, kind string, list func(context.Context, truenas.Query) ([]T, error), name func(T) (string, bool)) {
	t.Helper()
	items, err := list(context.Background(), truenas.Query{})
	require.NoError(t, err)
	for _, it := range items {
		if n, ok := name(it); ok {
			out[kind] = append(out[kind], n)
		}
	}
}

func TestTrueNASStandardApplyReplanDestroy(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	_, conns := newTrueNASOnly(t)
	c := conns.TrueNAS
	bp, err := Standard(site)
	require.NoError(t, err)

	// Objects the site does not own: an unmarked dataset and share, kept by destroy.
	_, err = c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/other"})
	require.NoError(t, err)
	_, err = c.SMBShares.Create(ctx, truenas.SMBShareRequest{Name: "other", Path: "/mnt/tank/other"})
	require.NoError(t, err)

	applySite(ctx, t, bp, conns)

	root := "tank/sitekit/" + site.Name
	objs := trueNASSiteObjects(t, c, site.Name)
	assert.ElementsMatch(t, []string{root, root + "/xo-backups", root + "/replicas", root + "/smb", root + "/smb/compta", root + "/smb/technique"}, objs["dataset"])
	for _, name := range objs["dataset"] {
		d, err := c.Datasets.Get(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, site.Marker(), truenasLocalComment(d), name)
	}
	share, err := c.NFSShares.Get(ctx, "/mnt/"+root+"/xo-backups")
	require.NoError(t, err)
	assert.Equal(t, site.Marker(), share.Comment)
	assert.Equal(t, []string{"10.10.10.0/24"}, share.Networks, "without XO the export is restricted to the management VLAN")
	assert.Equal(t, "root", share.MaprootUser)
	assert.ElementsMatch(t, []string{"other", "compta", "technique"}, objs["smb"])
	assert.ElementsMatch(t, []string{root + "/xo-backups", root + "/smb"}, objs["snapshot-task"])
	require.Len(t, objs["cloudsync"], 1)
	assert.Contains(t, objs["cloudsync"][0], site.Marker())
	require.Len(t, objs["credential"], 1)
	tasks, err := c.SnapshotTasks.List(ctx, truenas.Query{})
	require.NoError(t, err)
	for _, tk := range tasks {
		assert.Equal(t, 14, tk.LifetimeValue)
		assert.Equal(t, "DAY", tk.LifetimeUnit)
		assert.Equal(t, "0", tk.Schedule.Minute)
	}

	p2, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.Zero(t, p2.Changes(), "re-plan:\n%s", p2)
	assert.Equal(t, len(p2.Collections[appTrueNAS]), p2.Reads, "one query per collection: %v", p2.Collections)

	res, err := bp.Destroy(ctx, conns)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	objs = trueNASSiteObjects(t, c, site.Name)
	assert.Empty(t, objs["dataset"])
	assert.Empty(t, objs["nfs"])
	assert.Equal(t, []string{"other"}, objs["smb"])
	assert.Empty(t, objs["snapshot-task"])
	assert.Empty(t, objs["cloudsync"])
	assert.Empty(t, objs["credential"])
	_, err = c.Datasets.Get(ctx, "tank/other")
	assert.NoError(t, err, "the unmarked dataset is kept")
}

func TestTrueNASAmbiguousCommitsNeverDuplicate(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	ts, conns := newTrueNASOnly(t)
	bp, err := Standard(site)
	require.NoError(t, err)
	p, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	// Every write is applied and its answer lost.
	ts.Faults().SetFaults(simkit.Faults{Seed: 7, AmbiguousRate: 1})
	res, err := p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	ts.Faults().SetFaults(simkit.Faults{})
	assert.Positive(t, ts.Faults().Injected())

	objs := trueNASSiteObjects(t, conns.TrueNAS, site.Name)
	assert.Len(t, objs["dataset"], 6)
	assert.Len(t, objs["nfs"], 1)
	assert.Len(t, objs["smb"], 2)
	assert.Len(t, objs["snapshot-task"], 2)
	assert.Len(t, objs["cloudsync"], 1)
	assert.Len(t, objs["credential"], 1)
	p2, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.Zero(t, p2.Changes(), "re-plan:\n%s", p2)
}

// The NFS share's "host" output (the NFS server XO mounts) is the host of the URL the
// TrueNAS client is configured with, without its port, not the NAS's own hostname, which
// XO may not resolve.
func TestTrueNASShareHostIsClientURLHost(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	ts, conns := newTrueNASOnly(t)
	info, err := conns.TrueNAS.System.Info(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, info.Hostname)
	want := conns.TrueNAS.BaseURL().Hostname()
	require.NotEqual(t, info.Hostname, want, "the simulator's hostname differs from its address")
	require.Contains(t, ts.URL, want+":", "the configured URL has a port, stripped in the output")
	bp, err := Standard(site)
	require.NoError(t, err)

	applySite(ctx, t, bp, conns)
	p2, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	found := false
	for _, st := range p2.Steps {
		if st.Key == keyNFSShare(nfsBackupShare) {
			found = true
			assert.Equal(t, want, st.Observed().Outputs["host"], "observed output")
		}
	}
	assert.True(t, found, "no NFS share step in\n%s", p2)
}
