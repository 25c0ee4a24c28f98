package blueprint

// TrueNAS resources of the presets (DESIGN §6): the site's datasets under
// <pool>/sitekit/<site> (xo-backups, replicas, smb/<department>), the NFS share of the XO
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
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

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
func truenasList[T any](ctx context.Context, b *build, r *engine.Reader, coll string, list func(context.Context, truenas.Query) ([]T, error)) ([]T, error) {
	return engine.ListAs(ctx, r, appTrueNAS, coll, func(ctx context.Context) ([]T, error) { return list(ctx, truenas.Query{}) })
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
	ds := []string{root, root + "/" + nfsBackupShare, root + "/replicas"}
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

// ── datasets ───────────────────────────────────────────────────────────────────────────

type tnDatasetState struct {
	Comments string `json:"comments"`
}

// truenasLocalComment returns a dataset's own comment (an inherited one is the parent's).
func truenasLocalComment(d truenas.Dataset) string {
	if d.Comments.Source == "INHERITED" {
		return ""
	}
	return d.Comment()
}

func (b *build) truenasDataset(rel string) {
	c := b.conns.TrueNAS
	var after []engine.Key
	if i := strings.LastIndex(rel, "/"); i > 0 && rel[:i] != "sitekit" {
		after = []engine.Key{keyTNDataset(rel[:i])}
	}
	find := func(ctx context.Context, r *engine.Reader) (truenas.Dataset, string, bool, error) {
		pool, err := b.truenasPool(ctx, r)
		if err != nil {
			return truenas.Dataset{}, "", false, err
		}
		all, err := truenasList(ctx, b, r, tnCollDatasets, c.Datasets.List)
		if err != nil {
			return truenas.Dataset{}, "", false, err
		}
		full := pool + "/" + rel
		for _, d := range all {
			if d.Name == full || d.ID == full {
				return d, full, true, nil
			}
		}
		return truenas.Dataset{}, full, false, nil
	}
	b.add(&engine.Func[tnDatasetState]{
		ID:       keyTNDataset(rel),
		After:    after,
		Want:     tnDatasetState{Comments: b.marker},
		Provides: []string{"name", "mountpoint"},
		Duration: estimates[appTrueNAS],
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			d, f, ok, err := find(ctx, r)
			if err != nil || !ok {
				return engine.NotFound(), nil
			}
			cm := truenasLocalComment(d)
			mp := d.Mountpoint
			if mp == "" {
				mp = "/mnt/" + f
			}
			return engine.Found(tnDatasetState{Comments: cm}, engine.HasMarker(cm, b.site.Name),
				engine.Outputs{"name": f, "mountpoint": mp}), nil
		},
		OnCreate: func(ctx context.Context, w tnDatasetState) (engine.Outputs, error) {
			pool, err := b.truenasPool(ctx, engine.NewReader(b.site.Name))
			if err != nil {
				return nil, describe(appTrueNAS, "dataset "+rel, err)
			}
			full := pool + "/" + rel
			req := truenas.DatasetRequest{Name: full, Type: "FILESYSTEM", Comments: &w.Comments, CreateAncestors: true}
			if strings.Contains(rel, "/smb") {
				req.ShareType = "SMB"
			}
			d, err := c.Datasets.Create(ctx, req)
			if err != nil {
				return nil, describe(appTrueNAS, "dataset "+full, rpcWriteErr(err))
			}
			mp := d.Mountpoint
			if mp == "" {
				mp = "/mnt/" + full
			}
			return engine.Outputs{"name": full, "mountpoint": mp}, nil
		},
		OnUpdate: func(ctx context.Context, w tnDatasetState, cur engine.Observed) (engine.Outputs, error) {
			name, _ := cur.Outputs["name"].(string)
			_, err := c.Datasets.Update(ctx, name, truenas.DatasetRequest{Comments: &w.Comments})
			return nil, describe(appTrueNAS, "dataset "+name, err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			name, _ := cur.Outputs["name"].(string)
			if !cur.Managed {
				return fmt.Errorf("truenas dataset %s: not managed by %s, kept", name, b.site.Name)
			}
			// Recursive (ZFS needs it for the dataset's snapshots) only when every child
			// dataset left is ours too.
			children, err := c.Datasets.List(ctx, truenas.Where(truenas.F("id", "^", name+"/")))
			if err != nil {
				return describe(appTrueNAS, "dataset "+name, err)
			}
			for _, ch := range children {
				if strings.HasPrefix(ch.Name, name+"/") && !engine.HasMarker(truenasLocalComment(ch), b.site.Name) {
					return fmt.Errorf("truenas dataset %s: child %s is not managed by %s, kept", name, ch.Name, b.site.Name)
				}
			}
			return deleted(appTrueNAS, "dataset "+name, c.Datasets.Delete(ctx, name, truenas.DatasetDeleteOptions{Recursive: true}))
		},
	})
}

// ── NFS share of the XO backup repository ──────────────────────────────────────────────

type tnNFSState struct {
	Path         string   `json:"path"`
	Comment      string   `json:"comment"`
	Hosts        []string `json:"hosts"`
	Networks     []string `json:"networks"`
	MaprootUser  string   `json:"maproot_user"`
	MaprootGroup string   `json:"maproot_group"`
	Enabled      bool     `json:"enabled"`
}

func (b *build) truenasNFS() {
	c := b.conns.TrueNAS
	ds := keyTNDataset(b.truenasRoot() + "/" + nfsBackupShare)
	mount := engine.Output[string](ds, "mountpoint")
	// The export is restricted to the XCP-ng host's management address when XO knows it,
	// else to the management VLAN.
	var mgmt string
	if ms := b.site.Network.ByRole(RoleMgmt); len(ms) > 0 {
		mgmt = ms[0].Subnet.Masked().String()
	}
	hostAddr := b.str(keyXOHost(b.site.Host.Name), "address", "")
	want := func(in engine.Inputs) tnNFSState {
		w := tnNFSState{Path: mount.Get(in), Comment: b.marker, Hosts: []string{}, Networks: []string{},
			MaprootUser: "root", MaprootGroup: "root", Enabled: true}
		if a := hostAddr.get(in); a != "" {
			w.Hosts = []string{a}
		} else if mgmt != "" {
			w.Networks = []string{mgmt}
		}
		return w
	}
	// The share's "host" output is the NFS server XO mounts: the host of the URL this client
	// reaches TrueNAS by (an address or a name that resolves here, so most likely for XO
	// too), not the NAS's own hostname, which XO may not resolve. system.info's hostname is
	// only a fallback (a client built without a host, which New refuses today).
	host := func(ctx context.Context, r *engine.Reader) (string, error) {
		if h := c.BaseURL().Hostname(); h != "" {
			return h, nil
		}
		info, err := engine.ListAs(ctx, r, appTrueNAS, tnCollSystem, c.System.Info)
		if err != nil {
			return "", err
		}
		return info.Hostname, nil
	}
	b.add(&engine.Func[tnNFSState]{
		ID:       keyNFSShare(nfsBackupShare),
		Uses:     append([]engine.Reference{mount}, hostAddr.uses()...),
		Provides: []string{"path", "host", "id"},
		WantFn:   want,
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			h, err := host(ctx, r)
			if err != nil {
				return engine.NotFound(), err
			}
			pool, err := b.truenasPool(ctx, r)
			if err != nil {
				return engine.NotFound(), err
			}
			path := "/mnt/" + pool + "/" + b.truenasRoot() + "/" + nfsBackupShare
			shares, err := truenasList(ctx, b, r, tnCollNFS, c.NFSShares.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(shares, func(s truenas.NFSShare) bool { return s.Path == path })
			if i < 0 {
				return engine.NotFound(), nil
			}
			s := shares[i]
			st := tnNFSState{Path: s.Path, Comment: s.Comment, Hosts: nonNil(s.Hosts), Networks: nonNil(s.Networks),
				MaprootUser: s.MaprootUser, MaprootGroup: s.MaprootGroup, Enabled: s.Enabled}
			return engine.Found(st, engine.HasMarker(s.Comment, b.site.Name),
				engine.Outputs{"path": s.Path, "host": h, "id": s.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnNFSState) (engine.Outputs, error) {
			h, err := host(ctx, engine.NewReader(b.site.Name))
			if err != nil {
				return nil, describe(appTrueNAS, "NFS share "+w.Path, err)
			}
			s, err := c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: w.Path, Comment: &w.Comment, Hosts: w.Hosts,
				Networks: w.Networks, MaprootUser: &w.MaprootUser, MaprootGroup: &w.MaprootGroup, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "NFS share "+w.Path, rpcWriteErr(err))
			}
			return engine.Outputs{"path": s.Path, "host": h, "id": s.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnNFSState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnNFSState](cur)
			id := tnID(cur.Outputs["id"])
			var u truenas.NFSShareRequest
			if have.Comment != w.Comment {
				u.Comment = &w.Comment
			}
			if !slices.Equal(have.Hosts, w.Hosts) {
				u.Hosts = w.Hosts
			}
			if !slices.Equal(have.Networks, w.Networks) {
				u.Networks = w.Networks
			}
			if have.MaprootUser != w.MaprootUser || have.MaprootGroup != w.MaprootGroup {
				u.MaprootUser, u.MaprootGroup = &w.MaprootUser, &w.MaprootGroup
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			if have.Path != w.Path {
				u.Path = w.Path
			}
			_, err := c.NFSShares.Update(ctx, id, u)
			return nil, describe(appTrueNAS, "NFS share "+w.Path, err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas NFS share: not managed by %s, kept", b.site.Name)
			}
			return deleted(appTrueNAS, "NFS share", c.NFSShares.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tnID reads a numeric id output (int64 when fresh, float64 after JSON).
func tnID(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// ── SMB shares ─────────────────────────────────────────────────────────────────────────

type tnSMBState struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Comment string `json:"comment"`
	Enabled bool   `json:"enabled"`
}

func (b *build) truenasSMB(dept string) {
	c := b.conns.TrueNAS
	mount := engine.Output[string](keyTNDataset(b.truenasRoot()+"/smb/"+dept), "mountpoint")
	b.add(&engine.Func[tnSMBState]{
		ID:       engine.K(appTrueNAS, "smb-share", dept),
		Uses:     []engine.Reference{mount},
		Provides: []string{"id"},
		WantFn: func(in engine.Inputs) tnSMBState {
			return tnSMBState{Name: dept, Path: mount.Get(in), Comment: b.marker, Enabled: true}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			shares, err := truenasList(ctx, b, r, tnCollSMB, c.SMBShares.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(shares, func(s truenas.SMBShare) bool { return strings.EqualFold(s.Name, dept) })
			if i < 0 {
				return engine.NotFound(), nil
			}
			s := shares[i]
			return engine.Found(tnSMBState{Name: s.Name, Path: s.Path, Comment: s.Comment, Enabled: s.Enabled},
				engine.HasMarker(s.Comment, b.site.Name), engine.Outputs{"id": s.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnSMBState) (engine.Outputs, error) {
			s, err := c.SMBShares.Create(ctx, truenas.SMBShareRequest{Name: w.Name, Path: w.Path, Comment: &w.Comment, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "SMB share "+dept, rpcWriteErr(err))
			}
			return engine.Outputs{"id": s.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnSMBState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnSMBState](cur)
			var u truenas.SMBShareRequest
			if have.Comment != w.Comment {
				u.Comment = &w.Comment
			}
			if have.Path != w.Path {
				u.Path = w.Path
			}
			if have.Name != w.Name {
				u.Name = w.Name
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			_, err := c.SMBShares.Update(ctx, tnID(cur.Outputs["id"]), u)
			return nil, describe(appTrueNAS, "SMB share "+dept, err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas SMB share %s: not managed by %s, kept", dept, b.site.Name)
			}
			return deleted(appTrueNAS, "SMB share "+dept, c.SMBShares.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}

// ── periodic snapshot tasks ────────────────────────────────────────────────────────────

type tnSnapState struct {
	Dataset       string           `json:"dataset"`
	Recursive     bool             `json:"recursive"`
	LifetimeValue int              `json:"lifetime_value"`
	LifetimeUnit  string           `json:"lifetime_unit"`
	NamingSchema  string           `json:"naming_schema"`
	Schedule      truenas.Schedule `json:"schedule"`
	Enabled       bool             `json:"enabled"`
}

// truenasSchedule converts a 5-field cron expression to a TrueNAS schedule.
func truenasSchedule(cron string) truenas.Schedule {
	f := strings.Fields(cron)
	for len(f) < 5 {
		f = append(f, "*")
	}
	return truenas.Schedule{Minute: f[0], Hour: f[1], Dom: f[2], Month: f[3], Dow: f[4]}
}

// truenasSchema is the naming schema of the site's snapshots (the snapshot task's marker).
func (b *build) truenasSchema() string { return "sitekit-" + b.site.Name + "-%Y-%m-%d_%H-%M" }

func (b *build) truenasSnapshotTask(rel string, recursive bool) {
	c := b.conns.TrueNAS
	ds := keyTNDataset(rel)
	name := engine.Output[string](ds, "name")
	schema := b.truenasSchema()
	b.add(&engine.Func[tnSnapState]{
		ID:       engine.K(appTrueNAS, "snapshot-task", rel),
		Uses:     []engine.Reference{name},
		Provides: []string{"id"},
		WantFn: func(in engine.Inputs) tnSnapState {
			return tnSnapState{Dataset: name.Get(in), Recursive: recursive, LifetimeValue: b.site.Backup.SnapshotLifetimeDays,
				LifetimeUnit: "DAY", NamingSchema: schema, Schedule: truenasSchedule(b.site.Backup.Snapshots), Enabled: true}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			pool, err := b.truenasPool(ctx, r)
			if err != nil {
				return engine.NotFound(), err
			}
			full := pool + "/" + rel
			tasks, err := truenasList(ctx, b, r, tnCollSnapTasks, c.SnapshotTasks.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(tasks, func(t truenas.SnapshotTask) bool { return t.Dataset == full && t.NamingSchema == schema })
			if i < 0 {
				return engine.NotFound(), nil
			}
			t := tasks[i]
			sch := t.Schedule
			sch.Begin, sch.End = "", "" // not set by the site, not diffed
			st := tnSnapState{Dataset: t.Dataset, Recursive: t.Recursive, LifetimeValue: t.LifetimeValue, LifetimeUnit: t.LifetimeUnit,
				NamingSchema: t.NamingSchema, Schedule: sch, Enabled: t.Enabled}
			return engine.Found(st, true, engine.Outputs{"id": t.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnSnapState) (engine.Outputs, error) {
			t, err := c.SnapshotTasks.Create(ctx, truenas.SnapshotTaskRequest{Dataset: w.Dataset, Recursive: &w.Recursive,
				LifetimeValue: w.LifetimeValue, LifetimeUnit: w.LifetimeUnit, NamingSchema: w.NamingSchema,
				Schedule: &w.Schedule, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "snapshot task "+w.Dataset, rpcWriteErr(err))
			}
			return engine.Outputs{"id": t.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnSnapState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnSnapState](cur)
			var u truenas.SnapshotTaskRequest
			if have.Recursive != w.Recursive {
				u.Recursive = &w.Recursive
			}
			if have.LifetimeValue != w.LifetimeValue || have.LifetimeUnit != w.LifetimeUnit {
				u.LifetimeValue, u.LifetimeUnit = w.LifetimeValue, w.LifetimeUnit
			}
			if have.Schedule != w.Schedule {
				u.Schedule = &w.Schedule
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			_, err := c.SnapshotTasks.Update(ctx, tnID(cur.Outputs["id"]), u)
			return nil, describe(appTrueNAS, "snapshot task "+w.Dataset, err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			return deleted(appTrueNAS, "snapshot task "+rel, c.SnapshotTasks.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}

// ── off-site copy: cloud sync to S3 ────────────────────────────────────────────────────

type tnCredState struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Endpoint string `json:"endpoint"`
	Region   string `json:"region"`
}

type tnCloudSyncState struct {
	Description  string           `json:"description"`
	Path         string           `json:"path"`
	Credentials  int64            `json:"credentials"`
	Bucket       string           `json:"bucket"`
	Folder       string           `json:"folder"`
	Direction    string           `json:"direction"`
	TransferMode string           `json:"transfer_mode"`
	Snapshot     bool             `json:"snapshot"`
	Schedule     truenas.Schedule `json:"schedule"`
	Enabled      bool             `json:"enabled"`
}

// truenasProvider resolves the S3 keys (at apply time only; never in the plan).
func (b *build) truenasProvider() (truenas.CloudProvider, error) {
	o, cr := b.site.Offsite, b.site.Credentials
	ak, err := cr.OffsiteAccessKey.Resolve()
	if err != nil {
		return truenas.CloudProvider{}, err
	}
	sk, err := cr.OffsiteSecretKey.Resolve()
	if err != nil {
		return truenas.CloudProvider{}, err
	}
	return truenas.CloudProvider{Type: "S3", AccessKeyID: ak.Reveal(), SecretAccessKey: sk, Endpoint: o.Endpoint, Region: o.Region}, nil
}

func (b *build) truenasCloudSync() {
	c := b.conns.TrueNAS
	o := b.site.Offsite
	credName := b.site.Name + "-offsite [" + b.marker + "]"
	credKey := engine.K(appTrueNAS, "cloud-credential", b.site.Name+"-offsite")
	b.add(&engine.Func[tnCredState]{
		ID:       credKey,
		Want:     tnCredState{Name: credName, Type: "S3", Endpoint: o.Endpoint, Region: o.Region},
		Provides: []string{"id"},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			creds, err := truenasList(ctx, b, r, tnCollCreds, c.CloudCredentials.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(creds, func(x truenas.CloudCredential) bool { return x.Name == credName })
			if i < 0 {
				return engine.NotFound(), nil
			}
			x := creds[i]
			return engine.Found(tnCredState{Name: x.Name, Type: x.Provider.Type, Endpoint: x.Provider.Endpoint, Region: x.Provider.Region},
				true, engine.Outputs{"id": x.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnCredState) (engine.Outputs, error) {
			p, err := b.truenasProvider()
			if err != nil {
				return nil, describe(appTrueNAS, "cloud credential", err)
			}
			x, err := c.CloudCredentials.Create(ctx, w.Name, p)
			if err != nil {
				return nil, describe(appTrueNAS, "cloud credential", rpcWriteErr(err))
			}
			return engine.Outputs{"id": x.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnCredState, cur engine.Observed) (engine.Outputs, error) {
			p, err := b.truenasProvider()
			if err != nil {
				return nil, describe(appTrueNAS, "cloud credential", err)
			}
			_, err = c.CloudCredentials.Update(ctx, tnID(cur.Outputs["id"]), w.Name, p)
			return nil, describe(appTrueNAS, "cloud credential", err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			return deleted(appTrueNAS, "cloud credential", c.CloudCredentials.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})

	desc := b.site.Name + " off-site copy [" + b.marker + "]"
	credID := engine.Output[int64](credKey, "id")
	root := engine.Output[string](keyTNDataset(b.truenasRoot()), "mountpoint")
	b.add(&engine.Func[tnCloudSyncState]{
		ID:       engine.K(appTrueNAS, "cloudsync", b.site.Name+"-offsite"),
		Uses:     []engine.Reference{credID, root},
		After:    b.truenasOffsiteAfter(),
		Provides: []string{"id"},
		WantFn: func(in engine.Inputs) tnCloudSyncState {
			return tnCloudSyncState{Description: desc, Path: root.Get(in), Credentials: credID.Get(in), Bucket: o.Bucket,
				Folder: b.site.Name, Direction: "PUSH", TransferMode: "SYNC", Snapshot: true,
				Schedule: truenasSchedule(o.Schedule), Enabled: true}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			tasks, err := truenasList(ctx, b, r, tnCollCloudSync, c.CloudSyncs.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(tasks, func(t truenas.CloudSync) bool { return t.Description == desc })
			if i < 0 {
				return engine.NotFound(), nil
			}
			t := tasks[i]
			sch := t.Schedule
			sch.Begin, sch.End = "", ""
			st := tnCloudSyncState{Description: t.Description, Path: t.Path, Credentials: t.Credentials(), Bucket: t.Attributes.Bucket,
				Folder: t.Attributes.Folder, Direction: t.Direction, TransferMode: t.TransferMode, Snapshot: t.Snapshot,
				Schedule: sch, Enabled: t.Enabled}
			return engine.Found(st, engine.HasMarker(t.Description, b.site.Name), engine.Outputs{"id": t.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnCloudSyncState) (engine.Outputs, error) {
			t, err := c.CloudSyncs.Create(ctx, truenas.CloudSyncRequest{Description: &w.Description, Path: w.Path, Credentials: w.Credentials,
				Attributes: &truenas.CloudSyncAttributes{Bucket: w.Bucket, Folder: w.Folder}, Direction: w.Direction,
				TransferMode: w.TransferMode, Snapshot: &w.Snapshot, Schedule: &w.Schedule, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "cloud sync", rpcWriteErr(err))
			}
			return engine.Outputs{"id": t.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnCloudSyncState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnCloudSyncState](cur)
			var u truenas.CloudSyncRequest
			if have.Description != w.Description {
				u.Description = &w.Description
			}
			if have.Path != w.Path {
				u.Path = w.Path
			}
			if have.Credentials != w.Credentials {
				u.Credentials = w.Credentials
			}
			if have.Bucket != w.Bucket || have.Folder != w.Folder {
				u.Attributes = &truenas.CloudSyncAttributes{Bucket: w.Bucket, Folder: w.Folder}
			}
			if have.Direction != w.Direction {
				u.Direction = w.Direction
			}
			if have.TransferMode != w.TransferMode {
				u.TransferMode = w.TransferMode
			}
			if have.Snapshot != w.Snapshot {
				u.Snapshot = &w.Snapshot
			}
			if have.Schedule != w.Schedule {
				u.Schedule = &w.Schedule
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			_, err := c.CloudSyncs.Update(ctx, tnID(cur.Outputs["id"]), u)
			return nil, describe(appTrueNAS, "cloud sync", err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas cloud sync: not managed by %s, kept", b.site.Name)
			}
			return deleted(appTrueNAS, "cloud sync", c.CloudSyncs.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}

// truenasOffsiteAfter orders the off-site task after every site dataset (it copies them).
func (b *build) truenasOffsiteAfter() []engine.Key {
	var out []engine.Key
	for _, rel := range b.truenasDatasets() {
		out = append(out, keyTNDataset(rel))
	}
	return out
}

// ── off-site copy: ZFS replication over SSH to another NAS ─────────────────────────────

type tnKeyPairState struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type tnSSHConnState struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Host       string `json:"host"`
	Port       int    `json:"port"`
	Username   string `json:"username"`
	PrivateKey int64  `json:"private_key"`
}

type tnReplicationState struct {
	Name                    string           `json:"name"`
	Direction               string           `json:"direction"`
	Transport               string           `json:"transport"`
	SSHCredentials          int64            `json:"ssh_credentials"`
	SourceDatasets          []string         `json:"source_datasets"`
	TargetDataset           string           `json:"target_dataset"`
	Recursive               bool             `json:"recursive"`
	AlsoIncludeNamingSchema []string         `json:"also_include_naming_schema"`
	Auto                    bool             `json:"auto"`
	Schedule                truenas.Schedule `json:"schedule"`
	RetentionPolicy         string           `json:"retention_policy"`
	LifetimeValue           int              `json:"lifetime_value"`
	LifetimeUnit            string           `json:"lifetime_unit"`
	Enabled                 bool             `json:"enabled"`
}

// truenasKeyFingerprint is the OpenSSH SHA256 fingerprint of an authorized_keys line, or
// its first characters when the key does not decode.
func truenasKeyFingerprint(pub string) string {
	f := strings.Fields(pub)
	if len(f) >= 2 {
		if raw, err := base64.StdEncoding.DecodeString(f[1]); err == nil {
			sum := sha256.Sum256(raw)
			return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
		}
	}
	if len(pub) > 40 {
		pub = pub[:40] + "…"
	}
	return pub
}

// truenasReplicationLifetime is how long the target keeps the replicated snapshots: the
// site's snapshot lifetime (the target's own retention, so that deleting the source's
// snapshots does not delete the off-site ones).
func (b *build) truenasReplicationLifetime() int {
	if d := b.site.Backup.SnapshotLifetimeDays; d > 0 {
		return d
	}
	return 14
}

// truenasReplication adds the key pair, the SSH connection to Offsite.Endpoint and the PUSH
// replication of the site's dataset tree to the target dataset Offsite.Bucket. The key
// pair's public key must be installed on the target by the operator: the plan warns until
// a run of the replication task finished.
func (b *build) truenasReplication() {
	c := b.conns.TrueNAS
	o := b.site.Offsite
	site := b.site.Name
	keyName := site + "-offsite-key [" + b.marker + "]"
	sshName := site + "-offsite-ssh [" + b.marker + "]"
	replName := site + " off-site replication [" + b.marker + "]"
	schema := b.truenasSchema()
	if !b.destroy && (!b.feat.Snapshots || b.site.Backup.Snapshots == "") {
		b.warn("truenas: the off-site replication to %s sends the snapshots named %q, but no periodic snapshot task makes them (Backup.Snapshots is empty or the tier has no snapshots)",
			o.Endpoint, schema)
	}

	keychain := func(ctx context.Context, r *engine.Reader, name, typ string) (truenas.KeychainCredential, bool, error) {
		all, err := truenasList(ctx, b, r, tnCollKeychain, c.KeychainCredentials.List)
		if err != nil {
			return truenas.KeychainCredential{}, false, err
		}
		i := slices.IndexFunc(all, func(x truenas.KeychainCredential) bool { return x.Name == name && x.Type == typ })
		if i < 0 {
			return truenas.KeychainCredential{}, false, nil
		}
		return all[i], true, nil
	}
	// replicated reports whether the replication task exists and its last run finished
	// (proof the target accepts the key).
	replicated := func(ctx context.Context, r *engine.Reader) bool {
		tasks, err := truenasList(ctx, b, r, tnCollRepl, c.Replications.List)
		if err != nil {
			return false
		}
		i := slices.IndexFunc(tasks, func(t truenas.Replication) bool { return t.Name == replName })
		return i >= 0 && tasks[i].State.State == "FINISHED"
	}
	target := o.User + "@" + o.Endpoint

	// 1. The key pair, generated on the NAS once; its private key never leaves it.
	keyKey := engine.K(appTrueNAS, "ssh-keypair", site+"-offsite-key")
	b.add(&engine.Func[tnKeyPairState]{
		ID:       keyKey,
		Want:     tnKeyPairState{Name: keyName, Type: truenas.KeychainSSHKeyPair},
		Provides: []string{"id", "public_key"},
		Duration: estimates[appTrueNAS],
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			x, ok, err := keychain(ctx, r, keyName, truenas.KeychainSSHKeyPair)
			if err != nil {
				return engine.NotFound(), err
			}
			if !ok {
				if !b.destroy {
					b.warn("truenas: the off-site replication needs an SSH key pair: the apply generates %q; install its public key (re-plan to see its fingerprint) in the authorized keys of %s",
						keyName, target)
				}
				return engine.NotFound(), nil
			}
			if !b.destroy && !replicated(ctx, r) {
				b.warn("truenas: install the public key of %q (%s, %q) in the authorized keys of %s: the off-site replication has not completed yet",
					keyName, truenasKeyFingerprint(x.Attributes.PublicKey), x.Attributes.PublicKey, target)
			}
			return engine.Found(tnKeyPairState{Name: x.Name, Type: x.Type}, true,
				engine.Outputs{"id": x.ID, "public_key": x.Attributes.PublicKey}), nil
		},
		OnCreate: func(ctx context.Context, w tnKeyPairState) (engine.Outputs, error) {
			kp, err := c.KeychainCredentials.GenerateKeyPair(ctx)
			if err != nil {
				return nil, describe(appTrueNAS, "SSH key pair", err)
			}
			x, err := c.KeychainCredentials.CreateKeyPair(ctx, w.Name, kp)
			if err != nil {
				return nil, describe(appTrueNAS, "SSH key pair", rpcWriteErr(err))
			}
			pub := x.Attributes.PublicKey
			if pub == "" {
				pub = kp.PublicKey
			}
			return engine.Outputs{"id": x.ID, "public_key": pub}, nil
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas SSH key pair: not managed by %s, kept", site)
			}
			return deleted(appTrueNAS, "SSH key pair", c.KeychainCredentials.Delete(ctx, tnID(cur.Outputs["id"]), false))
		},
	})

	// 2. The SSH connection to the target, with its host key scanned at create time.
	keyID := engine.Output[int64](keyKey, "id")
	sshKey := engine.K(appTrueNAS, "ssh-connection", site+"-offsite-ssh")
	b.add(&engine.Func[tnSSHConnState]{
		ID:       sshKey,
		Uses:     []engine.Reference{keyID},
		Provides: []string{"id"},
		Duration: estimates[appTrueNAS],
		WantFn: func(in engine.Inputs) tnSSHConnState {
			return tnSSHConnState{Name: sshName, Type: truenas.KeychainSSHCredentials, Host: o.Endpoint, Port: 22,
				Username: o.User, PrivateKey: keyID.Get(in)}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			x, ok, err := keychain(ctx, r, sshName, truenas.KeychainSSHCredentials)
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			a := x.Attributes
			return engine.Found(tnSSHConnState{Name: x.Name, Type: x.Type, Host: a.Host, Port: a.Port, Username: a.Username,
				PrivateKey: a.PrivateKeyID}, true, engine.Outputs{"id": x.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnSSHConnState) (engine.Outputs, error) {
			hk, err := c.KeychainCredentials.RemoteHostKeyScan(ctx, w.Host, w.Port)
			if err != nil {
				return nil, describe(appTrueNAS, "SSH connection: host key scan of "+w.Host, err)
			}
			x, err := c.KeychainCredentials.CreateSSHConnection(ctx, truenas.SSHConnectionRequest{Name: w.Name, Host: w.Host, Port: w.Port,
				Username: w.Username, PrivateKeyID: w.PrivateKey, RemoteHostKey: hk})
			if err != nil {
				return nil, describe(appTrueNAS, "SSH connection", rpcWriteErr(err))
			}
			return engine.Outputs{"id": x.ID}, nil
		},
		// The truenas client has no keychain update verb: a changed endpoint, user or key is
		// reported, the operator deletes the connection (and the task using it) to recreate it.
		OnUpdate: func(ctx context.Context, w tnSSHConnState, cur engine.Observed) (engine.Outputs, error) {
			return nil, fmt.Errorf("truenas SSH connection %q differs from the site (%s@%s:%d): keychain credentials cannot be updated in place; destroy the off-site replication objects and apply again",
				w.Name, w.Username, w.Host, w.Port)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas SSH connection: not managed by %s, kept", site)
			}
			return deleted(appTrueNAS, "SSH connection", c.KeychainCredentials.Delete(ctx, tnID(cur.Outputs["id"]), false))
		},
	})

	// 3. The PUSH replication of the site's dataset tree.
	sshID := engine.Output[int64](sshKey, "id")
	source := engine.Output[string](keyTNDataset(b.truenasRoot()), "name")
	b.add(&engine.Func[tnReplicationState]{
		ID:       engine.K(appTrueNAS, "replication", site+"-offsite"),
		Uses:     []engine.Reference{sshID, source},
		After:    b.truenasOffsiteAfter(),
		Provides: []string{"id"},
		Duration: estimates[appTrueNAS],
		WantFn: func(in engine.Inputs) tnReplicationState {
			return tnReplicationState{Name: replName, Direction: "PUSH", Transport: "SSH", SSHCredentials: sshID.Get(in),
				SourceDatasets: []string{source.Get(in)}, TargetDataset: o.Bucket, Recursive: true,
				AlsoIncludeNamingSchema: []string{schema}, Auto: true, Schedule: truenasSchedule(o.Schedule),
				RetentionPolicy: "CUSTOM", LifetimeValue: b.truenasReplicationLifetime(), LifetimeUnit: "DAY", Enabled: true}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			tasks, err := truenasList(ctx, b, r, tnCollRepl, c.Replications.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(tasks, func(t truenas.Replication) bool { return t.Name == replName })
			if i < 0 {
				return engine.NotFound(), nil
			}
			t := tasks[i]
			var sch truenas.Schedule
			if t.Schedule != nil {
				sch = *t.Schedule
				sch.Begin, sch.End = "", ""
			}
			st := tnReplicationState{Name: t.Name, Direction: t.Direction, Transport: t.Transport, SSHCredentials: t.SSHCredentials(),
				SourceDatasets: nonNil(t.SourceDatasets), TargetDataset: t.TargetDataset, Recursive: t.Recursive,
				AlsoIncludeNamingSchema: nonNil(t.AlsoIncludeNamingSchema), Auto: t.Auto, Schedule: sch,
				RetentionPolicy: t.RetentionPolicy, LifetimeValue: t.LifetimeValue, LifetimeUnit: t.LifetimeUnit, Enabled: t.Enabled}
			return engine.Found(st, true, engine.Outputs{"id": t.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnReplicationState) (engine.Outputs, error) {
			t, err := c.Replications.Create(ctx, truenas.ReplicationRequest{Name: w.Name, Direction: w.Direction, Transport: w.Transport,
				SSHCredentials: &w.SSHCredentials, SourceDatasets: w.SourceDatasets, TargetDataset: w.TargetDataset,
				Recursive: &w.Recursive, AlsoIncludeNamingSchema: w.AlsoIncludeNamingSchema, Auto: &w.Auto, Schedule: &w.Schedule,
				RetentionPolicy: w.RetentionPolicy, LifetimeValue: w.LifetimeValue, LifetimeUnit: w.LifetimeUnit, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "replication task", rpcWriteErr(err))
			}
			return engine.Outputs{"id": t.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnReplicationState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnReplicationState](cur)
			var u truenas.ReplicationRequest
			if have.Direction != w.Direction {
				u.Direction = w.Direction
			}
			if have.Transport != w.Transport {
				u.Transport = w.Transport
			}
			if have.SSHCredentials != w.SSHCredentials {
				u.SSHCredentials = &w.SSHCredentials
			}
			if !slices.Equal(have.SourceDatasets, w.SourceDatasets) {
				u.SourceDatasets = w.SourceDatasets
			}
			if have.TargetDataset != w.TargetDataset {
				u.TargetDataset = w.TargetDataset
			}
			if have.Recursive != w.Recursive {
				u.Recursive = &w.Recursive
			}
			if !slices.Equal(have.AlsoIncludeNamingSchema, w.AlsoIncludeNamingSchema) {
				u.AlsoIncludeNamingSchema = w.AlsoIncludeNamingSchema
			}
			if have.Auto != w.Auto {
				u.Auto = &w.Auto
			}
			if have.Schedule != w.Schedule {
				u.Schedule = &w.Schedule
			}
			if have.RetentionPolicy != w.RetentionPolicy || have.LifetimeValue != w.LifetimeValue || have.LifetimeUnit != w.LifetimeUnit {
				u.RetentionPolicy, u.LifetimeValue, u.LifetimeUnit = w.RetentionPolicy, w.LifetimeValue, w.LifetimeUnit
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			_, err := c.Replications.Update(ctx, tnID(cur.Outputs["id"]), u)
			return nil, describe(appTrueNAS, "replication task", err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas replication task: not managed by %s, kept", site)
			}
			return deleted(appTrueNAS, "replication task", c.Replications.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}
