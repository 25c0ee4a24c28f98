package xo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"sort"
	"strings"
)

// Metadata backup jobs (XO "Metadata backup": the pool database of XCP-ng pools and/or the
// XO configuration, written to backup repositories).
//
// REST /backup-jobs lists every job type; metadata jobs have type "metadataBackup" with
// "xoMetadata" and "pools". Writes go over JSON-RPC, as in xen-orchestra 9ef5389
// (xo-server 5.207.2):
//   - packages/xo-server/src/api/metadata-backup.mjs: metadataBackup.createJob {name?, pools?,
//     proxy?, remotes, schedules, settings, xoMetadata?} (remotes, schedules and settings are
//     required), editJob {id, name?, pools?(object|null), proxy?(string|null), settings?,
//     remotes?, xoMetadata?}, deleteJob {id}, getAllJobs, getJob {id}, runJob {id, schedule}.
//   - xo-mixins/metadata-backups.mjs: createJob creates each schedule of "schedules" (keyed by
//     temporary ids), re-keys "settings" to the real schedule ids and answers the job object
//     (backupNg.createJob answers the job id); deleteJob checks the job's type.
//   - xo-mixins/jobs/index.mjs: editJob is updateJob, whose patch (src/patch.mjs) is one level
//     deep: a property given replaces the stored one whole, null deletes it. removeJob deletes
//     the job's schedules. runJob returns when the run ends.
//   - @xen-orchestra/backups/_runners/Metadata.mjs: per-schedule settings
//     retentionPoolMetadata and retentionXoMetadata (defaults 0); a run fails without
//     remotes, without any mode (no pools and no xoMetadata), or when a selected mode has
//     retention 0.
//
// Inferred, not checked against a live XO: the REST filter type:metadataBackup on
// /backup-jobs (the client filters locally as well), and the shape of a metadata run's
// backup log (one task per pool and one for the XO configuration, each with one "export"
// task per repository), which [MetadataBackupJobsService.Run] only reads for its status.

// MetadataBackupJobType is the type of metadata backup jobs in /backup-jobs.
const MetadataBackupJobType = "metadataBackup"

// MetadataBackupJob is a metadata backup job (type "metadataBackup").
type MetadataBackupJob struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Pools selects the pools whose metadata is backed up (nil: none).
	Pools Pattern `json:"pools,omitempty"`
	// XOMetadata is true when the XO configuration is backed up.
	XOMetadata bool `json:"xoMetadata,omitempty"`
	// Remotes selects the backup repositories written to.
	Remotes Pattern `json:"remotes,omitempty"`
	Proxy   string  `json:"proxy,omitempty"`
	// Settings holds the global settings under "" and the retention per schedule id.
	Settings map[string]json.RawMessage `json:"settings,omitempty"`
	UserID   string                     `json:"userId,omitempty"`
	Href     string                     `json:"href,omitempty"`
	// Schedule is the schedule [MetadataBackupJobsService.Create] made with the job; reads
	// leave it zero (list a job's schedules with [SchedulesService.OfJob]).
	Schedule Schedule `json:"-"`
}

func (v MetadataBackupJob) objectID() string   { return v.ID }
func (v MetadataBackupJob) objectName() string { return v.Name }
func (v MetadataBackupJob) objectPool() string { return "" }

// PoolIDs returns the ids of the pools the job selects, sorted.
func (v MetadataBackupJob) PoolIDs() []string { return v.Pools.SelectedIDs() }

// RemoteIDs returns the ids of the backup repositories the job writes to, sorted.
func (v MetadataBackupJob) RemoteIDs() []string { return v.Remotes.SelectedIDs() }

// RetentionOf returns the retention of schedule, and whether the job has settings for it.
func (v MetadataBackupJob) RetentionOf(schedule string) (MetadataRetention, bool) {
	raw, ok := v.Settings[schedule]
	if !ok || schedule == "" {
		return MetadataRetention{}, false
	}
	var r MetadataRetention
	if err := json.Unmarshal(raw, &r); err != nil {
		return MetadataRetention{}, false
	}
	return r, true
}

// SelectedIDs returns the ids a simple pattern selects ({"id":"a"} or
// {"id":{"__or":["a","b"]}}), sorted; nil for other patterns.
func (p Pattern) SelectedIDs() []string {
	var out []string
	switch v := p["id"].(type) {
	case string:
		out = []string{v}
	case []string:
		out = append(out, v...)
	case map[string]any:
		switch l := v["__or"].(type) {
		case []any:
			for _, x := range l {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		case []string:
			out = append(out, l...)
		}
	}
	sort.Strings(out)
	return out
}

// MetadataRetention is the per-schedule retention of a metadata backup job: how many
// backups of each kind are kept on each repository.
type MetadataRetention struct {
	PoolMetadata int `json:"retentionPoolMetadata,omitempty"`
	XOMetadata   int `json:"retentionXoMetadata,omitempty"`
}

// MetadataSettings are a metadata job's global ("") settings.
type MetadataSettings struct {
	ReportWhen string `json:"reportWhen,omitempty"` // always, failure, error, never
	Timezone   string `json:"timezone,omitempty"`
}

// MetadataBackupJobRequest creates a metadata backup job with one schedule.
type MetadataBackupJobRequest struct {
	Name string
	// Pools are the ids of the pools whose metadata is backed up.
	Pools []string
	// XOMetadata backs up the XO configuration too.
	XOMetadata bool
	// Remotes are the ids of the backup repositories written to (at least one).
	Remotes   []string
	Schedule  ScheduleSpec
	Retention MetadataRetention
	Settings  MetadataSettings
}

// MetadataBackup is a daily metadata backup of pools (and of the XO configuration when xo)
// to one backup repository, by cron, keeping keep backups of each kind.
func MetadataBackup(name string, pools []string, xo bool, repository, cron, timezone string, keep int) MetadataBackupJobRequest {
	r := MetadataBackupJobRequest{Name: name, Pools: append([]string(nil), pools...), XOMetadata: xo, Remotes: []string{repository},
		Schedule: ScheduleSpec{Name: name, Cron: cron, Timezone: timezone, Enabled: true},
		Settings: MetadataSettings{ReportWhen: "failure", Timezone: timezone}}
	if len(pools) > 0 {
		r.Retention.PoolMetadata = keep
	}
	if xo {
		r.Retention.XOMetadata = keep
	}
	return r
}

// Validate checks the request locally, with the rules XO applies when the job runs (a job
// XO accepts but can never run is refused here).
func (r MetadataBackupJobRequest) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return invalid("Name", r.Name, "must not be empty")
	}
	if len(r.Pools) == 0 && !r.XOMetadata {
		return invalid("Pools", r.Pools, "select pools and/or XOMetadata")
	}
	for _, p := range r.Pools {
		if strings.TrimSpace(p) == "" {
			return invalid("Pools", r.Pools, "pool ids must not be empty")
		}
	}
	if len(r.Remotes) == 0 {
		return invalid("Remotes", r.Remotes, "need at least one backup repository")
	}
	for _, id := range r.Remotes {
		if strings.TrimSpace(id) == "" {
			return invalid("Remotes", r.Remotes, "repository ids must not be empty")
		}
	}
	if len(strings.Fields(r.Schedule.Cron)) != 5 {
		return invalid("Schedule.Cron", r.Schedule.Cron, "must have 5 fields")
	}
	if err := r.Retention.validate(len(r.Pools) > 0, r.XOMetadata); err != nil {
		return err
	}
	return validReportWhen(r.Settings.ReportWhen)
}

func (r MetadataRetention) validate(pools, xo bool) error {
	switch {
	case r.PoolMetadata < 0:
		return invalid("Retention.PoolMetadata", r.PoolMetadata, "must not be negative")
	case r.XOMetadata < 0:
		return invalid("Retention.XOMetadata", r.XOMetadata, "must not be negative")
	case pools && r.PoolMetadata < 1:
		return invalid("Retention.PoolMetadata", r.PoolMetadata, "must be at least 1 with pools")
	case !pools && r.PoolMetadata > 0:
		return invalid("Retention.PoolMetadata", r.PoolMetadata, "must be 0 without pools")
	case xo && r.XOMetadata < 1:
		return invalid("Retention.XOMetadata", r.XOMetadata, "must be at least 1 with XOMetadata")
	case !xo && r.XOMetadata > 0:
		return invalid("Retention.XOMetadata", r.XOMetadata, "must be 0 without XOMetadata")
	}
	return nil
}

func validReportWhen(v string) error {
	switch v {
	case "", "always", "failure", "error", "never":
		return nil
	}
	return invalid("Settings.ReportWhen", v, "must be always, failure, error or never")
}

// MetadataBackupJobsService manages metadata backup jobs: reads over REST (/backup-jobs,
// type metadataBackup), writes over JSON-RPC (metadataBackup.*), which REST lacks.
type MetadataBackupJobsService struct {
	c    *Client
	coll collection[MetadataBackupJob]
}

// List returns the metadata backup jobs matching opts (all of them when opts is nil).
func (s *MetadataBackupJobsService) List(ctx context.Context, opts *ListOptions) ([]MetadataBackupJob, error) {
	o := ListOptions{}
	if opts != nil {
		o = *opts
	}
	o.Filter = And(Eq("type", MetadataBackupJobType), o.Filter)
	items, err := s.coll.list(ctx, &o)
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		if it.Type == MetadataBackupJobType {
			out = append(out, it)
		}
	}
	return out, nil
}

// All iterates over the metadata backup jobs matching opts (one List call).
func (s *MetadataBackupJobsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[MetadataBackupJob, error] {
	return func(yield func(MetadataBackupJob, error) bool) {
		items, err := s.List(ctx, opts)
		if err != nil {
			yield(MetadataBackupJob{}, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

// Get returns metadata backup job id; an unknown id, or the id of a job of another type,
// matches sitekit.ErrNotFound.
func (s *MetadataBackupJobsService) Get(ctx context.Context, id string) (MetadataBackupJob, error) {
	j, err := s.coll.get(ctx, id)
	if err != nil {
		return MetadataBackupJob{}, err
	}
	if j.Type != MetadataBackupJobType {
		return MetadataBackupJob{}, &NotFoundError{Collection: "metadata backup jobs", Name: id}
	}
	return j, nil
}

// Find returns the metadata backup job named name; none matches sitekit.ErrNotFound, several
// return an [AmbiguousError].
func (s *MetadataBackupJobsService) Find(ctx context.Context, name string) (MetadataBackupJob, error) {
	if strings.TrimSpace(name) == "" {
		return MetadataBackupJob{}, invalid("Name", name, "must not be empty")
	}
	items, err := s.List(ctx, &ListOptions{Filter: Eq("name", name)})
	if err != nil {
		return MetadataBackupJob{}, err
	}
	var found []MetadataBackupJob
	for _, it := range items {
		if it.Name == name {
			found = append(found, it)
		}
	}
	switch len(found) {
	case 0:
		return MetadataBackupJob{}, &NotFoundError{Collection: "metadata backup jobs", Name: name}
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, it := range found {
		ids[i] = it.ID
	}
	return MetadataBackupJob{}, &AmbiguousError{Collection: "metadata backup jobs", Name: name, IDs: ids}
}

// Create creates the job and its schedule (metadataBackup.createJob) and returns the job
// read back, with the created schedule in Schedule.
func (s *MetadataBackupJobsService) Create(ctx context.Context, req MetadataBackupJobRequest) (MetadataBackupJob, error) {
	if err := req.Validate(); err != nil {
		return MetadataBackupJob{}, err
	}
	params := map[string]any{
		"name":      req.Name,
		"remotes":   IDs(req.Remotes...),
		"schedules": map[string]any{tmpScheduleID: req.Schedule},
		"settings":  map[string]any{"": req.Settings, tmpScheduleID: req.Retention},
	}
	if len(req.Pools) > 0 {
		params["pools"] = IDs(req.Pools...)
	}
	if req.XOMetadata {
		params["xoMetadata"] = true
	}
	var res json.RawMessage
	if err := s.c.call(ctx, "metadataBackup.createJob", params, &res); err != nil {
		return MetadataBackupJob{}, err
	}
	// xo-server answers the job object; accept a bare id too.
	var id string
	if json.Unmarshal(res, &id) != nil || id == "" {
		var created MetadataBackupJob
		if err := json.Unmarshal(res, &created); err != nil || created.ID == "" {
			return MetadataBackupJob{}, fmt.Errorf("xo: metadataBackup.createJob: unexpected result %.200s", res)
		}
		id = created.ID
	}
	job, err := s.Get(ctx, id)
	if err != nil {
		return MetadataBackupJob{}, err
	}
	job.Schedule, err = s.c.Schedules.firstOfJob(ctx, id)
	return job, err
}

// MetadataBackupJobUpdate is an edit of a metadata backup job; nil fields are kept.
type MetadataBackupJobUpdate struct {
	Name *string
	// Pools replaces the pool selection; a non-nil empty slice clears it (sent as null).
	Pools      []string
	XOMetadata *bool
	// Remotes replaces the repositories; non-nil must not be empty.
	Remotes []string
	// Retention sets the retention of the given schedule ids: its non-zero fields replace
	// the stored ones; the schedule's other settings are kept.
	Retention map[string]MetadataRetention
	// Settings sets job-wide settings: its non-zero fields replace the stored ones; the
	// other job-wide settings are kept.
	Settings *MetadataSettings
}

// Validate checks the update locally.
func (u MetadataBackupJobUpdate) Validate() error {
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return invalid("Name", *u.Name, "must not be empty")
	}
	if u.Remotes != nil && len(u.Remotes) == 0 {
		return invalid("Remotes", u.Remotes, "must not be empty (a metadata job cannot run without one)")
	}
	for sched, r := range u.Retention {
		if sched == "" {
			return invalid("Retention", sched, "schedule ids must not be empty")
		}
		if r.PoolMetadata < 0 || r.XOMetadata < 0 {
			return invalid("Retention["+sched+"]", r, "must not be negative")
		}
	}
	if u.Settings != nil {
		return validReportWhen(u.Settings.ReportWhen)
	}
	return nil
}

// Update edits job id (metadataBackup.editJob) and returns the job after the edit. XO
// replaces each property given as a whole (settings included), so a settings change reads
// the job and sends its complete settings with the change applied.
func (s *MetadataBackupJobsService) Update(ctx context.Context, id string, u MetadataBackupJobUpdate) (MetadataBackupJob, error) {
	if strings.TrimSpace(id) == "" {
		return MetadataBackupJob{}, invalid("ID", id, "must not be empty")
	}
	if err := u.Validate(); err != nil {
		return MetadataBackupJob{}, err
	}
	params := map[string]any{"id": id}
	if u.Name != nil {
		params["name"] = *u.Name
	}
	if u.Pools != nil {
		if len(u.Pools) == 0 {
			params["pools"] = nil
		} else {
			params["pools"] = IDs(u.Pools...)
		}
	}
	if u.XOMetadata != nil {
		params["xoMetadata"] = *u.XOMetadata
	}
	if u.Remotes != nil {
		params["remotes"] = IDs(u.Remotes...)
	}
	if len(u.Retention) > 0 || u.Settings != nil {
		job, err := s.Get(ctx, id)
		if err != nil {
			return MetadataBackupJob{}, err
		}
		changes := map[string]any{}
		for sched, r := range u.Retention {
			changes[sched] = r
		}
		if u.Settings != nil {
			changes[""] = *u.Settings
		}
		settings, err := mergeSettings(job.Settings, changes)
		if err != nil {
			return MetadataBackupJob{}, err
		}
		params["settings"] = settings
	}
	if err := s.c.call(ctx, "metadataBackup.editJob", params, nil); err != nil {
		return MetadataBackupJob{}, err
	}
	return s.Get(ctx, id)
}

// Delete deletes job id (metadataBackup.deleteJob, which refuses a job of another type with
// an error matching sitekit.ErrNotFound); XO deletes the job's schedules with it.
func (s *MetadataBackupJobsService) Delete(ctx context.Context, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid("ID", id, "must not be empty")
	}
	return s.c.call(ctx, "metadataBackup.deleteJob", map[string]string{"id": id}, nil)
}

// Run runs job id with schedule now (metadataBackup.runJob, which returns when the run
// ends) and returns the run's backup log. A run that did not succeed returns its log and a
// *BackupRunError; a run XO refuses to start (no repository, no retention) is an *APIError.
func (s *MetadataBackupJobsService) Run(ctx context.Context, id, schedule string) (BackupLog, error) {
	if strings.TrimSpace(id) == "" {
		return BackupLog{}, invalid("ID", id, "must not be empty")
	}
	if strings.TrimSpace(schedule) == "" {
		return BackupLog{}, invalid("Schedule", schedule, "must not be empty")
	}
	if err := s.c.call(ctx, "metadataBackup.runJob", map[string]string{"id": id, "schedule": schedule}, nil); err != nil {
		return BackupLog{}, err
	}
	logs, err := s.c.BackupLogs.OfJob(ctx, id)
	if err != nil {
		return BackupLog{}, err
	}
	for _, l := range logs {
		if l.ScheduleID == schedule {
			if l.Status != "success" {
				return l, &BackupRunError{Log: l}
			}
			return l, nil
		}
	}
	return BackupLog{}, &NotFoundError{Collection: "backup-logs", Name: id}
}
