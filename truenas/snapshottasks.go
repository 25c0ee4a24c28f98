package truenas

import (
	"context"
	"encoding/json"
	"iter"
	"strings"

	"github.com/sitekit/sitekit"
)

// TaskState is the state object of snapshot and replication tasks.
type TaskState struct {
	State        string `json:"state"` // PENDING RUNNING FINISHED ERROR HOLD WAITING
	Datetime     *Time  `json:"datetime"`
	LastSnapshot string `json:"last_snapshot"`
	Error        string `json:"error"`
}

// SnapshotTask is a periodic snapshot task (pool.snapshottask.query entry).
type SnapshotTask struct {
	ID            int64     `json:"id"`
	Dataset       string    `json:"dataset"`
	Recursive     bool      `json:"recursive"`
	Exclude       []string  `json:"exclude"`
	LifetimeValue int       `json:"lifetime_value"`
	LifetimeUnit  string    `json:"lifetime_unit"`
	NamingSchema  string    `json:"naming_schema"`
	AllowEmpty    bool      `json:"allow_empty"`
	Enabled       bool      `json:"enabled"`
	VMwareSync    bool      `json:"vmware_sync"`
	Schedule      Schedule  `json:"schedule"`
	State         TaskState `json:"state"`
}

// SnapshotTaskRequest creates (Dataset required) or partially updates a periodic snapshot
// task. LifetimeUnit is HOUR DAY WEEK MONTH YEAR.
type SnapshotTaskRequest struct {
	Dataset       string    `json:"dataset,omitempty"`
	Recursive     *bool     `json:"recursive,omitempty"`
	Exclude       []string  `json:"exclude,omitempty"`
	LifetimeValue int       `json:"lifetime_value,omitempty"`
	LifetimeUnit  string    `json:"lifetime_unit,omitempty"`
	NamingSchema  string    `json:"naming_schema,omitempty"`
	AllowEmpty    *bool     `json:"allow_empty,omitempty"`
	Enabled       *bool     `json:"enabled,omitempty"`
	Schedule      *Schedule `json:"schedule,omitempty"`
}

func (r SnapshotTaskRequest) validate(create bool) error {
	if create || r.Dataset != "" {
		if err := validateDatasetName("Dataset", r.Dataset, true); err != nil {
			return err
		}
	}
	if r.LifetimeValue < 0 {
		return sitekit.Invalid("LifetimeValue", r.LifetimeValue, "must not be negative")
	}
	if err := oneOf("LifetimeUnit", r.LifetimeUnit, "HOUR", "DAY", "WEEK", "MONTH", "YEAR"); err != nil {
		return err
	}
	if r.NamingSchema != "" && !containsAll(r.NamingSchema, "%Y", "%m", "%d", "%H", "%M") {
		return sitekit.Invalid("NamingSchema", r.NamingSchema, "must contain %Y %m %d %H %M")
	}
	if r.Schedule != nil {
		return r.Schedule.Validate("Schedule")
	}
	return nil
}

// Validate checks a create request before any I/O.
func (r SnapshotTaskRequest) Validate() error { return r.validate(true) }

// SnapshotTasksService manages periodic snapshot tasks (identity: id; find by dataset).
type SnapshotTasksService struct{ c *Client }

// List returns the periodic snapshot tasks selected by opts (nil: all of them).
func (s *SnapshotTasksService) List(ctx context.Context, opts *ListOptions) ([]SnapshotTask, error) {
	return query[SnapshotTask](ctx, s.c, "pool.snapshottask.query", opts)
}

// All iterates over the periodic snapshot tasks selected by opts, 100 per call; an error ends the sequence.
func (s *SnapshotTasksService) All(ctx context.Context, opts *ListOptions) iter.Seq2[SnapshotTask, error] {
	return pages[SnapshotTask](ctx, s.c, "pool.snapshottask.query", opts, 100)
}

// Get returns a task by id.
func (s *SnapshotTasksService) Get(ctx context.Context, id int64) (SnapshotTask, error) {
	return getOne[SnapshotTask](ctx, s.c, "pool.snapshottask.query", Eq("id", id))
}

// ForDataset returns the tasks snapshotting dataset.
func (s *SnapshotTasksService) ForDataset(ctx context.Context, dataset string) ([]SnapshotTask, error) {
	return s.List(ctx, Where(Eq("dataset", dataset)))
}

// Create creates a task.
func (s *SnapshotTasksService) Create(ctx context.Context, req SnapshotTaskRequest) (SnapshotTask, error) {
	if err := req.validate(true); err != nil {
		return SnapshotTask{}, err
	}
	return callT[SnapshotTask](ctx, s.c, "pool.snapshottask.create", true, req)
}

// Update changes the fields set in req.
func (s *SnapshotTasksService) Update(ctx context.Context, id int64, req SnapshotTaskRequest) (SnapshotTask, error) {
	if err := req.validate(false); err != nil {
		return SnapshotTask{}, err
	}
	return callT[SnapshotTask](ctx, s.c, "pool.snapshottask.update", true, id, req)
}

// Delete deletes a task.
func (s *SnapshotTasksService) Delete(ctx context.Context, id int64) error {
	return s.c.call(ctx, "pool.snapshottask.delete", []any{id}, nil, true)
}

// Run starts a task now (pool.snapshottask.run; asynchronous, returns immediately).
func (s *SnapshotTasksService) Run(ctx context.Context, id int64) error {
	var ignored json.RawMessage
	return s.c.call(ctx, "pool.snapshottask.run", []any{id}, &ignored, true)
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
