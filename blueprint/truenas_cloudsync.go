package blueprint

import (
	"context"
	"fmt"
	"slices"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/truenas"
)

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

// truenasProvider returns the S3 provider with the keys resolved when planning (they are
// never shown in the plan).
func (b *build) truenasProvider(ctx context.Context) (truenas.CloudProvider, error) {
	o, cr := b.site.Offsite, b.site.Credentials
	ak, err := b.secret(ctx, cr.OffsiteAccessKey)
	if err != nil {
		return truenas.CloudProvider{}, err
	}
	sk, err := b.secret(ctx, cr.OffsiteSecretKey)
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
			p, err := b.truenasProvider(ctx)
			if err != nil {
				return nil, describe(appTrueNAS, "cloud credential", err)
			}
			x, err := c.CloudCredentials.Create(ctx, truenas.CloudCredentialRequest{Name: w.Name, Provider: p})
			if err != nil {
				return nil, describe(appTrueNAS, "cloud credential", rpcWriteErr(err))
			}
			return engine.Outputs{"id": x.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnCredState, cur engine.Observed) (engine.Outputs, error) {
			p, err := b.truenasProvider(ctx)
			if err != nil {
				return nil, describe(appTrueNAS, "cloud credential", err)
			}
			_, err = c.CloudCredentials.Update(ctx, tnID(cur.Outputs["id"]), truenas.CloudCredentialRequest{Name: w.Name, Provider: p})
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
			return engine.Found(st, hasMarker(t.Description, b.site.Name), engine.Outputs{"id": t.ID}), nil
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
