package xo

import (
	"context"

	"github.com/sitekit/sitekit/internal/rest"
)

// AlarmsService reads alarms (GET /rest/v0/alarms).
type AlarmsService struct{ collection[Alarm] }

// DashboardService reads the XOA-wide dashboard (GET /rest/v0/dashboard).
type DashboardService struct{ c *Client }

// Dashboard is the XOA-wide summary.
type Dashboard struct {
	NPools      Number `json:"nPools"`
	NHosts      Number `json:"nHosts"`
	PoolsStatus struct {
		Connected, Disconnected, Unreachable, Unknown, Total Number
	} `json:"poolsStatus"`
	HostsStatus struct {
		Running, Halted, Disabled, Unknown, Total Number
	} `json:"hostsStatus"`
	VMsStatus struct {
		Active, Inactive, Running, Halted, Paused, Suspended, Unknown, Total Number
	} `json:"vmsStatus"`
	ResourcesOverview struct {
		NCPUs      Number `json:"nCpus"`
		MemorySize Number `json:"memorySize"`
		SRSize     Number `json:"srSize"`
	} `json:"resourcesOverview"`
	StorageRepositories struct {
		Size struct {
			Available, Other, Replicated, Total, Used Number
		} `json:"size"`
	} `json:"storageRepositories"`
}

// Get returns the dashboard.
func (s *DashboardService) Get(ctx context.Context) (Dashboard, error) {
	var d Dashboard
	_, err := s.c.rest.Do(ctx, rest.Request{Path: rest.Path(restPrefix, "dashboard"), Result: &d})
	return d, err
}
