package xo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit/internal/rest"
)

// BackupRepository is a backup remote (XO "remote"): NFS, SMB, S3 or a local path. URL
// credentials are obfuscated on read.
type BackupRepository struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	URL        string          `json:"url"`
	Enabled    bool            `json:"enabled"`
	Options    string          `json:"options,omitempty"`
	Proxy      string          `json:"proxy,omitempty"`
	Error      json.RawMessage `json:"error,omitempty"`
	Benchmarks []struct {
		ReadRate  Number `json:"readRate"`
		WriteRate Number `json:"writeRate"`
		Timestamp Number `json:"timestamp"`
	} `json:"benchmarks,omitempty"`
	Href string `json:"href,omitempty"`
}

func (v BackupRepository) objectID() string   { return v.ID }
func (v BackupRepository) objectName() string { return v.Name }
func (v BackupRepository) objectPool() string { return "" }

// BackupRepositoriesService manages backup repositories (REST /backup-repositories; delete
// and test over JSON-RPC remote.*).
type BackupRepositoriesService struct {
	c    *Client
	coll collection[BackupRepository]
}

// List returns the backup repositories matching opts (all of them when opts is nil).
func (s *BackupRepositoriesService) List(ctx context.Context, opts *ListOptions) ([]BackupRepository, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the backup repositories matching opts (XO does not page: one List call), yielding
// an error last.
func (s *BackupRepositoriesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[BackupRepository, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the BackupRepository id; an unknown id matches sitekit.ErrNotFound.
func (s *BackupRepositoriesService) Get(ctx context.Context, id string) (BackupRepository, error) {
	return s.coll.get(ctx, id)
}

// Find returns the BackupRepository whose name is name. None matches sitekit.ErrNotFound; several
// (names are not unique in XO) return an [AmbiguousError].
func (s *BackupRepositoriesService) Find(ctx context.Context, name string) (BackupRepository, error) {
	return s.coll.find(ctx, "", name)
}

// NFSRepositoryRequest creates an NFS backup repository, e.g. a TrueNAS export:
// Server "10.10.0.20", Path "/mnt/tank/xo-backups", Options "vers=4".
type NFSRepositoryRequest struct {
	Name    string
	Server  string
	Port    int
	Path    string
	Options string
}

// URL renders the XO remote URL nfs://<host>:[<port>:]<path>.
func (r NFSRepositoryRequest) URL() string {
	u := "nfs://" + r.Server + ":"
	if r.Port > 0 {
		u += strconv.Itoa(r.Port) + ":"
	}
	return u + r.Path
}

// Validate checks the request locally.
func (r NFSRepositoryRequest) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return invalid("Name", r.Name, "must not be empty")
	}
	if strings.TrimSpace(r.Server) == "" || strings.ContainsAny(r.Server, "/: ") {
		return invalid("Server", r.Server, "must be a host name or IPv4 address")
	}
	if !strings.HasPrefix(r.Path, "/") {
		return invalid("Path", r.Path, "must be an absolute export path")
	}
	if strings.HasSuffix(strings.TrimRight(r.Path, "/"), "xo-vm-backups") {
		return invalid("Path", r.Path, "must not end with xo-vm-backups (XO adds it)")
	}
	if r.Port < 0 || r.Port > 65535 {
		return invalid("Port", r.Port, "must be a TCP port")
	}
	return nil
}

// CreateNFS creates the repository (POST /backup-repositories) and returns it.
func (s *BackupRepositoriesService) CreateNFS(ctx context.Context, req NFSRepositoryRequest) (BackupRepository, error) {
	if err := req.Validate(); err != nil {
		return BackupRepository{}, err
	}
	body := map[string]any{"name": req.Name, "url": req.URL()}
	if req.Options != "" {
		body["options"] = req.Options
	}
	var res createdID
	if _, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Path: rest.Path(restPrefix, "backup-repositories"), Body: body, Result: &res}); err != nil {
		return BackupRepository{}, err
	}
	return s.Get(ctx, res.ID)
}

// BackupRepositoryUpdate is a partial update (PATCH); nil fields are not sent.
type BackupRepositoryUpdate struct {
	Name    *string `json:"name,omitempty"`
	URL     *string `json:"url,omitempty"`
	Options *string `json:"options,omitempty"`
	Enabled *bool   `json:"enabled,omitempty"`
}

// Update applies a partial update (PATCH) and returns the repository after it.
func (s *BackupRepositoriesService) Update(ctx context.Context, id string, u BackupRepositoryUpdate) (BackupRepository, error) {
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return BackupRepository{}, invalid("Name", *u.Name, "must not be empty")
	}
	if strings.TrimSpace(id) == "" {
		return BackupRepository{}, invalid("ID", id, "must not be empty")
	}
	if _, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPatch, Path: rest.Path(restPrefix, "backup-repositories", id), Body: u}); err != nil {
		return BackupRepository{}, err
	}
	return s.Get(ctx, id)
}

// RemoteTest is the result of remote.test.
type RemoteTest struct {
	Success   bool   `json:"success"`
	ReadRate  Number `json:"readRate,omitempty"`
	WriteRate Number `json:"writeRate,omitempty"`
	Step      string `json:"step,omitempty"`
	File      string `json:"file,omitempty"`
	Error     any    `json:"error,omitempty"`
}

// Test checks that XO can write to and read from the repository (JSON-RPC remote.test).
func (s *BackupRepositoriesService) Test(ctx context.Context, id string) (RemoteTest, error) {
	var r RemoteTest
	err := s.c.call(ctx, "remote.test", map[string]string{"id": id}, &r)
	return r, err
}

// Delete deletes the repository (JSON-RPC remote.delete; REST only has "forget"). XO checks
// neither that it exists nor that a job writes to it: delete the jobs first.
func (s *BackupRepositoriesService) Delete(ctx context.Context, id string) error {
	if id == "" {
		return invalid("ID", id, "must not be empty")
	}
	return s.c.call(ctx, "remote.delete", map[string]string{"id": id}, nil)
}

// Pattern is an XO value-matcher pattern selecting objects (VMs, remotes, SRs).
type Pattern map[string]any

// IDs selects objects by id: {"id":"a"} or {"id":{"__or":["a","b"]}}.
func IDs(ids ...string) Pattern {
	if len(ids) == 1 {
		return Pattern{"id": ids[0]}
	}
	or := append([]string{}, ids...)
	return Pattern{"id": map[string]any{"__or": or}}
}

// TaggedVMs selects the VMs of pool carrying all tags (smart mode).
func TaggedVMs(pool string, tags ...string) Pattern {
	return Pattern{"type": "VM", "$pool": map[string]any{"__or": []string{pool}}, "tags": map[string]any{"__or": [][]string{tags}}}
}

// BackupJob is a VM backup job (type "backup"). Kinds: Delta Backup = mode delta + remotes;
// Continuous Replication = mode delta + srs.
type BackupJob struct {
	ID          string                     `json:"id"`
	Type        string                     `json:"type"`
	Name        string                     `json:"name"`
	Mode        string                     `json:"mode"`
	Compression string                     `json:"compression,omitempty"`
	VMs         Pattern                    `json:"vms,omitempty"`
	Remotes     Pattern                    `json:"remotes,omitempty"`
	SRs         Pattern                    `json:"srs,omitempty"`
	Settings    map[string]json.RawMessage `json:"settings,omitempty"`
	UserID      string                     `json:"userId,omitempty"`
	Href        string                     `json:"href,omitempty"`
	// Schedule is the schedule [BackupJobsService.Create] made with the job; reads leave it
	// zero (list a job's schedules with [SchedulesService.OfJob]).
	Schedule Schedule `json:"-"`
}

func (v BackupJob) objectID() string   { return v.ID }
func (v BackupJob) objectName() string { return v.Name }
func (v BackupJob) objectPool() string { return "" }

// BackupJobsService manages VM backup jobs: reads over REST (/backup-jobs), writes over
// JSON-RPC (backupNg.*), which REST lacks.
type BackupJobsService struct {
	c    *Client
	coll collection[BackupJob]
}

// List returns the backup jobs matching opts (all of them when opts is nil).
func (s *BackupJobsService) List(ctx context.Context, opts *ListOptions) ([]BackupJob, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the backup jobs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *BackupJobsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[BackupJob, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the BackupJob id; an unknown id matches sitekit.ErrNotFound.
func (s *BackupJobsService) Get(ctx context.Context, id string) (BackupJob, error) {
	return s.coll.get(ctx, id)
}

// Find returns the BackupJob whose name is name. None matches sitekit.ErrNotFound; several
// (names are not unique in XO) return an [AmbiguousError].
func (s *BackupJobsService) Find(ctx context.Context, name string) (BackupJob, error) {
	return s.coll.find(ctx, "", name)
}

// ScheduleSpec is a schedule created with a job.
type ScheduleSpec struct {
	Name     string `json:"name,omitempty"`
	Cron     string `json:"cron"`
	Timezone string `json:"timezone,omitempty"`
	Enabled  bool   `json:"enabled"`
}

// Retention is the per-schedule retention of a job.
type Retention struct {
	Export       int `json:"exportRetention,omitempty"`   // backups kept on the repository
	Copy         int `json:"copyRetention,omitempty"`     // replicas kept on the SR (CR)
	Snapshot     int `json:"snapshotRetention,omitempty"` // snapshots kept on the VM
	FullInterval int `json:"fullInterval,omitempty"`      // delta: a full every N runs
}

// GlobalSettings are a job's "" settings.
type GlobalSettings struct {
	ReportWhen  string `json:"reportWhen,omitempty"` // always, failure, error, never
	Timezone    string `json:"timezone,omitempty"`
	Concurrency int    `json:"concurrency,omitempty"`
	NRetries    int    `json:"nRetriesVmBackupFailures,omitempty"`
}

// BackupJobRequest creates a VM backup job with one schedule.
type BackupJobRequest struct {
	Name      string
	Mode      string  // "delta" or "full"
	VMs       Pattern // IDs(...) or TaggedVMs(...)
	Remotes   []string
	SRs       []string
	Schedule  ScheduleSpec
	Retention Retention
	Settings  GlobalSettings
}

// DeltaBackupJob is a delta backup of vms to a backup repository, nightly by cron, keeping
// keep backups.
func DeltaBackupJob(name string, vms Pattern, repository, cron, timezone string, keep int) BackupJobRequest {
	return BackupJobRequest{Name: name, Mode: "delta", VMs: vms, Remotes: []string{repository},
		Schedule:  ScheduleSpec{Name: name, Cron: cron, Timezone: timezone, Enabled: true},
		Retention: Retention{Export: keep}, Settings: GlobalSettings{ReportWhen: "failure", Timezone: timezone, Concurrency: 2}}
}

// ContinuousReplicationJob replicates vms to SR sr by cron, keeping keep replicas.
func ContinuousReplicationJob(name string, vms Pattern, sr, cron, timezone string, keep int) BackupJobRequest {
	return BackupJobRequest{Name: name, Mode: "delta", VMs: vms, SRs: []string{sr},
		Schedule:  ScheduleSpec{Name: name, Cron: cron, Timezone: timezone, Enabled: true},
		Retention: Retention{Copy: keep}, Settings: GlobalSettings{ReportWhen: "failure", Timezone: timezone, Concurrency: 2}}
}

// Validate checks the request locally.
func (r BackupJobRequest) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return invalid("Name", r.Name, "must not be empty")
	}
	if r.Mode != "delta" && r.Mode != "full" {
		return invalid("Mode", r.Mode, `must be "delta" or "full"`)
	}
	if len(r.VMs) == 0 {
		return invalid("VMs", nil, "must select VMs (IDs or TaggedVMs)")
	}
	if len(r.Remotes)+len(r.SRs) == 0 {
		return invalid("Remotes", nil, "need at least one backup repository or SR")
	}
	if len(strings.Fields(r.Schedule.Cron)) != 5 {
		return invalid("Schedule.Cron", r.Schedule.Cron, "must have 5 fields")
	}
	if len(r.Remotes) > 0 && r.Retention.Export < 1 {
		return invalid("Retention.Export", r.Retention.Export, "must be at least 1 with a repository")
	}
	if len(r.SRs) > 0 && r.Retention.Copy < 1 {
		return invalid("Retention.Copy", r.Retention.Copy, "must be at least 1 with an SR")
	}
	if r.Settings.Concurrency < 0 {
		return invalid("Settings.Concurrency", r.Settings.Concurrency, "must not be negative")
	}
	if r.Settings.NRetries < 0 {
		return invalid("Settings.NRetries", r.Settings.NRetries, "must not be negative")
	}
	return validReportWhen(r.Settings.ReportWhen)
}

func targets(ids []string) Pattern {
	if len(ids) == 0 {
		return Pattern{"id": map[string]any{"__or": []string{}}}
	}
	return IDs(ids...)
}

// Create creates the job and its schedule (backupNg.createJob, which answers the job id)
// and returns the job read back, with the created schedule in Schedule.
func (s *BackupJobsService) Create(ctx context.Context, req BackupJobRequest) (BackupJob, error) {
	if err := req.Validate(); err != nil {
		return BackupJob{}, err
	}
	params := map[string]any{
		"name": req.Name, "mode": req.Mode, "vms": req.VMs,
		"remotes": targets(req.Remotes), "srs": targets(req.SRs),
		"schedules": map[string]any{tmpScheduleID: req.Schedule},
		"settings":  map[string]any{"": req.Settings, tmpScheduleID: req.Retention},
	}
	var id string
	if err := s.c.call(ctx, "backupNg.createJob", params, &id); err != nil {
		return BackupJob{}, err
	}
	job, err := s.Get(ctx, id)
	if err != nil {
		return BackupJob{}, err
	}
	job.Schedule, err = s.c.Schedules.firstOfJob(ctx, id)
	return job, err
}

// tmpScheduleID keys the schedule of a createJob call; XO re-keys its settings to the
// schedule's real id.
const tmpScheduleID = "sitekit-schedule"

// BackupJobUpdate is an edit of a VM backup job; nil and empty fields are kept.
type BackupJobUpdate struct {
	Name    *string
	Mode    *string // "delta" or "full"
	VMs     Pattern
	Remotes Pattern
	SRs     Pattern
	// Retention sets the retention of the given schedule ids: its non-zero fields replace
	// the stored ones; the schedule's other settings are kept.
	Retention map[string]Retention
	// Settings sets job-wide settings: its non-zero fields replace the stored ones; the
	// other job-wide settings (reportRecipients, timeout, …) are kept.
	Settings *GlobalSettings
}

// Validate checks the update locally.
func (u BackupJobUpdate) Validate() error {
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return invalid("Name", *u.Name, "must not be empty")
	}
	if u.Mode != nil && *u.Mode != "delta" && *u.Mode != "full" {
		return invalid("Mode", *u.Mode, `must be "delta" or "full"`)
	}
	for sched, r := range u.Retention {
		if sched == "" {
			return invalid("Retention", sched, "schedule ids must not be empty")
		}
		if r.Export < 0 || r.Copy < 0 || r.Snapshot < 0 || r.FullInterval < 0 {
			return invalid("Retention["+sched+"]", r, "must not be negative")
		}
	}
	if u.Settings != nil {
		if u.Settings.Concurrency < 0 {
			return invalid("Settings.Concurrency", u.Settings.Concurrency, "must not be negative")
		}
		return validReportWhen(u.Settings.ReportWhen)
	}
	return nil
}

// Update edits job id (backupNg.editJob) and returns the job after the edit. XO replaces
// each property given as a whole (settings included), so a settings change reads the job
// and sends its complete settings with the change applied.
func (s *BackupJobsService) Update(ctx context.Context, id string, u BackupJobUpdate) (BackupJob, error) {
	if strings.TrimSpace(id) == "" {
		return BackupJob{}, invalid("ID", id, "must not be empty")
	}
	if err := u.Validate(); err != nil {
		return BackupJob{}, err
	}
	params := map[string]any{"id": id}
	if u.Name != nil {
		params["name"] = *u.Name
	}
	if u.Mode != nil {
		params["mode"] = *u.Mode
	}
	if u.VMs != nil {
		params["vms"] = u.VMs
	}
	if u.Remotes != nil {
		params["remotes"] = u.Remotes
	}
	if u.SRs != nil {
		params["srs"] = u.SRs
	}
	if len(u.Retention) > 0 || u.Settings != nil {
		job, err := s.Get(ctx, id)
		if err != nil {
			return BackupJob{}, err
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
			return BackupJob{}, err
		}
		params["settings"] = settings
	}
	if err := s.c.call(ctx, "backupNg.editJob", params, nil); err != nil {
		return BackupJob{}, err
	}
	return s.Get(ctx, id)
}

// mergeSettings returns the complete settings of a job: current with, for each key of
// changes, the JSON fields of the change laid over the stored entry.
func mergeSettings(current map[string]json.RawMessage, changes map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(current)+len(changes))
	for k, raw := range current {
		out[k] = raw
	}
	for k, ch := range changes {
		entry := map[string]json.RawMessage{}
		if raw, ok := current[k]; ok && len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &entry); err != nil {
				return nil, fmt.Errorf("xo: settings[%q]: %w", k, err)
			}
		}
		b, err := json.Marshal(ch)
		if err != nil {
			return nil, err
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return nil, err
		}
		maps.Copy(entry, fields)
		out[k] = entry
	}
	return out, nil
}

// Delete deletes job id (backupNg.deleteJob); XO deletes the job's schedules with it.
func (s *BackupJobsService) Delete(ctx context.Context, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid("ID", id, "must not be empty")
	}
	return s.c.call(ctx, "backupNg.deleteJob", map[string]string{"id": id}, nil)
}

// Run runs job id with schedule now (backupNg.runJob, which returns when the run ends) and
// returns the run's backup log. A failed run returns its log and a *BackupRunError.
func (s *BackupJobsService) Run(ctx context.Context, id, schedule string) (BackupLog, error) {
	if id == "" {
		return BackupLog{}, invalid("ID", id, "must not be empty")
	}
	if schedule == "" {
		return BackupLog{}, invalid("Schedule", schedule, "must not be empty")
	}
	if err := s.c.call(ctx, "backupNg.runJob", map[string]string{"id": id, "schedule": schedule}, nil); err != nil {
		return BackupLog{}, err
	}
	logs, err := s.c.BackupLogs.OfJob(ctx, id)
	if err != nil {
		return BackupLog{}, err
	}
	for _, l := range logs {
		if l.ScheduleID == schedule || schedule == "" {
			if l.Status != "success" {
				return l, &BackupRunError{Log: l}
			}
			return l, nil
		}
	}
	return BackupLog{}, &NotFoundError{Collection: "backup-logs", Name: id}
}

// BackupRunError is a backup run that did not succeed.
type BackupRunError struct{ Log BackupLog }

// Error implements error.
func (e *BackupRunError) Error() string {
	return "xo: backup job " + e.Log.JobName + " run " + e.Log.ID + ": " + e.Log.Status
}

// Schedule is a job schedule.
type Schedule struct {
	ID       string `json:"id"`
	JobID    string `json:"jobId"`
	Cron     string `json:"cron"`
	Enabled  bool   `json:"enabled"`
	Name     string `json:"name,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	UserID   string `json:"userId,omitempty"`
	Href     string `json:"href,omitempty"`
}

func (v Schedule) objectID() string   { return v.ID }
func (v Schedule) objectName() string { return v.Name }
func (v Schedule) objectPool() string { return "" }

// SchedulesService manages schedules: REST reads and run, JSON-RPC schedule.* writes.
type SchedulesService struct {
	c    *Client
	coll collection[Schedule]
}

// List returns the schedules matching opts (all of them when opts is nil).
func (s *SchedulesService) List(ctx context.Context, opts *ListOptions) ([]Schedule, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the schedules matching opts (XO does not page: one List call), yielding
// an error last.
func (s *SchedulesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Schedule, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Schedule id; an unknown id matches sitekit.ErrNotFound.
func (s *SchedulesService) Get(ctx context.Context, id string) (Schedule, error) {
	return s.coll.get(ctx, id)
}

// Find returns the Schedule whose name is name. None matches sitekit.ErrNotFound; several
// (names are not unique in XO) return an [AmbiguousError].
func (s *SchedulesService) Find(ctx context.Context, name string) (Schedule, error) {
	return s.coll.find(ctx, "", name)
}

// OfJob lists the schedules of job.
func (s *SchedulesService) OfJob(ctx context.Context, job string) ([]Schedule, error) {
	items, err := s.List(ctx, &ListOptions{Filter: Eq("jobId", job)})
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		if it.JobID == job {
			out = append(out, it)
		}
	}
	return out, nil
}

// firstOfJob returns job's first schedule (zero when it has none): the schedule a createJob
// call just made, which XO does not return.
func (s *SchedulesService) firstOfJob(ctx context.Context, job string) (Schedule, error) {
	scheds, err := s.OfJob(ctx, job)
	if err != nil || len(scheds) == 0 {
		return Schedule{}, err
	}
	return scheds[0], nil
}

// Create creates a schedule for job (schedule.create).
func (s *SchedulesService) Create(ctx context.Context, job string, spec ScheduleSpec) (Schedule, error) {
	if job == "" {
		return Schedule{}, invalid("JobID", job, "must not be empty")
	}
	if len(strings.Fields(spec.Cron)) != 5 {
		return Schedule{}, invalid("Cron", spec.Cron, "must have 5 fields")
	}
	params := map[string]any{"jobId": job, "cron": spec.Cron, "enabled": spec.Enabled, "name": spec.Name}
	if spec.Timezone != "" {
		params["timezone"] = spec.Timezone
	}
	var out Schedule
	err := s.c.call(ctx, "schedule.create", params, &out)
	return out, err
}

// ScheduleUpdate is a partial update (schedule.set).
type ScheduleUpdate struct {
	Cron     *string `json:"cron,omitempty"`
	Enabled  *bool   `json:"enabled,omitempty"`
	Name     *string `json:"name,omitempty"`
	Timezone *string `json:"timezone,omitempty"`
}

// Update changes schedule id (schedule.set) and returns it after the change.
func (s *SchedulesService) Update(ctx context.Context, id string, u ScheduleUpdate) (Schedule, error) {
	if strings.TrimSpace(id) == "" {
		return Schedule{}, invalid("ID", id, "must not be empty")
	}
	if u.Cron != nil && len(strings.Fields(*u.Cron)) != 5 {
		return Schedule{}, invalid("Cron", *u.Cron, "must have 5 fields")
	}
	params := map[string]any{"id": id}
	if u.Cron != nil {
		params["cron"] = *u.Cron
	}
	if u.Enabled != nil {
		params["enabled"] = *u.Enabled
	}
	if u.Name != nil {
		params["name"] = *u.Name
	}
	if u.Timezone != nil {
		params["timezone"] = *u.Timezone
	}
	if err := s.c.call(ctx, "schedule.set", params, nil); err != nil {
		return Schedule{}, err
	}
	return s.Get(ctx, id)
}

// Delete deletes schedule id (schedule.delete).
func (s *SchedulesService) Delete(ctx context.Context, id string) error {
	if id == "" {
		return invalid("ID", id, "must not be empty")
	}
	return s.c.call(ctx, "schedule.delete", map[string]string{"id": id}, nil)
}

// Run starts the schedule's job now (POST /schedules/<id>/actions/run, async, awaited).
func (s *SchedulesService) Run(ctx context.Context, id string) error {
	_, err := s.c.action(ctx, rest.Path(restPrefix, "schedules", id, "actions", "run"), nil, nil)
	return err
}

// BackupLog is one backup run (id = start timestamp in ms).
type BackupLog struct {
	ID         string          `json:"id"`
	JobID      string          `json:"jobId"`
	JobName    string          `json:"jobName,omitempty"`
	ScheduleID string          `json:"scheduleId,omitempty"`
	Message    string          `json:"message"`
	Start      Number          `json:"start"`
	End        Number          `json:"end,omitempty"`
	Status     string          `json:"status"`
	Data       json.RawMessage `json:"data,omitempty"`
	Infos      []TaskLog       `json:"infos,omitempty"`
	Tasks      []BackupLogTask `json:"tasks,omitempty"`
	Href       string          `json:"href,omitempty"`
}

func (v BackupLog) objectID() string   { return v.ID }
func (v BackupLog) objectName() string { return v.JobName }
func (v BackupLog) objectPool() string { return "" }

// BackupLogTask is a step of a backup run (per VM, per target, transfer…).
type BackupLogTask struct {
	ID      string          `json:"id"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
	Start   Number          `json:"start"`
	End     Number          `json:"end,omitempty"`
	Status  string          `json:"status"`
	Result  json.RawMessage `json:"result,omitempty"`
	Tasks   []BackupLogTask `json:"tasks,omitempty"`
}

// BackupLogsService reads backup run logs (/rest/v0/backup-logs).
type BackupLogsService struct {
	c    *Client
	coll collection[BackupLog]
}

// List returns the backup logs matching opts (all of them when opts is nil).
func (s *BackupLogsService) List(ctx context.Context, opts *ListOptions) ([]BackupLog, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the backup logs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *BackupLogsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[BackupLog, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the BackupLog id; an unknown id matches sitekit.ErrNotFound.
func (s *BackupLogsService) Get(ctx context.Context, id string) (BackupLog, error) {
	return s.coll.get(ctx, id)
}

// OfJob lists job's runs, newest first.
func (s *BackupLogsService) OfJob(ctx context.Context, job string) ([]BackupLog, error) {
	items, err := s.List(ctx, &ListOptions{Filter: Eq("jobId", job)})
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		if it.JobID == job {
			out = append(out, it)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start > out[j].Start })
	return out, nil
}
