package blueprint

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
func tnCollect[T any](t *testing.T, out map[string][]string, kind string, list func(context.Context, *truenas.ListOptions) ([]T, error), name func(T) (string, bool)) {
	t.Helper()
	items, err := list(context.Background(), nil)
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
	share, err := c.NFSShares.Find(ctx, "/mnt/"+root+"/xo-backups")
	require.NoError(t, err)
	assert.Equal(t, site.Marker(), share.Comment)
	assert.Equal(t, []string{"10.10.10.0/24"}, share.Networks, "without XO the export is restricted to the management VLAN")
	assert.Equal(t, "root", share.MaprootUser)
	assert.ElementsMatch(t, []string{"other", "compta", "technique"}, objs["smb"])
	assert.ElementsMatch(t, []string{root + "/xo-backups", root + "/smb"}, objs["snapshot-task"])
	require.Len(t, objs["cloudsync"], 1)
	assert.Contains(t, objs["cloudsync"][0], site.Marker())
	require.Len(t, objs["credential"], 1)
	tasks, err := c.SnapshotTasks.List(ctx, nil)
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

	// A destroy keeps the backup and share datasets (and their snapshots) by default.
	keep, err := bp.PlanDestroy(ctx, conns)
	require.NoError(t, err)
	assert.Len(t, keep.KeptBackups, 6, "%s", keep)
	for _, st := range keep.Steps {
		assert.NotEqual(t, "dataset", st.Key.Kind, "no dataset deleted without DeleteBackups: %s", st.ID)
	}
	assert.Contains(t, keep.String(), "# kept: truenas/dataset/sitekit/pv-pessac/xo-backups (backups")
	res, err := bp.Destroy(ctx, conns)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	objs = trueNASSiteObjects(t, c, site.Name)
	assert.Len(t, objs["dataset"], 6, "the datasets are kept")
	assert.Empty(t, objs["nfs"])

	// Asked to, it deletes them.
	res, err = bp.DestroyWith(ctx, conns, DestroyOptions{DeleteBackups: true})
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
	ts.Faults().SetFaults(truenastest.Faults{Seed: 7, AmbiguousRate: 1})
	res, err := p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	ts.Faults().SetFaults(truenastest.Faults{})
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
	require.Contains(t, ts.URL(), want+":", "the configured URL has a port, stripped in the output")
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

// findingOf returns the compliance finding named check.
func findingOf(t *testing.T, c *Compliance, check string) Finding {
	t.Helper()
	for _, f := range c.Findings {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no finding %q in %+v", check, c.Findings)
	return Finding{}
}

// An off-site copy by ZFS replication: a key pair, an SSH connection to the target and a
// PUSH replication task, all marked, converged, warned about until the key works, removed
// by destroy.
func TestTrueNASOffsiteReplication(t *testing.T) {
	ctx := context.Background()
	site := xoTestSite(t)
	site.Offsite = Offsite{Kind: OffsiteReplication, Endpoint: "nas2.example", Bucket: "backup/pv-pessac"}
	site.Credentials.OffsiteAccessKey, site.Credentials.OffsiteSecretKey = "", ""
	_, conns := newTrueNASOnly(t)
	c := conns.TrueNAS
	bp, err := Standard(site)
	require.NoError(t, err)

	// A key pair the site does not own, kept by destroy.
	kp, err := c.KeychainCredentials.GenerateKeyPair(ctx)
	require.NoError(t, err)
	_, err = c.KeychainCredentials.CreateKeyPair(ctx, "other-key", kp)
	require.NoError(t, err)

	p, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, "root@nas2.example") }),
		"the first plan says a key pair will be generated: %v", p.Warnings)
	res, err := p.Apply(ctx)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)

	m := site.Marker()
	key, err := c.KeychainCredentials.Find(ctx, site.Name+"-offsite-key ["+m+"]")
	require.NoError(t, err)
	assert.Equal(t, truenas.KeychainSSHKeyPair, key.Type)
	require.True(t, strings.HasPrefix(key.Attributes.PublicKey, "ssh-"), "public key stored: %q", key.Attributes.PublicKey)
	conn, err := c.KeychainCredentials.Find(ctx, site.Name+"-offsite-ssh ["+m+"]")
	require.NoError(t, err)
	assert.Equal(t, truenas.KeychainSSHCredentials, conn.Type)
	assert.Equal(t, "nas2.example", conn.Attributes.Host)
	assert.Equal(t, 22, conn.Attributes.Port)
	assert.Equal(t, "root", conn.Attributes.Username, "default user")
	assert.Equal(t, key.ID, conn.Attributes.PrivateKeyID)
	assert.Contains(t, conn.Attributes.RemoteHostKey, "nas2.example ssh-ed25519 ", "host key from the scan")
	repl, err := c.Replications.Find(ctx, site.Name+" off-site replication ["+m+"]")
	require.NoError(t, err)
	assert.Equal(t, "PUSH", repl.Direction)
	assert.Equal(t, "SSH", repl.Transport)
	assert.Equal(t, conn.ID, repl.SSHCredentials())
	assert.Equal(t, []string{"tank/sitekit/" + site.Name}, repl.SourceDatasets)
	assert.Equal(t, "backup/pv-pessac", repl.TargetDataset)
	assert.True(t, repl.Recursive)
	assert.True(t, repl.Auto)
	assert.Equal(t, []string{"sitekit-" + site.Name + "-%Y-%m-%d_%H-%M"}, repl.AlsoIncludeNamingSchema)
	assert.Equal(t, "CUSTOM", repl.RetentionPolicy)
	assert.Equal(t, 14, repl.LifetimeValue)
	assert.Equal(t, "DAY", repl.LifetimeUnit)
	require.NotNil(t, repl.Schedule)
	assert.Equal(t, "3", repl.Schedule.Hour)
	creds, err := c.CloudCredentials.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, creds, "no S3 objects for a replication site")

	// Re-plan: nothing to do; the operator is told to install the public key (never the
	// private one), the off-site copy is present.
	p2, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.Zero(t, p2.Changes(), "re-plan:\n%s", p2)
	assert.Equal(t, len(p2.Collections[appTrueNAS]), p2.Reads, "one query per collection: %v", p2.Collections)
	fp := truenasKeyFingerprint(key.Attributes.PublicKey)
	require.True(t, strings.HasPrefix(fp, "SHA256:"), fp)
	assert.True(t, slices.ContainsFunc(p2.Warnings, func(w string) bool {
		return strings.Contains(w, fp) && strings.Contains(w, key.Attributes.PublicKey) && strings.Contains(w, "root@nas2.example")
	}), "warning with the public key's fingerprint: %v", p2.Warnings)
	assert.NotContains(t, p2.String(), "PRIVATE KEY")
	assert.True(t, findingOf(t, p2.Compliance(), "3-2-1: one off-site").OK)
	live, err := bp.Audit(ctx, conns)
	require.NoError(t, err)
	off := findingOf(t, live, "3-2-1: one off-site")
	assert.True(t, off.OK, "%+v", off)

	// Once a run finished (the target accepted the key), the warning goes.
	_, err = c.Replications.Run(ctx, repl.ID, nil)
	require.NoError(t, err)
	p3, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.Zero(t, p3.Changes(), "re-plan:\n%s", p3)
	assert.Empty(t, p3.Warnings)
	assert.True(t, findingOf(t, p3.Compliance(), "no conflict with existing objects").OK)
	assert.True(t, findingOf(t, p3.Compliance(), "3-2-1: one off-site").OK)

	res, err = bp.Destroy(ctx, conns)
	require.NoError(t, err)
	require.NoError(t, res.Err(), "%v", res)
	tasks, err := c.Replications.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, tasks)
	keys, err := c.KeychainCredentials.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, "other-key", keys[0].Name, "the unmarked key pair is kept")
}
