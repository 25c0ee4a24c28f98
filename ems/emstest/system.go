package emstest

import (
	"net/http"
	"time"
)

func (s *Server) systemRoutes(h func(string, handler)) {
	h("GET /api/v1/system/serial_number", func(*http.Request) (any, string, error) {
		return DefaultSerial, "Serial number retrieved successfully.", nil
	})
	h("GET /api/v1/system/consts/get", func(*http.Request) (any, string, error) {
		return map[string]any{"System": map[string]any{"VERSION": s.cfg.version}}, "", nil
	})
	h("GET /api/v1/system/info/", func(*http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]any{"name": "EMS-SIM", "system_time": time.Now().UTC().Format(time.DateTime), "license": s.licenseLocked()},
			"System info retrieved successfully.", nil
	})
	h("GET /api/v1/license/get", func(*http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.licenseLocked(), "License retrieved successfully.", nil
	})
}

var seatKinds = []string{"fabric_agent", "sandbox_cloud", "chromebook", "ztna", "epp", "sase", "ztna_user", "epp_user", "sase_user", "vpn_only"}

// licenseLocked renders license/get; seats used move with registered endpoints.
func (s *Server) licenseLocked() map[string]any {
	seats, future, used := map[string]int{}, map[string]int{}, map[string]int{}
	registered := 0
	for _, e := range s.endpoints {
		if e.IsEMSRegistered == 1 {
			registered++
		}
	}
	for _, k := range seatKinds {
		seats[k], future[k], used[k] = 0, 0, 0
	}
	for _, k := range []string{"fabric_agent", "ztna", "epp"} {
		seats[k] = s.cfg.seats
		used[k] = registered
	}
	return map[string]any{
		"sn": DefaultSerial, "hid": "SIMHID-0001", "seats": seats, "future_seats": future, "used": used,
		"licenses": []map[string]string{{"type": "epp", "start_date": "2025-01-01T00:00:00", "expiry_date": "2099-01-01T00:00:00"}},
		"is_trial": false, "license_ver": 2, "future_ver": 0, "error": nil, "vdom_seats": 0,
	}
}

// SeatsUsed returns the endpoint-protection seats in use (registered endpoints).
func (s *Server) SeatsUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.licenseLocked()["used"].(map[string]int)["epp"]
}
