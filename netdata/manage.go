package netdata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// Selectors choose alarms for a health-management command (Netdata simple patterns, e.g.
// "cpu_*"). At least one is required by Silence and Disable.
type Selectors struct {
	Alarm   string `json:"alarm,omitempty"`
	Chart   string `json:"chart,omitempty"`
	Context string `json:"context,omitempty"`
	Host    string `json:"hosts,omitempty"`
	Family  string `json:"family,omitempty"`
}

func (s Selectors) isZero() bool { return s == Selectors{} }

func (s Selectors) values(q url.Values) {
	for k, v := range map[string]string{"alarm": s.Alarm, "chart": s.Chart, "context": s.Context, "hosts": s.Host, "family": s.Family} {
		if v != "" {
			q.Set(k, v)
		}
	}
}

// Silencers is the answer of cmd=LIST: the current health-management state.
type Silencers struct {
	// All is true after SILENCE ALL or DISABLE ALL.
	All bool `json:"all"`
	// Type is "SILENCE", "DISABLE" or "None".
	Type      string      `json:"type"`
	Silencers []Selectors `json:"silencers"`
}

// HealthManagementService drives /api/v1/manage/health (maintenance windows). It needs the
// agent's management key (/var/lib/netdata/netdata.api.key) set with [sitekit.WithToken]; it
// is sent as the X-Auth-Token header (1.37 rejects Authorization: Bearer). The agent accepts it
// only from "allow management from" (localhost by default). Obtain it as Client.HealthManagement.
type HealthManagementService struct{ c *Client }

func (s *HealthManagementService) do(ctx context.Context, cmd string, sel Selectors, retry rest.RetryMode) (string, error) {
	if s.c.token.IsZero() {
		return "", sitekit.Invalid("Token", "", "the health management API needs the agent's API key (sitekit.WithToken)")
	}
	q := url.Values{"cmd": {cmd}}
	sel.values(q)
	h := http.Header{"X-Auth-Token": {s.c.token.Reveal()}}
	resp, err := s.c.rc.Do(ctx, rest.Request{Method: http.MethodGet, Path: s.c.path("/api/v1/manage/health"), Query: q, Header: h, IsWrite: cmd != "LIST", Retry: retry})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(resp.Body)), nil
}

// Silencers returns the current health-management state (cmd=LIST).
func (s *HealthManagementService) Silencers(ctx context.Context) (*Silencers, error) {
	body, err := s.do(ctx, "LIST", Selectors{}, rest.RetryAuto)
	if err != nil {
		return nil, err
	}
	var out Silencers
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return nil, fmt.Errorf("netdata: decode manage/health LIST: %w", err)
	}
	return &out, nil
}

// Silence stops notifications for the alarms matching sel (they are still evaluated). The
// agent's confirmation text is returned.
func (s *HealthManagementService) Silence(ctx context.Context, sel Selectors) (string, error) {
	if sel.isZero() {
		return "", sitekit.Invalid("Selectors", "", "at least one selector is required (use SilenceAll for every alarm)")
	}
	return s.do(ctx, "SILENCE", sel, rest.RetryNever)
}

// Disable stops evaluating the alarms matching sel.
func (s *HealthManagementService) Disable(ctx context.Context, sel Selectors) (string, error) {
	if sel.isZero() {
		return "", sitekit.Invalid("Selectors", "", "at least one selector is required (use DisableAll for every alarm)")
	}
	return s.do(ctx, "DISABLE", sel, rest.RetryNever)
}

// SilenceAll silences every alarm's notifications.
func (s *HealthManagementService) SilenceAll(ctx context.Context) (string, error) {
	return s.do(ctx, "SILENCE ALL", Selectors{}, rest.RetryAuto)
}

// DisableAll stops every health check.
func (s *HealthManagementService) DisableAll(ctx context.Context) (string, error) {
	return s.do(ctx, "DISABLE ALL", Selectors{}, rest.RetryAuto)
}

// Reset removes every silencer and re-enables all health checks and notifications.
func (s *HealthManagementService) Reset(ctx context.Context) (string, error) {
	return s.do(ctx, "RESET", Selectors{}, rest.RetryAuto)
}
