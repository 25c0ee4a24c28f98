package truenas_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/truenastest"
)

// Evidence: reference truenas.md §6.1-§6.2 (system.info sample, pool.query entry); get with
// no match is MatchNotFound (§2.3).
func TestSystemAndPools(t *testing.T) {
	_, c := newPair(t, nil)
	info := must[truenas.SystemInfo](t)(c.System.Info(ctx))
	if info.Version != "26.0.0" || info.Hostname == "" || info.BootTime == nil || info.BootTime.IsZero() {
		t.Fatalf("info = %+v", info)
	}
	if v := must[string](t)(c.System.VersionShort(ctx)); v != "26.0.0" {
		t.Fatalf("version_short = %q", v)
	}
	if v := must[string](t)(c.System.Version(ctx)); v != "TrueNAS-26.0.0" {
		t.Fatalf("version = %q", v)
	}
	if ok := must[bool](t)(c.System.Ready(ctx)); !ok {
		t.Fatal("not ready")
	}
	if p := must[string](t)(c.System.Ping(ctx)); p != "pong" {
		t.Fatal(p)
	}
	pool := must[truenas.Pool](t)(c.Pools.Find(ctx, "tank"))
	if pool.Path != "/mnt/tank" || !pool.Healthy || pool.Status != "ONLINE" {
		t.Fatalf("pool = %+v", pool)
	}
	_, err := c.Pools.Find(ctx, "nope")
	wantIs(t, err, sitekit.ErrNotFound)
}

// Evidence: reference truenas.md §6.2 (property objects, inherited source_info, quota ≥ 1 GiB,
// "Path … already exists", parent must exist); pool_/dataset.py do_delete at TS-25.10.6
// (ENOTEMPTY "filesystem has children", ENOENT for a missing dataset).
func TestDatasets(t *testing.T) {
	srv, c := newPair(t, nil)
	marker := sitekit.Marker("pv-pessac")
	ds := must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{
		Name: "tank/backups", Comments: &marker, Compression: "ZSTD", Quota: truenas.Ptr(int64(10 << 30)), ShareType: "NFS",
		UserProperties: []truenas.UserProperty{{Key: "msp:site", Value: "pessac"}},
	}))
	if ds.Mountpoint != "/mnt/tank/backups" || ds.Compression.Value != "ZSTD" || ds.Quota.Int() != 10<<30 || ds.Quota.Value != "10G" {
		t.Fatalf("created %+v", ds)
	}
	if site, ok := sitekit.ParseMarker(ds.Comment()); !ok || site != "pv-pessac" {
		t.Fatalf("marker %q", ds.Comment())
	}
	if ds.UserProperties["msp:site"].Value != "pessac" {
		t.Fatalf("user props %+v", ds.UserProperties)
	}
	child := must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/backups/xo"}))
	if child.Compression.Source != "INHERITED" || child.Compression.Value != "ZSTD" || child.Compression.SourceInfo != "tank/backups" {
		t.Fatalf("inherited compression %+v", child.Compression)
	}
	got := must[truenas.Dataset](t)(c.Datasets.Get(ctx, "tank/backups"))
	if got.Comment() != marker {
		t.Fatalf("get %+v", got)
	}
	upd := must[truenas.Dataset](t)(c.Datasets.Update(ctx, "tank/backups", truenas.DatasetRequest{Quota: truenas.Ptr(int64(0)), Comments: truenas.Ptr("x " + marker)}))
	if upd.Quota.Int() != 0 || upd.Comment() != "x "+marker {
		t.Fatalf("updated %+v %+v", upd.Quota, upd.Comments)
	}
	list := must[[]truenas.Dataset](t)(c.Datasets.List(ctx, &truenas.ListOptions{Filters: []truenas.Filter{truenas.F("name", "^", "tank/")},
		OrderBy: []string{"-name"}}))
	if len(list) != 2 || list[0].Name != "tank/backups/xo" {
		t.Fatalf("list %v", names(list))
	}
	var all []string
	for d, err := range c.Datasets.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, d.Name)
	}
	if len(all) != 3 {
		t.Fatalf("all = %v", all)
	}
	// server-side errors
	_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/backups"})
	wantIs(t, err, sitekit.ErrExists)
	var ae *truenas.APIError
	if !errors.As(err, &ae) || ae.Code != -32602 || ae.Field("name") != "Path /mnt/tank/backups already exists" {
		t.Fatalf("duplicate: %#v", err)
	}
	_, err = c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/missing/child"})
	wantIs(t, err, sitekit.ErrInvalid)
	_, err = c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "other/x"})
	wantIs(t, err, sitekit.ErrInvalid)
	wantIs(t, c.Datasets.Delete(ctx, "tank/backups", nil), sitekit.ErrInUse)
	if err := c.Datasets.Delete(ctx, "tank/backups", &truenas.DatasetDeleteOptions{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Datasets.Get(ctx, "tank/backups")
	wantIs(t, err, sitekit.ErrNotFound)
	wantIs(t, c.Datasets.Delete(ctx, "tank/backups", nil), sitekit.ErrNotFound)
	if n := srv.Faults().Calls("pool.dataset.delete"); n != 3 {
		t.Fatalf("delete calls = %d", n)
	}
}

func names(ds []truenas.Dataset) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

// Client-side validation only: nothing reaches the simulator.
func TestBadInputSendsNothing(t *testing.T) {
	srv, c := newPair(t, nil)
	must[string](t)(c.APIVersion(ctx)) // connect first so that counting starts from a known point
	srv.Faults().ResetCounters()
	cases := []struct {
		field string
		err   func() error
	}{
		{"Name", func() error { _, err := c.Datasets.Create(ctx, truenas.DatasetRequest{}); return err }},
		{"Name", func() error {
			_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/my backups"})
			return err
		}},
		{"Name", func() error { _, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "backups"}); return err }},
		{"Quota", func() error {
			_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/a", Quota: truenas.Ptr(int64(-1))})
			return err
		}},
		{"Quota", func() error {
			_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/a", Quota: truenas.Ptr(int64(1 << 20))})
			return err
		}},
		{"Compression", func() error {
			_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/a", Compression: "BROTLI"})
			return err
		}},
		{"ACLMode", func() error {
			_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/a", ACLType: "POSIX", ACLMode: "RESTRICTED"})
			return err
		}},
		{"Path", func() error {
			_, err := c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: "/srv/backups"})
			return err
		}},
		{"Networks[1]", func() error {
			_, err := c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: "/mnt/tank/a", Networks: []string{"10.0.0.0/24", "10.0.0.0/33"}})
			return err
		}},
		{"Name", func() error {
			_, err := c.SMBShares.Create(ctx, truenas.SMBShareRequest{Name: "homes", Path: "/mnt/tank/a"})
			return err
		}},
		{"Schedule.Minute", func() error {
			_, err := c.SnapshotTasks.Create(ctx, truenas.SnapshotTaskRequest{Dataset: "tank/a", Schedule: &truenas.Schedule{Minute: "60"}})
			return err
		}},
		{"Schedule.Dow", func() error {
			_, err := c.SnapshotTasks.Create(ctx, truenas.SnapshotTaskRequest{Dataset: "tank/a", Schedule: &truenas.Schedule{Dow: "1-9"}})
			return err
		}},
		{"SSHCredentials", func() error {
			_, err := c.Replications.Create(ctx, truenas.ReplicationRequest{Name: "r", Direction: "PUSH", Transport: "SSH",
				SourceDatasets: []string{"tank/a"}, TargetDataset: "b/a", Recursive: truenas.Ptr(true), Auto: truenas.Ptr(true), RetentionPolicy: "SOURCE"})
			return err
		}},
		{"Provider.SecretAccessKey", func() error {
			_, err := c.CloudCredentials.Create(ctx, truenas.CloudCredentialRequest{Name: "s3", Provider: truenas.CloudProvider{Type: "S3", AccessKeyID: "k"}})
			return err
		}},
		{"Password", func() error {
			_, err := c.Users.Create(ctx, truenas.UserRequest{Username: "svc", FullName: "Svc"})
			return err
		}},
		{"Username", func() error { _, err := c.Users.Create(ctx, truenas.UserRequest{Username: "9bad name"}); return err }},
		{"Attributes.Bucket", func() error {
			_, err := c.CloudSyncs.Create(ctx, truenas.CloudSyncRequest{Path: "/mnt/tank/a", Credentials: 1, Direction: "PUSH", TransferMode: "SYNC"})
			return err
		}},
	}
	for _, tc := range cases {
		wantField(t, tc.err(), tc.field)
	}
	if n := srv.Faults().TotalCalls(); n != 0 {
		t.Fatalf("%d calls sent for invalid input: %v", n, srv.Faults().CallCounts())
	}
}

// Evidence: reference truenas.md §6.4 (share path must be an existing dataset mountpoint;
// one export per path, inferred from sharing/nfs.py "Export already exists" validation).
func TestSharesCheckReferences(t *testing.T) {
	_, c := newPair(t, nil)
	_, err := c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: "/mnt/tank/xo"})
	wantIs(t, err, sitekit.ErrInvalid) // no such dataset
	must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/xo", ShareType: "NFS"}))
	nfs := must[truenas.NFSShare](t)(c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: "/mnt/tank/xo", Comment: truenas.Ptr(sitekit.Marker("s")),
		Networks: []string{"10.10.20.0/24"}, Hosts: []string{"xcp01"}, MaprootUser: truenas.Ptr("root"), MaprootGroup: truenas.Ptr("root")}))
	if nfs.ID == 0 || nfs.Networks[0] != "10.10.20.0/24" || nfs.MaprootUser != "root" || !nfs.Enabled {
		t.Fatalf("nfs %+v", nfs)
	}
	_, err = c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: "/mnt/tank/xo"})
	wantIs(t, err, sitekit.ErrExists)
	got := must[truenas.NFSShare](t)(c.NFSShares.Find(ctx, "/mnt/tank/xo"))
	if got.ID != nfs.ID {
		t.Fatal(got)
	}
	upd := must[truenas.NFSShare](t)(c.NFSShares.Update(ctx, nfs.ID, truenas.NFSShareRequest{RO: truenas.Ptr(true), Networks: []string{}}))
	if !upd.RO || len(upd.Networks) != 0 || upd.Hosts[0] != "xcp01" {
		t.Fatalf("update %+v", upd)
	}
	if err := c.NFSShares.Delete(ctx, nfs.ID); err != nil {
		t.Fatal(err)
	}
	wantIs(t, c.NFSShares.Delete(ctx, nfs.ID), sitekit.ErrNotFound)
	_, err = c.NFSShares.Find(ctx, "/mnt/tank/xo")
	wantIs(t, err, sitekit.ErrNotFound)
}

// Evidence: reference truenas.md §6.3 (naming schema defaults, schedule begin/end, state
// PENDING); plugins/snapshot.py run at TS-25.10.6 (disabled task refused, run queued).
func TestSnapshotsAndTasks(t *testing.T) {
	srv, c := newPair(t, nil)
	must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/vm"}))
	_, err := c.SnapshotTasks.Create(ctx, truenas.SnapshotTaskRequest{Dataset: "tank/nope"})
	wantIs(t, err, sitekit.ErrInvalid)
	task := must[truenas.SnapshotTask](t)(c.SnapshotTasks.Create(ctx, truenas.SnapshotTaskRequest{Dataset: "tank/vm", Recursive: truenas.Ptr(true),
		LifetimeValue: 2, LifetimeUnit: "WEEK", Schedule: &truenas.Schedule{Minute: "0", Hour: "*/4"}}))
	if task.Schedule.Hour != "*/4" || task.Schedule.Begin != "00:00" || task.NamingSchema != "auto-%Y-%m-%d_%H-%M" || task.State.State != "PENDING" {
		t.Fatalf("task %+v", task)
	}
	task = must[truenas.SnapshotTask](t)(c.SnapshotTasks.Update(ctx, task.ID, truenas.SnapshotTaskRequest{Enabled: truenas.Ptr(false)}))
	if task.Enabled || !task.Recursive {
		t.Fatalf("update %+v", task)
	}
	// a disabled task does not run (plugins/snapshot.py at TS-25.10.6)
	err = c.SnapshotTasks.Run(ctx, task.ID)
	var ae *truenas.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "[EFAULT] Task is not enabled", ae.Reason)
	must[truenas.SnapshotTask](t)(c.SnapshotTasks.Update(ctx, task.ID, truenas.SnapshotTaskRequest{Enabled: truenas.Ptr(true)}))
	// an enabled one is queued: the snapshot appears when the appliance's clock moves on
	require.NoError(t, c.SnapshotTasks.Run(ctx, task.ID))
	snaps := must[[]truenas.Snapshot](t)(c.Snapshots.List(ctx, truenas.Where(truenas.Eq("dataset", "tank/vm"))))
	require.Empty(t, snaps)
	srv.AdvanceJobs(0)
	snaps = must[[]truenas.Snapshot](t)(c.Snapshots.List(ctx, truenas.Where(truenas.Eq("dataset", "tank/vm"))))
	if len(snaps) != 1 || snaps[0].SnapshotName != "auto-2026-11-25_08-00" {
		t.Fatalf("snaps %+v", snaps)
	}
	s := must[truenas.Snapshot](t)(c.Snapshots.Create(ctx, truenas.SnapshotRequest{Dataset: "tank/vm", Name: "manual-1"}))
	if s.ID != "tank/vm@manual-1" {
		t.Fatal(s)
	}
	must[truenas.Snapshot](t)(c.Snapshots.Get(ctx, "tank/vm@manual-1"))
	if err := c.Snapshots.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshots.Get(ctx, s.ID)
	wantIs(t, err, sitekit.ErrNotFound)
	found := must[[]truenas.SnapshotTask](t)(c.SnapshotTasks.ForDataset(ctx, "tank/vm"))
	if len(found) != 1 {
		t.Fatal(found)
	}
	if err := c.SnapshotTasks.Delete(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.SnapshotTasks.Get(ctx, task.ID)
	wantIs(t, err, sitekit.ErrNotFound)
}

// Evidence: reference truenas.md §6.1 (alert.list, dismiss/restore) and §6.7 (user.create);
// the default home /var/empty and the builtin-user refusal are inferred.
func TestUsersAndAlerts(t *testing.T) {
	srv, c := newPair(t, nil)
	u := must[truenas.User](t)(c.Users.Create(ctx, truenas.UserRequest{Username: "svc_msp", FullName: "MSP automation", PasswordDisabled: truenas.Ptr(true)}))
	if u.ID == 0 || !u.PasswordDisabled || u.Home != "/var/empty" {
		t.Fatalf("user %+v", u)
	}
	_, err := c.Users.Create(ctx, truenas.UserRequest{Username: "svc_msp", FullName: "x", PasswordDisabled: truenas.Ptr(true)})
	wantIs(t, err, sitekit.ErrExists)
	u = must[truenas.User](t)(c.Users.Update(ctx, u.ID, truenas.UserRequest{Email: truenas.Ptr("ops@example.com")}))
	if u.Email != "ops@example.com" {
		t.Fatal(u)
	}
	must[truenas.User](t)(c.Users.Find(ctx, "svc_msp"))
	if err := c.Users.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Find(ctx, "svc_msp")
	wantIs(t, err, sitekit.ErrNotFound)

	uuid := srv.AddAlert("CRITICAL", "Pool tank is DEGRADED")
	alerts := must[[]truenas.Alert](t)(c.Alerts.List(ctx))
	if len(alerts) != 1 || alerts[0].Level != "CRITICAL" || alerts[0].Dismissed || alerts[0].Datetime == nil {
		t.Fatalf("alerts %+v", alerts)
	}
	if err := c.Alerts.Dismiss(ctx, uuid); err != nil {
		t.Fatal(err)
	}
	if a := must[[]truenas.Alert](t)(c.Alerts.List(ctx)); !a[0].Dismissed {
		t.Fatal("not dismissed")
	}
	if err := c.Alerts.Restore(ctx, uuid); err != nil {
		t.Fatal(err)
	}
	wantIs(t, c.Alerts.Dismiss(ctx, "nope"), sitekit.ErrNotFound)
}

// Evidence: reference truenas.md §6.8-§6.9 (keychain, replication defaults and expansion of
// ssh_credentials/periodic_snapshot_tasks, cloudsync.credentials.verify, cloudsync.sync job);
// plugins/keychain.py do_delete at TS-25.10.6 (in-use credential: -32602 on options.cascade).
func TestOffsiteReplicationAndCloudSync(t *testing.T) {
	srv, c := newPair(t, nil)
	must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/backups"}))
	task := must[truenas.SnapshotTask](t)(c.SnapshotTasks.Create(ctx, truenas.SnapshotTaskRequest{Dataset: "tank/backups"}))
	// keychain: key pair + SSH connection
	kp := must[truenas.SSHKeyPair](t)(c.KeychainCredentials.GenerateKeyPair(ctx))
	if kp.PrivateKey.IsZero() || kp.PublicKey == "" {
		t.Fatal("empty key pair")
	}
	keyCred := must[truenas.KeychainCredential](t)(c.KeychainCredentials.CreateKeyPair(ctx, "offsite-key", kp))
	hostKey := must[string](t)(c.KeychainCredentials.RemoteHostKeyScan(ctx, "offsite.example", 22))
	conn := must[truenas.KeychainCredential](t)(c.KeychainCredentials.CreateSSHConnection(ctx, truenas.SSHConnectionRequest{Name: "offsite",
		Host: "offsite.example", Username: "root", PrivateKeyID: keyCred.ID, RemoteHostKey: hostKey}))
	if conn.Attributes.PrivateKeyID != keyCred.ID || conn.Attributes.Port != 22 || conn.Type != truenas.KeychainSSHCredentials {
		t.Fatalf("conn %+v", conn)
	}
	if got := must[truenas.KeychainCredential](t)(c.KeychainCredentials.Find(ctx, "offsite")); got.ID != conn.ID {
		t.Fatal(got)
	}
	push := must[truenas.Replication](t)(c.Replications.Create(ctx, truenas.ReplicationRequest{Name: "offsite-tank-backups", Direction: "PUSH",
		Transport: "SSH", SSHCredentials: &conn.ID, SourceDatasets: []string{"tank/backups"}, TargetDataset: "offsite/acme/backups",
		Recursive: truenas.Ptr(true), Auto: truenas.Ptr(true), PeriodicSnapshotTasks: []int64{task.ID}, RetentionPolicy: "CUSTOM",
		LifetimeValue: 3, LifetimeUnit: "MONTH"}))
	if push.SSHCredentials() != conn.ID || push.SnapshotTaskIDs()[0] != task.ID || push.State.State != "PENDING" || push.Readonly != "SET" {
		t.Fatalf("push %+v", push)
	}
	_, err := c.Replications.Create(ctx, truenas.ReplicationRequest{Name: "offsite-tank-backups", Direction: "PUSH",
		Transport: "SSH", SSHCredentials: &conn.ID, SourceDatasets: []string{"tank/backups"}, TargetDataset: "x/y",
		Recursive: truenas.Ptr(true), Auto: truenas.Ptr(true), PeriodicSnapshotTasks: []int64{task.ID}, RetentionPolicy: "SOURCE"})
	wantIs(t, err, sitekit.ErrExists)
	wantIs(t, c.KeychainCredentials.Delete(ctx, conn.ID, nil), sitekit.ErrInvalid)
	job := must[truenas.Job](t)(c.Replications.Run(ctx, push.ID, nil))
	if job.State != truenas.JobSuccess || job.Method != "replication.run" {
		t.Fatalf("job %+v", job)
	}
	if r := must[truenas.Replication](t)(c.Replications.Find(ctx, "offsite-tank-backups")); r.State.State != "FINISHED" {
		t.Fatalf("state %+v", r.State)
	}
	// local replication into a second pool
	srv.AddPool("backup2")
	must[truenas.Snapshot](t)(c.Snapshots.Create(ctx, truenas.SnapshotRequest{Dataset: "tank/backups", Name: "manual-1"}))
	local := must[truenas.Replication](t)(c.Replications.Create(ctx, truenas.ReplicationRequest{Name: "local", Direction: "PUSH", Transport: "LOCAL",
		SourceDatasets: []string{"tank/backups"}, TargetDataset: "backup2/backups", Recursive: truenas.Ptr(false), Auto: truenas.Ptr(false),
		AlsoIncludeNamingSchema: []string{"manual-%Y"}, RetentionPolicy: "SOURCE"}))
	must[truenas.Job](t)(c.Replications.Run(ctx, local.ID, nil))
	must[truenas.Snapshot](t)(c.Snapshots.Get(ctx, "backup2/backups@manual-1"))
	must[truenas.Replication](t)(c.Replications.Update(ctx, local.ID, truenas.ReplicationRequest{Enabled: truenas.Ptr(false)}))
	if err := c.Replications.Delete(ctx, local.ID); err != nil {
		t.Fatal(err)
	}

	// cloud sync to an S3-compatible bucket
	prov := truenas.CloudProvider{Type: "S3", AccessKeyID: "003abc", SecretAccessKey: sitekit.NewSecret("s3cr3t"),
		Endpoint: "https://s3.eu-central-003.backblazeb2.com"}
	if v := must[truenas.VerifyResult](t)(c.CloudCredentials.Verify(ctx, prov)); !v.Valid {
		t.Fatal(v)
	}
	srv.SetCredentialInvalid("bad", "403 Forbidden")
	bad := prov
	bad.AccessKeyID = "bad"
	if v := must[truenas.VerifyResult](t)(c.CloudCredentials.Verify(ctx, bad)); v.Valid || v.Error != "403 Forbidden" {
		t.Fatal(v)
	}
	cred := must[truenas.CloudCredential](t)(c.CloudCredentials.Create(ctx, truenas.CloudCredentialRequest{Name: "b2-acme", Provider: prov}))
	if cred.Provider.Endpoint != prov.Endpoint || !cred.Provider.SecretAccessKey.IsZero() {
		t.Fatalf("cred %+v", cred)
	}
	must[truenas.CloudCredential](t)(c.CloudCredentials.Find(ctx, "b2-acme"))
	desc := "acme offsite " + sitekit.Marker("pv-pessac")
	cs := must[truenas.CloudSync](t)(c.CloudSyncs.Create(ctx, truenas.CloudSyncRequest{Description: &desc, Path: "/mnt/tank/backups",
		Credentials: cred.ID, Attributes: &truenas.CloudSyncAttributes{Bucket: "acme-nas", Folder: "/nas01"}, Direction: "PUSH",
		TransferMode: "SYNC", Snapshot: truenas.Ptr(true), Schedule: &truenas.Schedule{Minute: "00", Hour: "2"},
		EncryptionPassword: sitekit.NewSecret("pw"), EncryptionSalt: sitekit.NewSecret("salt")}))
	if cs.Credentials() != cred.ID || !cs.Encryption || cs.Schedule.Hour != "2" || cs.Attributes.Bucket != "acme-nas" {
		t.Fatalf("cloudsync %+v", cs)
	}
	got := must[truenas.CloudSync](t)(c.CloudSyncs.Find(ctx, desc))
	if got.ID != cs.ID {
		t.Fatal(got)
	}
	must[truenas.Job](t)(c.CloudSyncs.Sync(ctx, cs.ID, false, nil))
	must[truenas.CloudSync](t)(c.CloudSyncs.Update(ctx, cs.ID, truenas.CloudSyncRequest{Enabled: truenas.Ptr(false)}))
	_, err = c.CloudSyncs.Create(ctx, truenas.CloudSyncRequest{Path: "/mnt/nope", Credentials: cred.ID,
		Attributes: &truenas.CloudSyncAttributes{Bucket: "b"}, Direction: "PUSH", TransferMode: "SYNC"})
	wantIs(t, err, sitekit.ErrInvalid)
	for _, del := range []error{c.CloudSyncs.Delete(ctx, cs.ID), c.CloudCredentials.Delete(ctx, cred.ID),
		c.Replications.Delete(ctx, push.ID), c.KeychainCredentials.Delete(ctx, conn.ID, nil), c.KeychainCredentials.Delete(ctx, keyCred.ID, nil)} {
		if del != nil {
			t.Fatal(del)
		}
	}
}

// Evidence: reference truenas.md §4 (failed job: state FAILED, error, exc_info with errno).
func TestJobFailure(t *testing.T) {
	srv, c := newPair(t, nil)
	must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/b"}))
	cred := must[truenas.CloudCredential](t)(c.CloudCredentials.Create(ctx, truenas.CloudCredentialRequest{Name: "c", Provider: truenas.CloudProvider{Type: "B2", Account: "a", Key: sitekit.NewSecret("k")}}))
	cs := must[truenas.CloudSync](t)(c.CloudSyncs.Create(ctx, truenas.CloudSyncRequest{Path: "/mnt/tank/b", Credentials: cred.ID,
		Attributes: &truenas.CloudSyncAttributes{Bucket: "b"}, Direction: "PUSH", TransferMode: "COPY"}))
	srv.FailNextJob("cloudsync.sync", "rclone failed: 403 Forbidden")
	job, err := c.CloudSyncs.Sync(ctx, cs.ID, false, nil)
	var je *truenas.JobError
	if !errors.As(err, &je) || job.State != truenas.JobFailed || je.Job.ExcInfo == nil || je.Job.ExcInfo.Errno != 14 {
		t.Fatalf("job %+v err %v", job, err)
	}
}

var _ = truenastest.WithRelease
