package blueprint

// TrueNAS resources of the presets: the site's datasets under
// <pool>/sitekit/<site> (xo-backups, replicas with continuous replication, smb/<department>), the NFS share of the XO
// backup repository restricted to the XCP-ng host, the SMB shares of the user departments,
// periodic snapshot tasks, and the off-site copy (cloud sync to S3, or ZFS replication over
// SSH to another NAS: an SSH key pair, an SSH connection and a PUSH replication task).
//
// Markers: datasets (comments, set locally — an inherited comment does not count), NFS and
// SMB shares (comment) and cloud sync tasks (description) carry site.Marker(). Snapshot
// tasks have no free-text field: their naming schema "sitekit-<site>-%Y-%m-%d_%H-%M" is
// their marker. Cloud credentials, keychain credentials (key pair, SSH connection) and
// replication tasks carry the marker in their name.

import (
	"context"
	"errors"
	"sort"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/truenas"
)

// TrueNAS collections read by the plan (one query each, shared through the engine Reader).
const (
	tnCollPools     = "pool.query"
	tnCollDatasets  = "pool.dataset.query"
	tnCollNFS       = "sharing.nfs.query"
	tnCollSMB       = "sharing.smb.query"
	tnCollSnapTasks = "pool.snapshottask.query"
	tnCollCreds     = "cloudsync.credentials.query"
	tnCollCloudSync = "cloudsync.query"
	tnCollKeychain  = "keychaincredential.query"
	tnCollRepl      = "replication.query"
	tnCollSystem    = "system.info"
)

// truenasList runs one query per plan through the engine reader.
func truenasList[T any](ctx context.Context, b *build, r *engine.Reader, coll string, list func(context.Context, *truenas.ListOptions) ([]T, error)) ([]T, error) {
	return engine.ListAs(ctx, r, appTrueNAS, coll, func(ctx context.Context) ([]T, error) { return list(ctx, nil) })
}

// truenasPool returns the pool holding the site's datasets: the first healthy pool by name
// (a NAS of the offer has one data pool), or the first pool.
func (b *build) truenasPool(ctx context.Context, r *engine.Reader) (string, error) {
	pools, err := truenasList(ctx, b, r, tnCollPools, b.conns.TrueNAS.Pools.List)
	if err != nil {
		return "", err
	}
	sort.Slice(pools, func(i, j int) bool {
		if pools[i].Healthy != pools[j].Healthy {
			return pools[i].Healthy
		}
		return pools[i].Name < pools[j].Name
	})
	if len(pools) == 0 {
		return "", errors.New("truenas: no storage pool: create one before applying the site")
	}
	return pools[0].Name, nil
}

// truenasRoot is the site's dataset below the pool.
func (b *build) truenasRoot() string { return "sitekit/" + b.site.Name }

// truenasDatasets lists the site's datasets relative to the pool, parents first.
func (b *build) truenasDatasets() []string {
	root := b.truenasRoot()
	ds := []string{root, root + "/" + nfsBackupShare}
	if b.feat.Replication {
		ds = append(ds, root+"/replicas")
	}
	if b.feat.SMB {
		ds = append(ds, root+"/smb")
		for _, d := range b.truenasDepartments() {
			ds = append(ds, root+"/smb/"+d)
		}
	}
	return ds
}

// truenasDepartments are the SMB shares: one per user VLAN (compta, technique).
func (b *build) truenasDepartments() []string {
	var out []string
	for _, v := range b.site.Network.ByRole(RoleUsers) {
		out = append(out, v.Name)
	}
	return out
}

func keyTNDataset(rel string) engine.Key { return engine.K(appTrueNAS, "dataset", rel) }

// truenas adds the TrueNAS resources to the graph.
func (b *build) truenas() error {
	s := b.site
	// Collections the observations read (recorded here: b.reads is not safe during a plan).
	for _, coll := range []string{tnCollPools, tnCollDatasets, tnCollNFS} {
		b.reads(appTrueNAS, coll)
	}
	if b.feat.SMB {
		b.reads(appTrueNAS, tnCollSMB)
	}
	if b.feat.Snapshots && s.Backup.Snapshots != "" {
		b.reads(appTrueNAS, tnCollSnapTasks)
	}
	if s.Offsite.Kind == OffsiteS3 {
		b.reads(appTrueNAS, tnCollCreds)
		b.reads(appTrueNAS, tnCollCloudSync)
	}
	if s.Offsite.Kind == OffsiteReplication {
		b.reads(appTrueNAS, tnCollKeychain)
		b.reads(appTrueNAS, tnCollRepl)
	}
	for _, rel := range b.truenasDatasets() {
		b.truenasDataset(rel)
	}
	b.truenasNFS()
	if b.feat.SMB {
		for _, d := range b.truenasDepartments() {
			b.truenasSMB(d)
		}
	}
	if b.feat.Snapshots && s.Backup.Snapshots != "" {
		b.truenasSnapshotTask(b.truenasRoot()+"/"+nfsBackupShare, false)
		if b.feat.SMB && len(b.truenasDepartments()) > 0 {
			b.truenasSnapshotTask(b.truenasRoot()+"/smb", true)
		}
	}
	switch s.Offsite.Kind {
	case OffsiteS3:
		b.truenasCloudSync()
	case OffsiteReplication:
		b.truenasReplication()
	}
	return nil
}
