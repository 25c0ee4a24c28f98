package emstest

import (
	"net/http"
	"strings"
)

// fortigate is a Fabric device of client_certificates/index (public clients: id, cn); the
// name and authorized fields of the listing are [inferred].
type fortigate struct {
	ID         int    `json:"id"`
	CN         string `json:"cn"`
	Name       string `json:"name"`
	Authorized bool   `json:"authorized"`
}

// FortiGateState is a FortiGate known to the simulated EMS.
type FortiGateState struct {
	ID         int
	Serial     string
	Name       string
	Authorized bool
}

// AddPendingFortiGate records a FortiGate that connected through its EMS connector and waits
// for authorization (what a FortiGate does once endpoint-control/fctems is enabled). It
// returns the device's id; adding a known serial again returns the existing id.
func (s *Server) AddPendingFortiGate(serial, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.fortigates {
		if strings.EqualFold(f.CN, serial) {
			return f.ID
		}
	}
	f := &fortigate{ID: s.id("fortigate"), CN: serial, Name: name}
	s.fortigates[f.ID] = f
	return f.ID
}

// FortiGates returns the FortiGates known to EMS, by id.
func (s *Server) FortiGates() []FortiGateState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []FortiGateState
	for _, f := range sortedByID(s.fortigates, func(f *fortigate) int { return f.ID }) {
		out = append(out, FortiGateState{ID: f.ID, Serial: f.CN, Name: f.Name, Authorized: f.Authorized})
	}
	return out
}

// IsAuthorized reports whether the FortiGate with this serial is authorized.
func (s *Server) IsAuthorized(serial string) bool {
	for _, f := range s.FortiGates() {
		if strings.EqualFold(f.Serial, serial) {
			return f.Authorized
		}
	}
	return false
}

func (s *Server) fortigateRoutes(h func(string, handler)) {
	h("GET /api/v1/client_certificates/index", func(*http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		list := []fortigate{}
		for _, f := range sortedByID(s.fortigates, func(f *fortigate) int { return f.ID }) {
			list = append(list, *f)
		}
		return list, "", nil
	})
	h("PATCH /api/v1/client_certificates/{id}/set", func(r *http.Request) (any, string, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, "", err
		}
		var body struct {
			Authorized *bool `json:"authorized"`
		}
		if err := decodeBody(r, &body); err != nil {
			return nil, "", err
		}
		if body.Authorized == nil {
			return nil, "", invalid("authorized is required")
		}
		s.mu.Lock()
		f := s.fortigates[id]
		if f == nil {
			s.mu.Unlock()
			return nil, "", missing("Client certificate", id)
		}
		changed := f.Authorized != *body.Authorized
		f.Authorized = *body.Authorized
		serial, hook := f.CN, s.onAuthorize
		s.mu.Unlock()
		if changed && hook != nil {
			hook(serial, *body.Authorized)
		}
		return nil, "Client certificate updated successfully.", nil
	})
	h("DELETE /api/v1/client_certificates/{id}/delete", func(r *http.Request) (any, string, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.fortigates[id] == nil {
			return nil, "", missing("Client certificate", id)
		}
		delete(s.fortigates, id)
		return nil, "Client certificate deleted successfully.", nil
	})
}
