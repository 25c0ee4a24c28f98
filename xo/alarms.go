package xo

import (
	"context"
	"iter"

	"github.com/sitekit/sitekit/internal/rest"
)

// AlarmsService reads alarms (GET /rest/v0/alarms).
type AlarmsService struct {
	c    *Client
	coll collection[Alarm]
}

// List returns the alarms matching opts (all of them when opts is nil).
func (s *AlarmsService) List(ctx context.Context, opts *ListOptions) ([]Alarm, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the alarms matching opts (XO does not page: one List call), yielding
// an error last.
func (s *AlarmsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Alarm, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Alarm id; an unknown id matches sitekit.ErrNotFound.
func (s *AlarmsService) Get(ctx context.Context, id string) (Alarm, error) {
	return s.coll.get(ctx, id)
}

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
