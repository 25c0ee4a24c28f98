package emstest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

const (
	rootGroupID    = 1 // "All Groups"
	defaultGroupID = 2 // "Other Endpoints": where unassigned endpoints land [inferred]
)

type group struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	ParentID     int    `json:"parent_id"`
	FullPath     string `json:"full_path"`
	TotalDevices int    `json:"total_devices"`
	custom       bool
}

// GroupState is a group as the simulator holds it.
type GroupState struct {
	ID, ParentID int
	Name, Path   string
	Custom       bool
}

// Groups returns every group, by id.
func (s *Server) Groups() []GroupState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []GroupState
	for _, g := range s.sortedGroupsLocked() {
		out = append(out, GroupState{ID: g.ID, ParentID: g.ParentID, Name: g.Name, Path: s.pathLocked(g), Custom: g.custom})
	}
	return out
}

func (s *Server) sortedGroupsLocked() []*group {
	out := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *group) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Server) pathLocked(g *group) string {
	parts := []string{g.Name}
	for p := s.groups[g.ParentID]; p != nil && g.ID != rootGroupID; p = s.groups[p.ParentID] {
		parts = append([]string{p.Name}, parts...)
		if p.ID == rootGroupID {
			break
		}
	}
	return strings.Join(parts, "/")
}

// isAncestorLocked reports whether a is a strict ancestor of group b.
func (s *Server) isAncestorLocked(a, b int) bool {
	for g := s.groups[b]; g != nil && g.ID != rootGroupID; g = s.groups[g.ParentID] {
		if g.ParentID == a {
			return true
		}
	}
	return false
}

func (s *Server) groupRoutes(h func(string, handler)) {
	h("GET /api/v1/workgroups/index", func(r *http.Request) (any, string, error) {
		// fotoobo sends Python's spelling, custom=True / custom=False; case is ignored [inferred].
		customOnly := strings.EqualFold(r.URL.Query().Get("custom"), "true")
		s.mu.Lock()
		defer s.mu.Unlock()
		count := map[int]int{}
		for _, e := range s.endpoints {
			count[e.groupID]++
		}
		out := []group{}
		for _, g := range s.sortedGroupsLocked() {
			if customOnly && !g.custom {
				continue
			}
			v := *g
			v.FullPath, v.TotalDevices = s.pathLocked(g), count[g.ID]
			if g.ID == rootGroupID {
				v.TotalDevices = len(s.endpoints)
			}
			out = append(out, v)
		}
		// offset/count on workgroups/index are [inferred].
		if r.URL.Query().Has("count") {
			pg, err := page(r.URL.Query(), out)
			return pg, "", err
		}
		return out, "", nil
	})
	// The workgroups family writes with GETs and query parameters (public clients: create, move); rename
	// and delete follow the same pattern [inferred].
	h("GET /api/v1/workgroups/create", func(r *http.Request) (any, string, error) {
		q := r.URL.Query()
		name := strings.TrimSpace(q.Get("name"))
		parent, err := intParam(q, "parent_id", rootGroupID)
		if err != nil {
			return nil, "", err
		}
		if err := validGroupName(name); err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.groups[parent] == nil {
			return nil, "", missing("Group", parent)
		}
		if s.siblingLocked(parent, name, 0) {
			return nil, "", exists("Group", name)
		}
		g := &group{ID: 100 + s.id("group"), Name: name, ParentID: parent, custom: true}
		s.groups[g.ID] = g
		v := *g
		v.FullPath = s.pathLocked(g)
		return v, "Group created successfully.", nil
	})
	h("GET /api/v1/workgroups/rename", func(r *http.Request) (any, string, error) {
		q := r.URL.Query()
		id, err := intParam(q, "id", 0)
		if err != nil {
			return nil, "", err
		}
		name := strings.TrimSpace(q.Get("name"))
		if err := validGroupName(name); err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		g := s.groups[id]
		switch {
		case g == nil:
			return nil, "", missing("Group", id)
		case !g.custom:
			return nil, "", invalid("built-in group %q cannot be renamed", g.Name)
		case s.siblingLocked(g.ParentID, name, id):
			return nil, "", exists("Group", name)
		}
		g.Name = name
		return nil, "Group renamed successfully.", nil
	})
	h("GET /api/v1/workgroups/delete", func(r *http.Request) (any, string, error) {
		id, err := intParam(r.URL.Query(), "id", 0)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		g := s.groups[id]
		switch {
		case g == nil:
			return nil, "", missing("Group", id)
		case !g.custom:
			return nil, "", invalid("built-in group %q cannot be deleted", g.Name)
		}
		for _, e := range s.endpoints {
			if e.groupID == id || s.isAncestorLocked(id, e.groupID) {
				return nil, "", inUse("Group %q is in use: it contains endpoints.", g.Name)
			}
		}
		for _, c := range s.groups {
			if c.ParentID == id {
				return nil, "", inUse("Group %q is in use: it has subgroups.", g.Name)
			}
		}
		delete(s.groups, id)
		return nil, "Group deleted successfully.", nil
	})
	h("GET /api/v1/workgroups/move/", func(r *http.Request) (any, string, error) {
		q := r.URL.Query()
		gid, err := intParam(q, "group_id", 0)
		if err != nil {
			return nil, "", err
		}
		ids, err := atois(q["id_list"])
		if err != nil {
			return nil, "", err
		}
		if len(ids) == 0 {
			return nil, "", invalid("id_list is required")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.groups[gid] == nil || gid == rootGroupID {
			return nil, "", missing("Group", gid)
		}
		for _, id := range ids {
			if s.endpoints[id] == nil {
				return nil, "", missing("Endpoint", id)
			}
		}
		for _, id := range ids {
			s.endpoints[id].groupID = gid
		}
		return nil, "Endpoints moved successfully.", nil
	})
}

func validGroupName(name string) error {
	if name == "" {
		return invalid("name is required")
	}
	if len(name) > 255 || strings.ContainsAny(name, "/\\") {
		return invalid("name %q is not a valid group name", name)
	}
	return nil
}

func (s *Server) siblingLocked(parent int, name string, except int) bool {
	for _, g := range s.groups {
		if g.ParentID == parent && g.ID != except && strings.EqualFold(g.Name, name) {
			return true
		}
	}
	return false
}
