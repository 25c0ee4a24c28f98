package blueprint

import (
	"context"
	"slices"
	"strings"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/truenas"
)

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
