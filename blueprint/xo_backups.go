package blueprint

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/xo"
)

// ── backup repository ──────────────────────────────────────────────────────────────────

type xoRemoteState struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	server string
	path   string
}

func (b *build) xoRepository() {
	c := b.conns.XO
	base := b.site.Name + "-backups"
	name := b.xoMarkedName(base)
	path := b.str(keyNFSShare(nfsBackupShare), "path", "")
	host := b.str(keyNFSShare(nfsBackupShare), "host", "")
	want := func(in engine.Inputs) xoRemoteState {
		req := xo.NFSRepositoryRequest{Server: host.get(in), Path: path.get(in)}
		return xoRemoteState{Name: name, URL: req.URL(), server: req.Server, path: req.Path}
	}
	find := func(items []xo.BackupRepository) (xo.BackupRepository, bool, bool) {
		return xoFindMarked(items, name, base, func(it xo.BackupRepository) string { return it.Name })
	}
	b.add(&engine.Func[xoRemoteState]{
		ID:       keyXOBackupRepo(b.site.Name),
		Uses:     uses(path, host),
		Provides: []string{"id"},
		WantFn:   want,
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			items, err := xoList(ctx, b, r, xoCollRemotes, c.BackupRepositories.List)
			if err != nil {
				return engine.NotFound(), err
			}
			it, ok, managed := find(items)
			if !ok {
				return engine.NotFound(), nil
			}
			return engine.Found(xoRemoteState{Name: it.Name, URL: it.URL}, managed, engine.Outputs{"id": it.ID}), nil
		},
		OnCreate: func(ctx context.Context, w xoRemoteState) (engine.Outputs, error) {
			items, err := c.BackupRepositories.List(ctx, nil)
			if err != nil {
				return nil, describe(appXO, "backup repository", err)
			}
			if it, ok, _ := find(items); ok { // a previous attempt's answer was lost: re-observe
				return nil, engine.Ambiguous(fmt.Errorf("xo backup repository %s exists already (id %s)", base, it.ID))
			}
			req := xo.NFSRepositoryRequest{Name: name, Server: w.server, Path: w.path, Options: "vers=4"}
			it, err := c.BackupRepositories.CreateNFS(ctx, req)
			if err != nil {
				return nil, describe(appXO, "backup repository", rpcWriteErr(err))
			}
			return engine.Outputs{"id": it.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w xoRemoteState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[xoRemoteState](cur)
			id, _ := cur.Outputs["id"].(string)
			var u xo.BackupRepositoryUpdate
			if have.Name != w.Name {
				u.Name = &w.Name
			}
			if have.URL != w.URL {
				u.URL = &w.URL
			}
			_, err := c.BackupRepositories.Update(ctx, id, u)
			return nil, describe(appXO, "backup repository", err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("xo backup repository %s: not managed by %s, kept", base, b.site.Name)
			}
			id, _ := cur.Outputs["id"].(string)
			return deleted(appXO, "backup repository", c.BackupRepositories.Delete(ctx, id))
		},
	})
}

// ── backup jobs (VM and metadata) ──────────────────────────────────────────────────────

// xoFindMarked returns the item named name (the marked name: managed) or, failing that,
// the one named base (unmarked: adopted by an update). nameOf returns "" for an item that
// must never match.
func xoFindMarked[T any](items []T, name, base string, nameOf func(T) string) (it T, found, managed bool) {
	for _, it := range items {
		if nameOf(it) == name {
			return it, true, true
		}
	}
	for _, it := range items {
		if nameOf(it) == base {
			return it, true, false
		}
	}
	return it, false, false
}

// xoScheduled is the state of a job with one schedule: the schedule's cron and whether it
// is enabled.
type xoScheduled interface {
	schedule() (cron string, enabled bool)
}

// xoScheduledJob describes an XO job kind with one schedule (VM backup job, metadata
// backup job) by what differs between kinds; xoJobResource runs what they share.
type xoScheduledJob[J any, S xoScheduled] struct {
	key        engine.Key
	what       string // "backup job <base>", for errors
	name, base string // marked and plain names
	coll       string // collection of the jobs, read through the plan's reader
	uses       []engine.Reference
	want       func(engine.Inputs) S
	list       func(context.Context, *xo.ListOptions) ([]J, error)
	idOf       func(J) string
	nameOf     func(J) string // "" for a job of another type
	// observed is the state of job j and its schedule sched (zero when it has none).
	observed func(j J, sched xo.Schedule) S
	create   func(ctx context.Context, w S) (id, sched string, err error)
	// update writes the job's fields that differ (not its schedule); sched may be "".
	update func(ctx context.Context, id, sched string, have, w S) error
	// scheduled, if set, completes a schedule created by an update (its retention).
	scheduled func(ctx context.Context, id, sched string, w S) error
	del       func(ctx context.Context, id string) error
}

// xoJobResource is the resource of job j: found by its marked name (else adopted under its
// plain name), observed with its schedule, created after checking that a previous
// attempt's answer was not lost, updated field by field then its schedule (created when
// missing), deleted only when managed. Outputs: id and schedule.
func xoJobResource[J any, S xoScheduled](b *build, j xoScheduledJob[J, S]) *engine.Func[S] {
	c := b.conns.XO
	find := func(items []J) (J, bool, bool) { return xoFindMarked(items, j.name, j.base, j.nameOf) }
	return &engine.Func[S]{
		ID:       j.key,
		Uses:     j.uses,
		Provides: []string{"id", "schedule"},
		WantFn:   j.want,
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			jobs, err := xoList(ctx, b, r, j.coll, j.list)
			if err != nil {
				return engine.NotFound(), err
			}
			job, ok, managed := find(jobs)
			if !ok {
				return engine.NotFound(), nil
			}
			scheds, err := xoList(ctx, b, r, xoCollScheds, c.Schedules.List)
			if err != nil {
				return engine.NotFound(), err
			}
			id := j.idOf(job)
			var sched xo.Schedule
			if i := slices.IndexFunc(scheds, func(s xo.Schedule) bool { return s.JobID == id }); i >= 0 {
				sched = scheds[i]
			}
			return engine.Found(j.observed(job, sched), managed, engine.Outputs{"id": id, "schedule": sched.ID}), nil
		},
		OnCreate: func(ctx context.Context, w S) (engine.Outputs, error) {
			jobs, err := j.list(ctx, nil)
			if err != nil {
				return nil, describe(appXO, j.what, err)
			}
			if job, ok, _ := find(jobs); ok { // a previous attempt's answer was lost
				return nil, engine.Ambiguous(fmt.Errorf("xo %s exists already (id %s)", j.what, j.idOf(job)))
			}
			id, sched, err := j.create(ctx, w)
			if err != nil {
				return nil, describe(appXO, j.what, rpcWriteErr(err))
			}
			return engine.Outputs{"id": id, "schedule": sched}, nil
		},
		OnUpdate: func(ctx context.Context, w S, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[S](cur)
			id, _ := cur.Outputs["id"].(string)
			sched, _ := cur.Outputs["schedule"].(string)
			if err := j.update(ctx, id, sched, have, w); err != nil {
				return nil, describe(appXO, j.what, err)
			}
			cron, enabled := w.schedule()
			haveCron, haveEnabled := have.schedule()
			switch {
			case sched == "":
				sc, err := c.Schedules.Create(ctx, id, xo.ScheduleSpec{Name: j.name, Cron: cron, Enabled: true})
				if err != nil {
					return nil, describe(appXO, j.what+" schedule", rpcWriteErr(err))
				}
				if j.scheduled != nil {
					if err := j.scheduled(ctx, id, sc.ID, w); err != nil {
						return nil, describe(appXO, j.what, err)
					}
				}
				return engine.Outputs{"id": id, "schedule": sc.ID}, nil
			case haveCron != cron || haveEnabled != enabled:
				if _, err := c.Schedules.Update(ctx, sched, xo.ScheduleUpdate{Cron: &cron, Enabled: &enabled}); err != nil {
					return nil, describe(appXO, j.what+" schedule", err)
				}
			}
			return nil, nil
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("xo %s: not managed by %s, kept", j.what, b.site.Name)
			}
			id, _ := cur.Outputs["id"].(string)
			return deleted(appXO, j.what, j.del(ctx, id))
		},
	}
}

type xoJobState struct {
	Name      string   `json:"name"`
	Mode      string   `json:"mode"`
	VMs       []string `json:"vms"`
	Remotes   []string `json:"remotes,omitempty"`
	SRs       []string `json:"srs,omitempty"`
	Cron      string   `json:"cron"`
	Retention int      `json:"retention"`
	Enabled   bool     `json:"enabled"`
}

func (s xoJobState) schedule() (string, bool) { return s.Cron, s.Enabled }

// xoPatternIDs returns the ids a pattern {"id": "a"} or {"id": {"__or": [...]}} selects.
func xoPatternIDs(p xo.Pattern) []string {
	var out []string
	switch v := p["id"].(type) {
	case string:
		out = []string{v}
	case map[string]any:
		if l, ok := v["__or"].([]any); ok {
			for _, x := range l {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
		if l, ok := v["__or"].([]string); ok {
			out = append(out, l...)
		}
	}
	sort.Strings(out)
	return out
}

// xoJob adds a delta backup job to the repository, or with a replication target host a
// continuous replication job to that host's SR.
func (b *build) xoJob(kind string, vmNames []string, cron string, keep int, targetHost string) {
	c := b.conns.XO
	replication := targetHost != ""
	// retention is the job's per-schedule retention: copies on the SR for a replication,
	// backups on the repository otherwise.
	retention := func(keep int) xo.Retention {
		if replication {
			return xo.Retention{Copy: keep}
		}
		return xo.Retention{Export: keep}
	}
	base := b.site.Name + "-" + kind
	name := b.xoMarkedName(base)
	var refs []engine.Reference
	var vmRefs []engine.Ref[string]
	for _, n := range vmNames {
		r := engine.Output[string](keyXOVM(n), "id")
		vmRefs = append(vmRefs, r)
		refs = append(refs, r)
	}
	var target engine.Ref[string]
	if replication {
		target = engine.Output[string](keyXOHost(targetHost), "sr")
	} else {
		target = engine.Output[string](keyXOBackupRepo(b.site.Name), "id")
	}
	refs = append(refs, target)
	want := func(in engine.Inputs) xoJobState {
		w := xoJobState{Name: name, Mode: "delta", Cron: cron, Retention: keep, Enabled: true, VMs: []string{}}
		for _, r := range vmRefs {
			if id, ok := r.Lookup(in); ok {
				w.VMs = append(w.VMs, id)
			}
		}
		sort.Strings(w.VMs)
		if t, ok := target.Lookup(in); ok {
			if replication {
				w.SRs = []string{t}
			} else {
				w.Remotes = []string{t}
			}
		}
		return w
	}
	b.add(xoJobResource(b, xoScheduledJob[xo.BackupJob, xoJobState]{
		key: engine.K(appXO, "backup-job", base), what: "backup job " + base, name: name, base: base,
		coll: xoCollJobs, uses: refs, want: want, list: c.BackupJobs.List,
		idOf: func(j xo.BackupJob) string { return j.ID },
		nameOf: func(j xo.BackupJob) string {
			if j.Type == "" || j.Type == "backup" {
				return j.Name
			}
			return "" // a metadata or mirror job
		},
		observed: func(j xo.BackupJob, sched xo.Schedule) xoJobState {
			st := xoJobState{Name: j.Name, Mode: j.Mode, VMs: nonNil(xoPatternIDs(j.VMs)), Remotes: xoPatternIDs(j.Remotes), SRs: xoPatternIDs(j.SRs),
				Cron: sched.Cron, Enabled: sched.Enabled}
			if raw, ok := j.Settings[sched.ID]; ok && sched.ID != "" {
				var ret xo.Retention
				if err := json.Unmarshal(raw, &ret); err == nil {
					st.Retention = ret.Export
					if replication {
						st.Retention = ret.Copy
					}
				}
			}
			return st
		},
		create: func(ctx context.Context, w xoJobState) (string, string, error) {
			req := xo.DeltaBackupJob(name, xo.IDs(w.VMs...), first(w.Remotes), cron, "", keep)
			if replication {
				req = xo.ContinuousReplicationJob(name, xo.IDs(w.VMs...), first(w.SRs), cron, "", keep)
			}
			job, err := c.BackupJobs.Create(ctx, req)
			return job.ID, job.Schedule.ID, err
		},
		update: func(ctx context.Context, id, sched string, have, w xoJobState) error {
			var u xo.BackupJobUpdate
			changed := false
			if have.Name != w.Name {
				u.Name, changed = &w.Name, true
			}
			if have.Mode != w.Mode {
				u.Mode, changed = &w.Mode, true
			}
			if !slices.Equal(have.VMs, w.VMs) {
				u.VMs, changed = xo.IDs(w.VMs...), true
			}
			if !slices.Equal(have.Remotes, w.Remotes) && len(w.Remotes) > 0 {
				u.Remotes, changed = xo.IDs(w.Remotes...), true
			}
			if !slices.Equal(have.SRs, w.SRs) && len(w.SRs) > 0 {
				u.SRs, changed = xo.IDs(w.SRs...), true
			}
			if have.Retention != w.Retention && sched != "" {
				u.Retention, changed = map[string]xo.Retention{sched: retention(w.Retention)}, true
			}
			if !changed {
				return nil
			}
			_, err := c.BackupJobs.Update(ctx, id, u)
			return err
		},
		// A schedule created by an update (the previous one was deleted by hand) has no
		// retention yet: set it.
		scheduled: func(ctx context.Context, id, sched string, w xoJobState) error {
			_, err := c.BackupJobs.Update(ctx, id, xo.BackupJobUpdate{Retention: map[string]xo.Retention{sched: retention(w.Retention)}})
			return err
		},
		del: c.BackupJobs.Delete,
	}))
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

type xoMetaJobState struct {
	Name          string   `json:"name"`
	Pools         []string `json:"pools"`
	XOMetadata    bool     `json:"xo_metadata"`
	Remotes       []string `json:"remotes"`
	Cron          string   `json:"cron"`
	RetentionPool int      `json:"retention_pool"`
	RetentionXO   int      `json:"retention_xo"`
	Enabled       bool     `json:"enabled"`
}

func (s xoMetaJobState) schedule() (string, bool) { return s.Cron, s.Enabled }

// xoMetadataJob adds the metadata backup job: the pool database of the site's pool(s) and
// the XO configuration, daily, to the backup repository on TrueNAS, keeping
// site.Backup.Retention backups of each.
func (b *build) xoMetadataJob() {
	c := b.conns.XO
	s := b.site
	base := s.Name + "-metadata"
	name := b.xoMarkedName(base)
	keep := max(s.Backup.Retention, 1)
	hosts := []string{s.Host.Name}
	if b.feat.SecondHost && s.StandbyHost.Name != "" && s.StandbyHost.Name != s.Host.Name {
		hosts = append(hosts, s.StandbyHost.Name)
	}
	var pools []engine.Ref[string]
	var refs []engine.Reference
	for _, h := range hosts {
		r := engine.Output[string](keyXOHost(h), "pool")
		pools, refs = append(pools, r), append(refs, r)
	}
	repo := engine.Output[string](keyXOBackupRepo(s.Name), "id")
	refs = append(refs, repo)
	want := func(in engine.Inputs) xoMetaJobState {
		w := xoMetaJobState{Name: name, Pools: []string{}, XOMetadata: true, Remotes: []string{}, Cron: xoMetadataCron,
			RetentionPool: keep, RetentionXO: keep, Enabled: true}
		for _, r := range pools {
			if id, ok := r.Lookup(in); ok && id != "" && !slices.Contains(w.Pools, id) {
				w.Pools = append(w.Pools, id)
			}
		}
		sort.Strings(w.Pools)
		if id, ok := repo.Lookup(in); ok && id != "" {
			w.Remotes = []string{id}
		}
		return w
	}
	b.add(xoJobResource(b, xoScheduledJob[xo.MetadataBackupJob, xoMetaJobState]{
		key: engine.K(appXO, "backup-job", base), what: "metadata backup job " + base, name: name, base: base,
		coll: xoCollMetaJobs, uses: refs, want: want, list: c.MetadataBackupJobs.List,
		idOf:   func(j xo.MetadataBackupJob) string { return j.ID },
		nameOf: func(j xo.MetadataBackupJob) string { return j.Name },
		observed: func(j xo.MetadataBackupJob, sched xo.Schedule) xoMetaJobState {
			st := xoMetaJobState{Name: j.Name, Pools: nonNil(j.PoolIDs()), XOMetadata: j.XOMetadata, Remotes: nonNil(j.RemoteIDs()),
				Cron: sched.Cron, Enabled: sched.Enabled}
			if ret, ok := j.RetentionOf(sched.ID); ok {
				st.RetentionPool, st.RetentionXO = ret.PoolMetadata, ret.XOMetadata
			}
			return st
		},
		create: func(ctx context.Context, w xoMetaJobState) (string, string, error) {
			job, err := c.MetadataBackupJobs.Create(ctx, xo.MetadataBackup(name, w.Pools, w.XOMetadata, first(w.Remotes), w.Cron, "", keep))
			return job.ID, job.Schedule.ID, err
		},
		update: func(ctx context.Context, id, sched string, have, w xoMetaJobState) error {
			var u xo.MetadataBackupJobUpdate
			changed := false
			if have.Name != w.Name {
				u.Name, changed = &w.Name, true
			}
			if !slices.Equal(have.Pools, w.Pools) {
				u.Pools, changed = w.Pools, true
			}
			if have.XOMetadata != w.XOMetadata {
				u.XOMetadata, changed = &w.XOMetadata, true
			}
			if !slices.Equal(have.Remotes, w.Remotes) && len(w.Remotes) > 0 {
				u.Remotes, changed = w.Remotes, true
			}
			if (have.RetentionPool != w.RetentionPool || have.RetentionXO != w.RetentionXO) && sched != "" {
				u.Retention = map[string]xo.MetadataRetention{sched: {PoolMetadata: w.RetentionPool, XOMetadata: w.RetentionXO}}
				changed = true
			}
			if !changed {
				return nil
			}
			_, err := c.MetadataBackupJobs.Update(ctx, id, u)
			return err
		},
		// A schedule created by an update has no retention yet: set it.
		scheduled: func(ctx context.Context, id, sched string, w xoMetaJobState) error {
			ret := map[string]xo.MetadataRetention{sched: {PoolMetadata: w.RetentionPool, XOMetadata: w.RetentionXO}}
			_, err := c.MetadataBackupJobs.Update(ctx, id, xo.MetadataBackupJobUpdate{Retention: ret})
			return err
		},
		del: c.MetadataBackupJobs.Delete,
	}))
}
