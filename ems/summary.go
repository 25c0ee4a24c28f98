package ems

import (
	"context"
	"net/http"

	"github.com/sitekit/sitekit/internal/lenient"
)

// EndpointSummary counts the endpoints as the EMS dashboard does (the connection and
// management summaries fotoobo's monitor reads).
type EndpointSummary struct {
	// Online endpoints are connected to EMS now.
	Online int
	// OfflineNominal and OfflineRecent split the offline endpoints as EMS does (its
	// dashboard names them "Offline" and "Offline >1h").
	OfflineNominal, OfflineRecent int
	// Managed endpoints are registered to EMS; Unmanaged ones are known but not registered.
	Managed, Unmanaged int
}

// Offline returns the endpoints not connected to EMS.
func (s EndpointSummary) Offline() int { return s.OfflineNominal + s.OfflineRecent }

// donutSlice is one slice of a dashboard summary: data [{token, value, name}].
type donutSlice struct {
	Token string      `json:"token"`
	Value lenient.Int `json:"value"`
	Name  string      `json:"name"`
}

// Summary reads the connection and management summaries (GET
// /api/v1/endpoints/connection/donut and /api/v1/endpoints/management/donut).
func (s *EndpointsService) Summary(ctx context.Context) (EndpointSummary, error) {
	var sum EndpointSummary
	fields := map[string]*int{"online": &sum.Online, "offlineNominal": &sum.OfflineNominal, "offlineRecent": &sum.OfflineRecent,
		"managed": &sum.Managed, "unmanaged": &sum.Unmanaged}
	for _, path := range []string{"/endpoints/connection/donut", "/endpoints/management/donut"} {
		var parts []donutSlice
		if err := s.c.do(ctx, call{method: http.MethodGet, path: path, out: &parts}); err != nil {
			return EndpointSummary{}, err
		}
		for _, d := range parts {
			if f := fields[d.Token]; f != nil {
				*f = int(d.Value)
			}
		}
	}
	return sum, nil
}
