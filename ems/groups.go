package ems

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
)

// RootGroupID is the id of the "All Groups" root group.
const RootGroupID = 1

// GroupsService manages endpoint groups ("workgroups"). Groups have no free-text field, so the
// blueprint layer identifies them by name (or full path) only.
type GroupsService struct{ c *Client }

// Group is one endpoint group of GET /api/v1/workgroups/index.
type Group struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// ParentID is the parent group's id (RootGroupID under the root) [inferred: field name].
	ParentID int `json:"parent_id"`
	// FullPath is the group path, e.g. "All Groups/Compta".
	FullPath     string `json:"full_path"`
	TotalDevices int    `json:"total_devices"`
}

// UnmarshalJSON decodes leniently (ids and counts as numbers or strings).
func (g *Group) UnmarshalJSON(b []byte) error {
	type plain Group
	var raw struct {
		plain
		ID           lenient.Int `json:"id"`
		ParentID     lenient.Int `json:"parent_id"`
		TotalDevices lenient.Int `json:"total_devices"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*g = Group(raw.plain)
	g.ID, g.ParentID, g.TotalDevices = int(raw.ID), int(raw.ParentID), int(raw.TotalDevices)
	return nil
}

// GroupListOptions filters the group listing. A nil *GroupListOptions lists every group.
type GroupListOptions struct {
	// CustomOnly keeps the groups created by administrators (custom=true).
	CustomOnly bool
}

// List returns the groups (GET /api/v1/workgroups/index: one call, EMS does not page groups).
func (s *GroupsService) List(ctx context.Context, opts *GroupListOptions) ([]Group, error) {
	gs := []Group{}
	custom := opts != nil && opts.CustomOnly
	q := url.Values{"custom": {strconv.FormatBool(custom)}}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/index", query: q, out: &gs}); err != nil {
		return nil, err
	}
	return gs, nil
}

// All iterates over List's answer.
func (s *GroupsService) All(ctx context.Context, opts *GroupListOptions) iter.Seq2[Group, error] {
	return items(func() ([]Group, error) { return s.List(ctx, opts) })
}

// Get returns group id. EMS has no call reading one group: the listing is searched. An
// unknown id matches sitekit.ErrNotFound.
func (s *GroupsService) Get(ctx context.Context, id int) (Group, error) {
	if err := validateID("ID", id); err != nil {
		return Group{}, err
	}
	return findOne(s.All(ctx, nil), "group", "", id, func(g Group) bool { return g.ID == id })
}

// Find returns the group called name, or whose full path is name when name contains "/"
// ("All Groups/Compta"). No match matches sitekit.ErrNotFound; a name shared by groups
// under different parents matches ErrAmbiguousName (use the full path).
func (s *GroupsService) Find(ctx context.Context, name string) (Group, error) {
	if strings.TrimSpace(name) == "" {
		return Group{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	byPath := strings.Contains(name, "/")
	return findOne(s.All(ctx, nil), "group", name, 0, func(g Group) bool {
		if byPath {
			return g.FullPath == name
		}
		return g.Name == name
	})
}

// GroupCreateRequest creates a group.
type GroupCreateRequest struct {
	Name string
	// ParentID is the parent group (0 means RootGroupID).
	ParentID int
}

// Validate checks the request before any I/O.
func (r GroupCreateRequest) Validate() error {
	if err := validateGroupName(r.Name); err != nil {
		return err
	}
	if r.ParentID < 0 {
		return sitekit.Invalid("ParentID", r.ParentID, "must not be negative")
	}
	return nil
}

func validateGroupName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return sitekit.Invalid("Name", name, "must not be empty")
	case len(name) > 255:
		return sitekit.Invalid("Name", name, "must be at most 255 bytes")
	case strings.ContainsAny(name, "/\\"):
		return sitekit.Invalid("Name", name, "must not contain / or \\ (the group path separator)")
	}
	return nil
}

// Create adds a group (GET /api/v1/workgroups/create?name=&parent_id=: a GET that writes)
// and returns it. When the answer does not carry the group, it is read back by name under its parent
// [inferred: the create answer's data is not publicly documented].
func (s *GroupsService) Create(ctx context.Context, req GroupCreateRequest) (Group, error) {
	if err := req.Validate(); err != nil {
		return Group{}, err
	}
	parent := req.ParentID
	if parent == 0 {
		parent = RootGroupID
	}
	var g Group
	q := url.Values{"name": {req.Name}, "parent_id": {strconv.Itoa(parent)}}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/create", query: q, out: &g, write: true}); err != nil {
		return Group{}, err
	}
	if g.ID != 0 {
		return g, nil
	}
	return findOne(s.All(ctx, nil), "group", req.Name, 0, func(g Group) bool {
		return g.Name == req.Name && (g.ParentID == parent || g.ParentID == 0)
	})
}

// GroupUpdateRequest changes a group. EMS groups have a name only.
type GroupUpdateRequest struct {
	// Name is the new name.
	Name string
}

// Validate checks the request before any I/O.
func (r GroupUpdateRequest) Validate() error { return validateGroupName(r.Name) }

// Update renames group id and returns it. The path (GET /api/v1/workgroups/rename?id=&name=)
// is inferred from the workgroups family (create and move are GETs with query parameters);
// verify it on the target EMS, or use Client.Do. The root group cannot be renamed.
func (s *GroupsService) Update(ctx context.Context, id int, req GroupUpdateRequest) (Group, error) {
	if err := validateID("ID", id); err != nil {
		return Group{}, err
	}
	if err := req.Validate(); err != nil {
		return Group{}, err
	}
	if id == RootGroupID {
		return Group{}, sitekit.Invalid("ID", id, "the root group cannot be renamed")
	}
	q := url.Values{"id": {strconv.Itoa(id)}, "name": {req.Name}}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/rename", query: q, write: true}); err != nil {
		return Group{}, err
	}
	return s.Get(ctx, id)
}

// Delete removes group id. The path (GET /api/v1/workgroups/delete?id=) is inferred like
// Update's. A group that still holds endpoints matches sitekit.ErrInUse.
func (s *GroupsService) Delete(ctx context.Context, id int) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	if id == RootGroupID {
		return sitekit.Invalid("ID", id, "the root group cannot be deleted")
	}
	return s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/delete", query: url.Values{"id": {strconv.Itoa(id)}}, write: true})
}
