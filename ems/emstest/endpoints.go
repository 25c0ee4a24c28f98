package emstest

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// endpoint is the wire record of endpoints/index (flags as 1/0 like EMS).
type endpoint struct {
	DeviceID        int        `json:"device_id"`
	Name            string     `json:"name"`
	Host            string     `json:"host"`
	Username        string     `json:"username"`
	UserDomain      string     `json:"user_domain"`
	IPAddr          string     `json:"ip_addr"`
	MACAddr         string     `json:"mac_addr"`
	PublicIPAddr    string     `json:"public_ip_addr"`
	GroupPath       string     `json:"group_path"`
	Groups          []groupRef `json:"groups"`
	OSVersion       string     `json:"os_version"`
	FCTVersion      string     `json:"fct_version"`
	FCTSN           string     `json:"fct_sn"`
	LastSeen        int64      `json:"last_seen"`
	IsEMSRegistered int        `json:"is_ems_registered"`
	IsRegistered    int        `json:"is_registered"`
	IsEMSOnline     int        `json:"is_ems_online"`
	IsEMSOnnet      int        `json:"is_ems_onnet"`
	IsQuarantined   int        `json:"is_quarantined"`
	groupID         int
	outOfSync       bool // the endpoint has not applied its current profile
}

type groupRef struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	GroupPath string `json:"group_path"`
}

// EndpointState is an endpoint as the simulator holds it, for assertions.
type EndpointState struct {
	DeviceID    int
	Name        string
	GroupID     int
	Online      bool
	Quarantined bool
	OutOfSync   bool
	Unmanaged   bool
}

// EndpointSeed describes an endpoint to add with [Server.AddEndpoint].
type EndpointSeed struct {
	Name    string
	User    string
	IP      string
	GroupID int // 0: the default group ("Other Endpoints")
	Online  bool
	// OutOfSync: the endpoint has not applied its current profile (status=outofsync).
	OutOfSync bool
	// Unmanaged: the endpoint is known but not registered to EMS (management=unmanaged);
	// it takes no license seat.
	Unmanaged bool
}

// AddEndpoint registers an endpoint (it takes one seat) and returns its device id.
func (s *Server) AddEndpoint(e EndpointSeed) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addEndpointLocked(e)
}

func (s *Server) addEndpointLocked(e EndpointSeed) int {
	id := 1000 + s.id("endpoint")
	gid := e.GroupID
	if s.groups[gid] == nil {
		gid = defaultGroupID
	}
	ep := &endpoint{DeviceID: id, Name: e.Name, Host: e.Name, Username: e.User, UserDomain: "CORP", IPAddr: e.IP,
		MACAddr: fmt.Sprintf("00-09-0f-%02x-%02x-%02x", s.rng.IntN(256), s.rng.IntN(256), s.rng.IntN(256)), PublicIPAddr: "203.0.113.10",
		OSVersion: "Microsoft Windows 11 Professional Edition, 64-bit (build 22631)", FCTVersion: "7.2.4.0972",
		FCTSN: fmt.Sprintf("FCT8003%09d", s.rng.IntN(1e9)), LastSeen: 1767225600 + int64(id), IsEMSRegistered: 1, IsRegistered: 1,
		IsEMSOnline: b2i(e.Online), IsEMSOnnet: b2i(e.Online), groupID: gid, outOfSync: e.OutOfSync}
	if e.Unmanaged {
		ep.IsEMSRegistered, ep.IsRegistered = 0, 0
	}
	s.endpoints[id] = ep
	return id
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Endpoint returns the state of one endpoint.
func (s *Server) Endpoint(id int) (EndpointState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[id]
	if e == nil {
		return EndpointState{}, false
	}
	return EndpointState{DeviceID: e.DeviceID, Name: e.Name, GroupID: e.groupID, Online: e.IsEMSOnline == 1,
		Quarantined: e.IsQuarantined == 1, OutOfSync: e.outOfSync, Unmanaged: e.IsEMSRegistered == 0}, true
}

// SetOutOfSync marks endpoint id as not having applied its current profile (true) or in
// sync (false), as EMS reports it after a profile change the FortiClient has not picked up.
func (s *Server) SetOutOfSync(id int, outOfSync bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[id]
	if e == nil {
		return false
	}
	e.outOfSync = outOfSync
	return true
}

// render fills the group fields from the current group tree.
func (s *Server) renderLocked(e *endpoint) endpoint {
	out := *e
	g := s.groups[e.groupID]
	if g != nil {
		out.GroupPath = s.pathLocked(g)
		out.Groups = []groupRef{{ID: g.ID, Name: g.Name, GroupPath: out.GroupPath}}
	}
	return out
}

func (s *Server) sortedEndpointsLocked() []*endpoint {
	out := make([]*endpoint, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *endpoint) int { return cmp.Compare(a.DeviceID, b.DeviceID) })
	return out
}

func (s *Server) endpointRoutes(h func(string, handler)) {
	h("GET /api/v1/endpoints/index", func(r *http.Request) (any, string, error) {
		q := r.URL.Query()
		match, err := endpointFilter(q)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var found []endpoint
		for _, e := range s.sortedEndpointsLocked() {
			if match(s, e) {
				found = append(found, s.renderLocked(e))
			}
		}
		pg, err := page(q, found)
		if err != nil {
			return nil, "", err
		}
		return map[string]any{"endpoints": pg, "total": len(found)}, "Endpoints retrieved successfully.", nil
	})
	h("GET /api/v1/endpoints/device/{id}/details", func(r *http.Request) (any, string, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		e := s.endpoints[id]
		if e == nil {
			return nil, "", missing("Endpoint", id)
		}
		return s.renderLocked(e), "", nil
	})
	quarantine := func(flag int) handler {
		return func(r *http.Request) (any, string, error) {
			var body struct {
				IDs []int `json:"ids"`
			}
			if err := decodeBody(r, &body); err != nil {
				return nil, "", err
			}
			if len(body.IDs) == 0 {
				return nil, "", invalid("ids is required")
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, id := range body.IDs {
				if s.endpoints[id] == nil {
					return nil, "", missing("Endpoint", id)
				}
			}
			for _, id := range body.IDs {
				s.endpoints[id].IsQuarantined = flag
			}
			return nil, "", nil
		}
	}
	h("POST /api/v1/clients/quarantine", quarantine(1))
	h("POST /api/v1/clients/unquarantine", quarantine(0))
	h("DELETE /api/v1/devices/delete", func(r *http.Request) (any, string, error) {
		q := r.URL.Query()
		raw := append(q["ids"], q["ids[]"]...) // QA and SPY spellings
		if len(raw) == 0 {
			return nil, "", invalid("ids is required")
		}
		ids, err := atois(raw)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, id := range ids {
			if s.endpoints[id] == nil {
				return nil, "", missing("Endpoint", id)
			}
		}
		for _, id := range ids {
			delete(s.endpoints, id)
		}
		return nil, "Endpoints deleted.", nil
	})
}

func atois(raw []string) ([]int, error) {
	var out []int
	for _, r := range raw {
		for _, p := range strings.Split(strings.Trim(r, "[]"), ",") {
			p = strings.Trim(strings.TrimSpace(p), `"`)
			if p == "" {
				continue
			}
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, invalid("id %q is not an integer", p)
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// unsimulatedFilters are endpoints/index parameters public clients send whose values no public
// source describes: the simulator refuses them rather than ignore them (an ignored filter
// answers every endpoint, which a monitor would take for the filtered count).
var unsimulatedFilters = []string{"client_id", "activity", "event_type", "view_type", "filters", "verification"}

// endpointFilter compiles the filters of endpoints/index (ANDed): group_id (the group and its
// subgroups), device_id, connection (online, offline), status (outofsync) and management
// (managed, unmanaged).
func endpointFilter(q url.Values) (func(*Server, *endpoint) bool, error) {
	for _, name := range unsimulatedFilters {
		if q.Has(name) {
			return nil, invalid("emstest does not simulate the %s filter", name)
		}
	}
	gid, err := intParam(q, "group_id", 0)
	if err != nil {
		return nil, err
	}
	did, err := intParam(q, "device_id", 0)
	if err != nil {
		return nil, err
	}
	conn, status, mgmt := q.Get("connection"), q.Get("status"), q.Get("management")
	switch {
	case conn != "" && conn != "online" && conn != "offline":
		return nil, invalid("connection %q", conn)
	case status != "" && status != "outofsync":
		return nil, invalid("status %q", status)
	case mgmt != "" && mgmt != "managed" && mgmt != "unmanaged":
		return nil, invalid("management %q", mgmt)
	}
	return func(s *Server, e *endpoint) bool {
		switch {
		case gid > 0 && e.groupID != gid && !s.isAncestorLocked(gid, e.groupID):
			return false
		case did > 0 && e.DeviceID != did:
			return false
		case conn != "" && (e.IsEMSOnline == 1) != (conn == "online"):
			return false
		case status == "outofsync" && !e.outOfSync:
			return false
		case mgmt != "" && (e.IsEMSRegistered == 1) != (mgmt == "managed"):
			return false
		}
		return true
	}, nil
}
