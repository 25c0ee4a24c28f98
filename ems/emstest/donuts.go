package emstest

import (
	"net/http"
	"slices"
	"strings"
)

// donut is one slice of the endpoint summaries the EMS dashboard draws (fotoobo's monitor
// reads token and value).
type donut struct {
	Token string `json:"token"`
	Value int    `json:"value"`
	Name  string `json:"name"`
}

// donutRoutes serves the dashboard summaries: connection (online, offlineNominal,
// offlineRecent), management (managed, unmanaged) and FortiClient versions per OS.
func (s *Server) donutRoutes(h func(string, handler)) {
	h("GET /api/v1/endpoints/connection/donut", func(*http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		online := 0
		for _, e := range s.endpoints {
			online += e.IsEMSOnline
		}
		// Every offline endpoint counts as offlineNominal: the split by time since last seen
		// that offlineRecent suggests is not simulated.
		return []donut{
			{Token: "online", Value: online, Name: "Online"},
			{Token: "offlineNominal", Value: len(s.endpoints) - online, Name: "Offline"},
			{Token: "offlineRecent", Value: 0, Name: "Offline >1h"},
		}, "", nil
	})
	h("GET /api/v1/endpoints/management/donut", func(*http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		managed := 0
		for _, e := range s.endpoints {
			managed += e.IsEMSRegistered
		}
		return []donut{
			{Token: "managed", Value: managed, Name: "Managed"},
			{Token: "unmanaged", Value: len(s.endpoints) - managed, Name: "Unmanaged"},
		}, "", nil
	})
	for _, os := range []string{"windows", "mac", "linux"} {
		h("GET /api/v1/endpoints/fctversion"+os+"/donut", func(*http.Request) (any, string, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.versionDonutLocked(os), "", nil
		})
	}
}

// versionDonutLocked counts the FortiClient versions of the endpoints of one OS family
// (token and name are the version), sorted by version.
func (s *Server) versionDonutLocked(os string) []donut {
	counts := map[string]int{}
	for _, e := range s.endpoints {
		v := strings.ToLower(e.OSVersion)
		if (os == "windows" && strings.Contains(v, "windows")) || (os == "mac" && strings.Contains(v, "mac")) ||
			(os == "linux" && strings.Contains(v, "linux")) {
			counts[e.FCTVersion]++
		}
	}
	out := []donut{}
	for v, n := range counts {
		out = append(out, donut{Token: v, Value: n, Name: v})
	}
	slices.SortFunc(out, func(a, b donut) int { return strings.Compare(a.Token, b.Token) })
	return out
}
