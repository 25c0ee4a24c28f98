package truenas

import (
	"context"
	"encoding/json"
	"iter"
	"strconv"

	"github.com/sitekit/sitekit"
)

// Replication is a replication.query entry.
type Replication struct {
	ID                      int64           `json:"id"`
	Name                    string          `json:"name"`
	Direction               string          `json:"direction"` // PUSH PULL
	Transport               string          `json:"transport"` // SSH SSH+NETCAT LOCAL
	SSHCredentialsRaw       json.RawMessage `json:"ssh_credentials,omitempty"`
	SourceDatasets          []string        `json:"source_datasets"`
	TargetDataset           string          `json:"target_dataset"`
	Recursive               bool            `json:"recursive"`
	Exclude                 []string        `json:"exclude"`
	Properties              bool            `json:"properties"`
	PeriodicSnapshotTasks   json.RawMessage `json:"periodic_snapshot_tasks,omitempty"`
	NamingSchema            []string        `json:"naming_schema"`
	AlsoIncludeNamingSchema []string        `json:"also_include_naming_schema"`
	Auto                    bool            `json:"auto"`
	Schedule                *Schedule       `json:"schedule"`
	RetentionPolicy         string          `json:"retention_policy"`
	LifetimeValue           int             `json:"lifetime_value"`
	LifetimeUnit            string          `json:"lifetime_unit"`
	Readonly                string          `json:"readonly"`
	Compression             string          `json:"compression"`
	Retries                 int             `json:"retries"`
	Enabled                 bool            `json:"enabled"`
	State                   TaskState       `json:"state"`
	Job                     *Job            `json:"job"`
}

// SSHCredentials returns the id of the SSH credentials (the API expands them to an object).
func (r Replication) SSHCredentials() int64 { return idOf(r.SSHCredentialsRaw) }

// SnapshotTaskIDs returns the ids of the bound periodic snapshot tasks.
func (r Replication) SnapshotTaskIDs() []int64 {
	var raw []json.RawMessage
	_ = json.Unmarshal(r.PeriodicSnapshotTasks, &raw)
	out := make([]int64, 0, len(raw))
	for _, x := range raw {
		out = append(out, idOf(x))
	}
	return out
}

// ReplicationRequest creates (Name, Direction, Transport, SourceDatasets, TargetDataset,
// Recursive, Auto and RetentionPolicy required) or partially updates a replication task.
type ReplicationRequest struct {
	Name                    string    `json:"name,omitempty"`
	Direction               string    `json:"direction,omitempty"`
	Transport               string    `json:"transport,omitempty"`
	SSHCredentials          *int64    `json:"ssh_credentials,omitempty"`
	SourceDatasets          []string  `json:"source_datasets,omitempty"`
	TargetDataset           string    `json:"target_dataset,omitempty"`
	Recursive               *bool     `json:"recursive,omitempty"`
	Exclude                 []string  `json:"exclude,omitempty"`
	PeriodicSnapshotTasks   []int64   `json:"periodic_snapshot_tasks,omitempty"`
	NamingSchema            []string  `json:"naming_schema,omitempty"`
	AlsoIncludeNamingSchema []string  `json:"also_include_naming_schema,omitempty"`
	Auto                    *bool     `json:"auto,omitempty"`
	Schedule                *Schedule `json:"schedule,omitempty"`
	RetentionPolicy         string    `json:"retention_policy,omitempty"`
	LifetimeValue           int       `json:"lifetime_value,omitempty"`
	LifetimeUnit            string    `json:"lifetime_unit,omitempty"`
	Readonly                string    `json:"readonly,omitempty"`
	Compression             string    `json:"compression,omitempty"`
	Retries                 *int      `json:"retries,omitempty"`
	Enabled                 *bool     `json:"enabled,omitempty"`
}

func (r ReplicationRequest) validate(create bool) error {
	if create {
		switch {
		case r.Name == "":
			return sitekit.Invalid("Name", r.Name, "must not be empty")
		case r.Direction == "":
			return sitekit.Invalid("Direction", r.Direction, "is required (PUSH or PULL)")
		case r.Transport == "":
			return sitekit.Invalid("Transport", r.Transport, "is required (SSH, SSH+NETCAT or LOCAL)")
		case len(r.SourceDatasets) == 0:
			return sitekit.Invalid("SourceDatasets", r.SourceDatasets, "needs at least one dataset")
		case r.TargetDataset == "":
			return sitekit.Invalid("TargetDataset", r.TargetDataset, "must not be empty")
		case r.Recursive == nil:
			return sitekit.Invalid("Recursive", nil, "is required")
		case r.Auto == nil:
			return sitekit.Invalid("Auto", nil, "is required")
		case r.RetentionPolicy == "":
			return sitekit.Invalid("RetentionPolicy", r.RetentionPolicy, "is required (SOURCE, CUSTOM or NONE)")
		}
		if (r.Transport == "SSH" || r.Transport == "SSH+NETCAT") && r.SSHCredentials == nil {
			return sitekit.Invalid("SSHCredentials", nil, "is required for SSH transports")
		}
		if r.Transport == "LOCAL" && r.SSHCredentials != nil {
			return sitekit.Invalid("SSHCredentials", *r.SSHCredentials, "must not be set for LOCAL transport")
		}
		if r.Direction == "PULL" && len(r.NamingSchema) == 0 {
			return sitekit.Invalid("NamingSchema", r.NamingSchema, "is required for PULL replication")
		}
		if r.Direction == "PUSH" && len(r.PeriodicSnapshotTasks) == 0 && len(r.AlsoIncludeNamingSchema) == 0 {
			return sitekit.Invalid("PeriodicSnapshotTasks", r.PeriodicSnapshotTasks, "PUSH needs periodic snapshot tasks or AlsoIncludeNamingSchema")
		}
	}
	if r.Direction == "PULL" && len(r.PeriodicSnapshotTasks) > 0 {
		return sitekit.Invalid("PeriodicSnapshotTasks", r.PeriodicSnapshotTasks, "only PUSH tasks bind periodic snapshot tasks")
	}
	for _, c := range []struct {
		f, v    string
		allowed []string
	}{
		{"Direction", r.Direction, []string{"PUSH", "PULL"}},
		{"Transport", r.Transport, []string{"SSH", "SSH+NETCAT", "LOCAL"}},
		{"RetentionPolicy", r.RetentionPolicy, []string{"SOURCE", "CUSTOM", "NONE"}},
		{"LifetimeUnit", r.LifetimeUnit, []string{"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}},
		{"Readonly", r.Readonly, []string{"SET", "REQUIRE", "IGNORE"}},
		{"Compression", r.Compression, []string{"LZ4", "PIGZ", "PLZIP"}},
	} {
		if err := oneOf(c.f, c.v, c.allowed...); err != nil {
			return err
		}
	}
	for i, d := range r.SourceDatasets {
		if err := validateDatasetName("SourceDatasets["+strconv.Itoa(i)+"]", d, true); err != nil {
			return err
		}
	}
	if r.TargetDataset != "" {
		if err := validateDatasetName("TargetDataset", r.TargetDataset, true); err != nil {
			return err
		}
	}
	if r.RetentionPolicy == "CUSTOM" && (r.LifetimeValue <= 0 || r.LifetimeUnit == "") && create {
		return sitekit.Invalid("LifetimeValue", r.LifetimeValue, "CUSTOM retention needs LifetimeValue and LifetimeUnit")
	}
	if r.Schedule != nil {
		if err := r.Schedule.Validate("Schedule"); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a create request before any I/O.
func (r ReplicationRequest) Validate() error { return r.validate(true) }

// ReplicationsService manages replication tasks. Identity: the task name.
type ReplicationsService struct{ c *Client }

// List returns the replication tasks selected by opts (nil: all of them).
func (s *ReplicationsService) List(ctx context.Context, opts *ListOptions) ([]Replication, error) {
	return query[Replication](ctx, s.c, "replication.query", opts)
}

// All iterates over the replication tasks selected by opts, 100 per call; an error ends the sequence.
func (s *ReplicationsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Replication, error] {
	return pages[Replication](ctx, s.c, "replication.query", opts, 100)
}

// Get returns the replication task with id; an error matching sitekit.ErrNotFound if none.
func (s *ReplicationsService) Get(ctx context.Context, id int64) (Replication, error) {
	return getOne[Replication](ctx, s.c, "replication.query", Eq("id", id))
}

// Find returns the replication task whose name is name; an error matching sitekit.ErrNotFound
// if none, ErrAmbiguousName if several.
func (s *ReplicationsService) Find(ctx context.Context, name string) (Replication, error) {
	if name == "" {
		return Replication{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	return findOne[Replication](ctx, s.c, "replication.query", "name", name)
}

// Create creates a task (a plain call).
func (s *ReplicationsService) Create(ctx context.Context, req ReplicationRequest) (Replication, error) {
	if err := req.validate(true); err != nil {
		return Replication{}, err
	}
	return callT[Replication](ctx, s.c, "replication.create", true, req)
}

// Update changes the fields set in req.
func (s *ReplicationsService) Update(ctx context.Context, id int64, req ReplicationRequest) (Replication, error) {
	if err := req.validate(false); err != nil {
		return Replication{}, err
	}
	return callT[Replication](ctx, s.c, "replication.update", true, id, req)
}

// Delete deletes a task.
func (s *ReplicationsService) Delete(ctx context.Context, id int64) error {
	return s.c.call(ctx, "replication.delete", []any{id}, nil, true)
}

// Run runs a task now (replication.run, a job) and waits for it, reporting progress.
func (s *ReplicationsService) Run(ctx context.Context, id int64, progress func(Job)) (Job, error) {
	return s.c.runJob(ctx, "replication.run", []any{id}, progress, nil)
}
