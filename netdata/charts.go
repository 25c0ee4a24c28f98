package netdata

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// Chart is one chart (/api/v1/chart?chart=<id>, and each value of /api/v1/charts).
type Chart struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Family      string `json:"family"`
	Context     string `json:"context"`
	Title       string `json:"title"`
	Priority    Int    `json:"priority"`
	Plugin      string `json:"plugin"`
	Module      string `json:"module"`
	Units       string `json:"units"`
	DataURL     string `json:"data_url"`
	ChartType   string `json:"chart_type"` // line, area, stacked
	Duration    Int    `json:"duration"`   // seconds of data held
	FirstEntry  Int    `json:"first_entry"`
	LastEntry   Int    `json:"last_entry"` // unix seconds of the latest collected point
	UpdateEvery Int    `json:"update_every"`
	// Dimensions by id (visible dimensions only: system.cpu hides "idle").
	Dimensions     map[string]ChartDimension `json:"dimensions"`
	ChartVariables map[string]Float          `json:"chart_variables"`
	Green          Float                     `json:"green"`
	Red            Float                     `json:"red"`
	// Alarms attached to the chart, by alarm name.
	Alarms      map[string]ChartAlarm `json:"alarms"`
	ChartLabels map[string]string     `json:"chart_labels"`
}

// LastCollected returns the time of the chart's latest point (zero when unknown).
func (ch *Chart) LastCollected() time.Time {
	if ch.LastEntry <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(ch.LastEntry), 0)
}

// DimensionIDs returns the chart's dimension ids, sorted.
func (ch *Chart) DimensionIDs() []string {
	ids := make([]string, 0, len(ch.Dimensions))
	for id := range ch.Dimensions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ChartDimension is a chart's dimension.
type ChartDimension struct {
	Name string `json:"name"`
}

// ChartAlarm is the short alarm summary embedded in a chart.
type ChartAlarm struct {
	ID          Int    `json:"id"`
	Status      Status `json:"status"`
	Units       string `json:"units"`
	UpdateEvery Int    `json:"update_every"`
}

// Charts is /api/v1/charts: the host summary and every chart by id.
type Charts struct {
	Hostname        string           `json:"hostname"`
	Version         string           `json:"version"`
	ReleaseChannel  string           `json:"release_channel"`
	OS              string           `json:"os"`
	Timezone        string           `json:"timezone"`
	UpdateEvery     Int              `json:"update_every"`
	History         Int              `json:"history"`
	MemoryMode      string           `json:"memory_mode"`
	CustomInfo      string           `json:"custom_info"`
	ChartsCount     Int              `json:"charts_count"`
	DimensionsCount Int              `json:"dimensions_count"`
	AlarmsCount     Int              `json:"alarms_count"`
	RRDMemoryBytes  Int              `json:"rrd_memory_bytes"`
	HostsCount      Int              `json:"hosts_count"`
	Hosts           []ChartsHost     `json:"hosts"`
	Charts          map[string]Chart `json:"charts"`
}

// ChartsHost is an entry of Charts.Hosts.
type ChartsHost struct {
	Hostname string `json:"hostname"`
}

// IDs returns the chart ids, sorted.
func (c *Charts) IDs() []string {
	ids := make([]string, 0, len(c.Charts))
	for id := range c.Charts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ChartsService reads charts. Obtain it as Client.Charts.
type ChartsService struct{ c *Client }

// List reads /api/v1/charts.
func (s *ChartsService) List(ctx context.Context) (*Charts, error) {
	var out Charts
	if _, err := s.c.get(ctx, "/api/v1/charts", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get reads /api/v1/chart?chart=id. An unknown chart is an *APIError matching
// [sitekit.ErrNotFound] ("Chart is not found: <id>").
func (s *ChartsService) Get(ctx context.Context, id string) (*Chart, error) {
	if id == "" {
		return nil, sitekit.Invalid("Chart", id, "must not be empty")
	}
	var out Chart
	if _, err := s.c.get(ctx, "/api/v1/chart", url.Values{"chart": {id}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Context is a metric context (/api/v1/context, and each value of /api/v1/contexts).
type Context struct {
	Title     string `json:"title"`
	Units     string `json:"units"`
	Family    string `json:"family"`
	ChartType string `json:"chart_type"`
	Priority  Int    `json:"priority"`
	FirstTime Int    `json:"first_time_t"`
	LastTime  Int    `json:"last_time_t"`
	Collected Bool   `json:"collected"`
}

// Contexts is /api/v1/contexts.
type Contexts struct {
	Hostname    string             `json:"hostname"`
	MachineGUID string             `json:"machine_guid"`
	NodeID      string             `json:"node_id"`
	ClaimID     string             `json:"claim_id"`
	Contexts    map[string]Context `json:"contexts"`
}

// ContextsService reads metric contexts. Obtain it as Client.Contexts. /api/v1/contexts
// exists on 1.37 (dbengine or ram) and later agents.
type ContextsService struct{ c *Client }

// List reads /api/v1/contexts.
func (s *ContextsService) List(ctx context.Context) (*Contexts, error) {
	var out Contexts
	if _, err := s.c.get(ctx, "/api/v1/contexts", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get reads /api/v1/context?context=name.
func (s *ContextsService) Get(ctx context.Context, name string) (*Context, error) {
	if name == "" {
		return nil, sitekit.Invalid("Context", name, "must not be empty")
	}
	var out Context
	resp, err := s.c.get(ctx, "/api/v1/context", url.Values{"context": {name}}, &out)
	notFound := func(status int) error {
		return &APIError{APIError: rest.APIError{Appliance: "netdata", Method: http.MethodGet, Path: s.c.path("/api/v1/context"),
			StatusCode: status, Message: "context not found: " + name, Kind: sitekit.ErrNotFound}}
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		// 1.37 answers an unknown context with a 404 whose empty body Go reads as a truncated
		// stream (observed on the real agent): the answer was a 404 all the same.
		return nil, notFound(http.StatusNotFound)
	case err != nil:
		return nil, err
	case len(bytes.TrimSpace(resp.Body)) == 0:
		return nil, notFound(resp.StatusCode)
	}
	return &out, nil
}
