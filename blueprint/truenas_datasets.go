package blueprint

import (
	"context"
	"fmt"
	"strings"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/truenas"
)

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
			managed := hasMarker(cm, b.site.Name)
			if managed && b.destroy && !b.deleteBackups {
				// A destroy keeps the data (backups, shares, their snapshots) unless asked.
				b.mu.Lock()
				b.keptBackups = append(b.keptBackups, keyTNDataset(rel))
				b.mu.Unlock()
				managed = false
			}
			return engine.Found(tnDatasetState{Comments: cm}, managed, engine.Outputs{"name": f, "mountpoint": mp}), nil
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
				if strings.HasPrefix(ch.Name, name+"/") && !hasMarker(truenasLocalComment(ch), b.site.Name) {
					return fmt.Errorf("truenas dataset %s: child %s is not managed by %s, kept", name, ch.Name, b.site.Name)
				}
			}
			return deleted(appTrueNAS, "dataset "+name, c.Datasets.Delete(ctx, name, &truenas.DatasetDeleteOptions{Recursive: true}))
		},
	})
}
