package netdata

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
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

// ChartsService reads charts. Obtain it as Client.Charts.
type ChartsService struct{ c *Client }

// ChartListOptions filters the chart listing. The agent's /api/v1/charts takes no
// parameters: the client applies the filters. A nil *ChartListOptions lists every chart.
type ChartListOptions struct {
	// Prefix keeps the charts whose id starts with it (e.g. "disk." or "system.").
	Prefix string
	// Context keeps the charts of one context (e.g. "disk.io").
	Context string
}

// chartsAnswer is the part of /api/v1/charts the client reads: charts by id.
type chartsAnswer struct {
	Charts map[string]Chart `json:"charts"`
}

// List reads /api/v1/charts and returns the charts matching opts, sorted by id.
func (s *ChartsService) List(ctx context.Context, opts *ChartListOptions) ([]Chart, error) {
	var out chartsAnswer
	if _, err := s.c.get(ctx, "/api/v1/charts", nil, &out); err != nil {
		return nil, err
	}
	charts := make([]Chart, 0, len(out.Charts))
	for id, ch := range out.Charts {
		if ch.ID == "" {
			ch.ID = id
		}
		if opts != nil && (!strings.HasPrefix(ch.ID, opts.Prefix) || (opts.Context != "" && ch.Context != opts.Context)) {
			continue
		}
		charts = append(charts, ch)
	}
	slices.SortFunc(charts, func(a, b Chart) int { return strings.Compare(a.ID, b.ID) })
	return charts, nil
}

// All iterates over List's answer (one call: the agent does not page charts).
func (s *ChartsService) All(ctx context.Context, opts *ChartListOptions) iter.Seq2[Chart, error] {
	return items(func() ([]Chart, error) { return s.List(ctx, opts) })
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
	// Name is the context, e.g. "system.cpu" (the key of /api/v1/contexts).
	Name      string `json:"-"`
	Title     string `json:"title"`
	Units     string `json:"units"`
	Family    string `json:"family"`
	ChartType string `json:"chart_type"`
	Priority  Int    `json:"priority"`
	FirstTime Int    `json:"first_time_t"`
	LastTime  Int    `json:"last_time_t"`
	Collected Bool   `json:"collected"`
}

// contextsAnswer is the part of /api/v1/contexts the client reads: contexts by name.
type contextsAnswer struct {
	Contexts map[string]Context `json:"contexts"`
}

// ContextsService reads metric contexts. Obtain it as Client.Contexts. /api/v1/contexts
// exists on 1.37 (dbengine or ram) and later agents.
type ContextsService struct{ c *Client }

// ContextListOptions filters the context listing (applied by the client). A nil
// *ContextListOptions lists every context.
type ContextListOptions struct {
	// Prefix keeps the contexts whose name starts with it (e.g. "disk.").
	Prefix string
}

// List reads /api/v1/contexts and returns the contexts matching opts, sorted by name.
func (s *ContextsService) List(ctx context.Context, opts *ContextListOptions) ([]Context, error) {
	var out contextsAnswer
	if _, err := s.c.get(ctx, "/api/v1/contexts", nil, &out); err != nil {
		return nil, err
	}
	list := make([]Context, 0, len(out.Contexts))
	for name, c := range out.Contexts {
		if opts != nil && !strings.HasPrefix(name, opts.Prefix) {
			continue
		}
		c.Name = name
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b Context) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

// All iterates over List's answer (one call: the agent does not page contexts).
func (s *ContextsService) All(ctx context.Context, opts *ContextListOptions) iter.Seq2[Context, error] {
	return items(func() ([]Context, error) { return s.List(ctx, opts) })
}

// Get reads /api/v1/context?context=name.
func (s *ContextsService) Get(ctx context.Context, name string) (*Context, error) {
	if name == "" {
		return nil, sitekit.Invalid("Context", name, "must not be empty")
	}
	var out Context
	resp, err := s.c.get(ctx, "/api/v1/context", url.Values{"context": {name}}, &out)
	notFound := func(status int) error {
		return &APIError{Method: http.MethodGet, Path: s.c.path("/api/v1/context"), StatusCode: status,
			Message: "context not found: " + name, Kind: sitekit.ErrNotFound}
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
	out.Name = name
	return &out, nil
}

// items yields the elements of a listing the agent answers in one call.
func items[T any](list func() ([]T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		all, err := list()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, v := range all {
			if !yield(v, nil) {
				return
			}
		}
	}
}
