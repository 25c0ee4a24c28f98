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

// RootGroupID is the id of the "All Groups" root group [C].
const RootGroupID = 1

// GroupsService manages endpoint groups ("workgroups"). Groups have no free-text field, so the
// blueprint layer identifies them by name (or full path) only.
type GroupsService struct{ c *Client }

// Group is one endpoint group of GET /api/v1/workgroups/index [C2].
type Group struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// ParentID is the parent group's id (RootGroupID under the root) [I: field name].
	ParentID int `json:"parent_id"`
	// FullPath is the group path, e.g. "All Groups/Compta" [C: optional].
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

// GroupListOptions filters the group listing.
type GroupListOptions struct {
	// CustomOnly keeps the groups created by administrators (custom=true [C2]).
	CustomOnly bool
}

// List returns the groups (one call: the API answers a bare array without paging [C2]).
func (s *GroupsService) List(ctx context.Context, opts GroupListOptions) ([]Group, error) {
	var gs []Group
	q := url.Values{"custom": {strconv.FormatBool(opts.CustomOnly)}}
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/index", query: q, out: &gs})
	return gs, err
}

// All iterates over List's answer, for symmetry with the paged families.
func (s *GroupsService) All(ctx context.Context, opts GroupListOptions) iter.Seq2[Group, error] {
	return func(yield func(Group, error) bool) {
		gs, err := s.List(ctx, opts)
		if err != nil {
			yield(Group{}, err)
			return
		}
		for _, g := range gs {
			if !yield(g, nil) {
				return
			}
		}
	}
}

// Get finds a group by name, or by full path when name contains "/". No match is an error
// matching sitekit.ErrNotFound.
func (s *GroupsService) Get(ctx context.Context, name string) (Group, error) {
	if strings.TrimSpace(name) == "" {
		return Group{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	gs, err := s.List(ctx, GroupListOptions{})
	if err != nil {
		return Group{}, err
	}
	for _, g := range gs {
		if g.Name == name || (strings.Contains(name, "/") && g.FullPath == name) {
			return g, nil
		}
	}
	return Group{}, notFound("group", name)
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

// Create adds a group (GET /api/v1/workgroups/create?name=&parent_id= [C]: a GET that writes).
// The answer's data is not publicly documented; the created group is read back by name when
// the answer does not carry its id [I].
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
	if g.ID == 0 {
		return s.Get(ctx, req.Name)
	}
	return g, nil
}

// Rename renames group id. The path (GET /api/v1/workgroups/rename?id=&name=) is inferred [I]
// from the workgroups family (create and move are GETs with query parameters); verify on the
// target EMS, or use Client.Do.
func (s *GroupsService) Rename(ctx context.Context, id int, name string) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	if err := validateGroupName(name); err != nil {
		return err
	}
	if id == RootGroupID {
		return sitekit.Invalid("ID", id, "the root group cannot be renamed")
	}
	q := url.Values{"id": {strconv.Itoa(id)}, "name": {name}}
	return s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/rename", query: q, write: true})
}

// Delete removes group id. The path (GET /api/v1/workgroups/delete?id=) is inferred [I] like
// Rename's. A group that still holds endpoints matches sitekit.ErrInUse.
func (s *GroupsService) Delete(ctx context.Context, id int) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	if id == RootGroupID {
		return sitekit.Invalid("ID", id, "the root group cannot be deleted")
	}
	return s.c.do(ctx, call{method: http.MethodGet, path: "/workgroups/delete", query: url.Values{"id": {strconv.Itoa(id)}}, write: true})
}

// notFound is the error of a find-by-name that matched nothing.
func notFound(kind, name string) error {
	return &NotFoundError{Kind: kind, Name: name}
}

// NotFoundError reports a find-by-name (Groups.Get, ZTNATags.Get, …) that matched nothing. It
// matches sitekit.ErrNotFound.
type NotFoundError struct {
	Kind string // "group", "ztna tag", …
	Name string
}

// Error implements error.
func (e *NotFoundError) Error() string {
	return "ems: " + e.Kind + " " + strconv.Quote(e.Name) + " not found"
}

// Is reports whether target is sitekit.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == sitekit.ErrNotFound }
