package truenas

import (
	"context"
	"encoding/json"
	"iter"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
)

// Snapshot is a ZFS snapshot entry.
type Snapshot struct {
	ID           string          `json:"id"` // "tank/backups@manual-1"
	Name         string          `json:"name"`
	SnapshotName string          `json:"snapshot_name"`
	Dataset      string          `json:"dataset"`
	Pool         string          `json:"pool"`
	Type         string          `json:"type"`
	CreateTxg    lenient.Int     `json:"createtxg"`
	Properties   json.RawMessage `json:"properties,omitempty"`
}

// SnapshotRequest creates a snapshot: Name or NamingSchema (strftime) is required.
type SnapshotRequest struct {
	Dataset      string `json:"dataset"`
	Name         string `json:"name,omitempty"`
	NamingSchema string `json:"naming_schema,omitempty"`
	Recursive    bool   `json:"recursive"`
}

// Validate checks the request before any I/O.
func (r SnapshotRequest) Validate() error {
	if err := validateDatasetName("Dataset", r.Dataset, true); err != nil {
		return err
	}
	switch {
	case r.Name == "" && r.NamingSchema == "":
		return sitekit.Invalid("Name", r.Name, "Name or NamingSchema is required")
	case r.Name != "" && r.NamingSchema != "":
		return sitekit.Invalid("NamingSchema", r.NamingSchema, "is exclusive with Name")
	case r.Name != "" && !zfsComponent.MatchString(r.Name):
		return sitekit.Invalid("Name", r.Name, "must use only letters, digits, _ . : -")
	}
	return nil
}

// SnapshotsService manages snapshots. It calls zfs.snapshot.* on API v25.04 and
// pool.snapshot.* from v25.10 on (zfs.snapshot.* is private there).
type SnapshotsService struct{ c *Client }

func (s *SnapshotsService) ns(ctx context.Context) (string, error) {
	newer, err := s.c.atLeast(ctx, "v25.10.0")
	if err != nil {
		return "", err
	}
	if newer {
		return "pool.snapshot.", nil
	}
	return "zfs.snapshot.", nil
}

// List returns the snapshots selected by opts (nil: all of them).
func (s *SnapshotsService) List(ctx context.Context, opts *ListOptions) ([]Snapshot, error) {
	ns, err := s.ns(ctx)
	if err != nil {
		return nil, err
	}
	return query[Snapshot](ctx, s.c, ns+"query", opts)
}

// All iterates over the snapshots selected by opts, 100 per call; an error ends the sequence.
func (s *SnapshotsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Snapshot, error] {
	ns, err := s.ns(ctx)
	if err != nil {
		return func(yield func(Snapshot, error) bool) { yield(Snapshot{}, err) }
	}
	return pages[Snapshot](ctx, s.c, ns+"query", opts, 100)
}

// Get returns a snapshot by id ("dataset@name").
func (s *SnapshotsService) Get(ctx context.Context, id string) (Snapshot, error) {
	if !strings.Contains(id, "@") {
		return Snapshot{}, sitekit.Invalid("ID", id, `must be "dataset@name"`)
	}
	ns, err := s.ns(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	return getOne[Snapshot](ctx, s.c, ns+"query", Eq("id", id))
}

// Create takes a snapshot.
func (s *SnapshotsService) Create(ctx context.Context, req SnapshotRequest) (Snapshot, error) {
	if err := req.Validate(); err != nil {
		return Snapshot{}, err
	}
	ns, err := s.ns(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	return callT[Snapshot](ctx, s.c, ns+"create", true, req)
}

// Delete destroys a snapshot by id.
func (s *SnapshotsService) Delete(ctx context.Context, id string) error {
	if !strings.Contains(id, "@") {
		return sitekit.Invalid("ID", id, `must be "dataset@name"`)
	}
	ns, err := s.ns(ctx)
	if err != nil {
		return err
	}
	return s.c.call(ctx, ns+"delete", []any{id}, nil, true)
}
