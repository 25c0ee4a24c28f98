package blueprint

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/xo"
)

// ── orphans: marked XO objects no longer in the site ───────────────────────────────────

// xoOrphanState is what an orphan shows in a plan (its delete has no desired state).
type xoOrphanState struct {
	ID     string `json:"id"`
	Marker string `json:"marker"`
}

// xoOrphan is a marked object found by a lister: observed by id in the shared list of its
// collection, deleted by del. after orders its delete before the deletes of those keys.
func (b *build) xoOrphan(key engine.Key, id string, after []engine.Key, exists func(ctx context.Context, r *engine.Reader) (bool, error), del func(ctx context.Context) error) engine.Resource {
	return &engine.Func[xoOrphanState]{
		ID:       key,
		After:    after,
		Provides: []string{"id"},
		Duration: estimates[appXO],
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			ok, err := exists(ctx, r)
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			return engine.Found(xoOrphanState{ID: id, Marker: b.marker}, true, engine.Outputs{"id": id}), nil
		},
		OnCreate: func(context.Context, xoOrphanState) (engine.Outputs, error) {
			return nil, fmt.Errorf("xo %s: an orphan is never created", key)
		},
		OnDelete: func(ctx context.Context, _ engine.Observed) error {
			return deleted(appXO, key.Kind+" "+key.Name, del(ctx))
		},
	}
}

// xoInList reports whether the shared list of coll holds an item with id.
func xoInList[T any](b *build, coll string, list func(context.Context, *xo.ListOptions) ([]T, error), idOf func(T) string, id string) func(context.Context, *engine.Reader) (bool, error) {
	return func(ctx context.Context, r *engine.Reader) (bool, error) {
		items, err := xoList(ctx, b, r, coll, list)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(items, func(it T) bool { return idOf(it) == id }), nil
	}
}

// xoNetworkKeys maps the id of every network carrying the marker to its key: the key of
// the site VLAN with the same tag when there is one (so the desired network is never
// taken for an orphan, whatever its label), else its label (suffixed with the tag if the
// label is the name of a site VLAN).
func (b *build) xoNetworkKeys(ctx context.Context, r *engine.Reader) (map[string]engine.Key, []xo.Network, error) {
	c := b.conns.XO
	nets, err := xoList(ctx, b, r, xoCollNets, c.Networks.List)
	if err != nil {
		return nil, nil, err
	}
	pifs, err := xoList(ctx, b, r, xoCollPIFs, c.PIFs.List)
	if err != nil {
		return nil, nil, err
	}
	vlanOf := map[string]int{}
	for _, p := range pifs {
		if p.Network != "" && int(p.VLAN) >= 0 {
			vlanOf[p.Network] = int(p.VLAN)
		}
	}
	siteByTag, siteByName := map[int]string{}, map[string]bool{}
	for _, v := range b.site.Network.VLANs {
		if v.OnHost {
			siteByTag[v.ID], siteByName[v.Name] = v.Name, true
		}
	}
	keys := map[string]engine.Key{}
	var marked []xo.Network
	for _, n := range nets {
		if !slices.Contains(n.Tags, b.marker) {
			continue
		}
		marked = append(marked, n)
		tag, tagged := vlanOf[n.ID]
		switch {
		case tagged && siteByTag[tag] != "":
			keys[n.ID] = keyXONetwork(siteByTag[tag])
		case siteByName[n.NameLabel] || n.NameLabel == "":
			keys[n.ID] = keyXONetwork(fmt.Sprintf("%s (vlan %d, %s)", n.NameLabel, tag, n.ID))
		default:
			keys[n.ID] = keyXONetwork(n.NameLabel)
		}
	}
	return keys, marked, nil
}

// xoListers registers the listers of marked XO objects: VMs and VLAN networks always, the
// backup repositories and jobs (VM and metadata) when TrueNAS is connected (without it the
// backups are not built, and must not be planned away). A marked object that is not in the
// graph is planned for deletion (a VM removed from the site); Destroy deletes them all.
// Each lister reads only collections the resources read anyway (no extra list per plan).
func (b *build) xoListers() {
	c := b.conns.XO
	b.g.AddLister(appXO, "network", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		keys, marked, err := b.xoNetworkKeys(ctx, r)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, n := range marked {
			id := n.ID
			out = append(out, b.xoOrphan(keys[id], id, nil,
				xoInList(b, xoCollNets, c.Networks.List, func(n xo.Network) string { return n.ID }, id),
				func(ctx context.Context) error { return c.Networks.Delete(ctx, id) }))
		}
		return out, nil
	})
	b.g.AddLister(appXO, "vm", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		vms, err := xoList(ctx, b, r, xoCollVMs, c.VMs.List)
		if err != nil {
			return nil, err
		}
		netKeys, _, err := b.xoNetworkKeys(ctx, r)
		if err != nil {
			return nil, err
		}
		vifs, err := xoList(ctx, b, r, xoCollVIFs, c.VIFs.List)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, x := range vms {
			if (x.Type != "" && x.Type != "VM") || !slices.Contains(x.Tags, b.marker) {
				continue
			}
			// Its delete runs before the deletes of the marked networks it is plugged into.
			var after []engine.Key
			for _, f := range vifs {
				if k, ok := netKeys[f.Network]; ok && f.VM == x.ID && !slices.Contains(after, k) {
					after = append(after, k)
				}
			}
			id := x.ID
			out = append(out, b.xoOrphan(keyXOVM(x.NameLabel), id, after,
				xoInList(b, xoCollVMs, c.VMs.List, func(v xo.VM) string { return v.ID }, id),
				func(ctx context.Context) error { return c.VMs.Delete(ctx, id) }))
		}
		return out, nil
	})
	if !b.has(appTrueNAS) {
		return
	}
	suffix := " [" + b.marker + "]"
	b.g.AddLister(appXO, "remote", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		repos, err := xoList(ctx, b, r, xoCollRemotes, c.BackupRepositories.List)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, it := range repos {
			base, ok := strings.CutSuffix(it.Name, suffix)
			if !ok || base == "" {
				continue
			}
			id := it.ID
			out = append(out, b.xoOrphan(engine.K(appXO, "remote", base), id, nil,
				xoInList(b, xoCollRemotes, c.BackupRepositories.List, func(v xo.BackupRepository) string { return v.ID }, id),
				func(ctx context.Context) error { return c.BackupRepositories.Delete(ctx, id) }))
		}
		return out, nil
	})
	b.g.AddLister(appXO, "backup-job", func(ctx context.Context, r *engine.Reader) ([]engine.Resource, error) {
		// REST /backup-jobs lists every type: VM jobs and metadata jobs in one call.
		jobs, err := xoList(ctx, b, r, xoCollJobs, c.BackupJobs.List)
		if err != nil {
			return nil, err
		}
		var out []engine.Resource
		for _, j := range jobs {
			base, ok := strings.CutSuffix(j.Name, suffix)
			if !ok || base == "" {
				continue
			}
			id := j.ID
			var del func(context.Context) error
			switch j.Type {
			case "", "backup":
				del = func(ctx context.Context) error { return c.BackupJobs.Delete(ctx, id) }
			case xo.MetadataBackupJobType:
				del = func(ctx context.Context) error { return c.MetadataBackupJobs.Delete(ctx, id) }
			default:
				continue // mirror jobs: sitekit never creates them
			}
			// A job goes before the repository it writes to (XO refuses to delete a
			// repository a job uses).
			out = append(out, b.xoOrphan(engine.K(appXO, "backup-job", base), id, []engine.Key{keyXOBackupRepo(b.site.Name)},
				xoInList(b, xoCollJobs, c.BackupJobs.List, func(v xo.BackupJob) string { return v.ID }, id), del))
		}
		return out, nil
	})
}
