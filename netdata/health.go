package netdata

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
)

// HealthOptions tune the deployment health gate.
type HealthOptions struct {
	// MinVersion is the lowest acceptable agent version, e.g. "v1.37" ("" accepts any).
	MinVersion string
	// ExpectChildren are hostnames that must be streaming to this agent (a parent).
	ExpectChildren []string
	// Chart whose latest point proves collection is alive (default "system.cpu").
	Chart string
	// MaxStaleness is how old that point may be, measured on the agent's own clock
	// (default: 10 × the chart's update_every, at least 10s).
	MaxStaleness time.Duration
	// IgnoreAlarms are alarm-name patterns (path.Match syntax, e.g. "test_*") whose
	// CRITICAL status does not fail the gate (known noise on a site).
	IgnoreAlarms []string
}

// Validate checks the options without I/O.
func (o HealthOptions) Validate() error {
	if o.MinVersion != "" {
		if _, _, _, ok := parseVersion(o.MinVersion); !ok {
			return sitekit.Invalid("MinVersion", o.MinVersion, `must look like "v1.37" or "2.0.0"`)
		}
	}
	if o.MaxStaleness < 0 {
		return sitekit.Invalid("MaxStaleness", o.MaxStaleness, "must not be negative")
	}
	for i, c := range o.ExpectChildren {
		if c == "" {
			return sitekit.Invalid(fmt.Sprintf("ExpectChildren[%d]", i), c, "must not be empty")
		}
	}
	for i, p := range o.IgnoreAlarms {
		if _, err := path.Match(p, ""); err != nil {
			return sitekit.Invalid(fmt.Sprintf("IgnoreAlarms[%d]", i), p, "must be a valid pattern")
		}
	}
	return nil
}

// HealthReport is what the gate observed.
type HealthReport struct {
	// Healthy is true when Problems is empty.
	Healthy  bool
	Hostname string
	Version  string
	// Critical and Warning are the raised alarms (Critical excludes ignored ones).
	Critical []Alarm
	Warning  []Alarm
	// LastCollected is the time of the chart's latest point; AgentTime the agent's clock.
	LastCollected time.Time
	AgentTime     time.Time
	// Children maps each expected child to whether it is streaming (reachable).
	Children map[string]bool
	// Problems explain, one per line, why the agent is not healthy.
	Problems []string
}

// String summarises the report on one line.
func (r *HealthReport) String() string {
	if r.Healthy {
		return fmt.Sprintf("netdata %s (%s): healthy", r.Hostname, r.Version)
	}
	return fmt.Sprintf("netdata %s (%s): %s", r.Hostname, r.Version, strings.Join(r.Problems, "; "))
}

// Health runs the deployment gate once: the agent answers (/api/v1/info), its version is
// acceptable, no CRITICAL alarm is raised (/api/v1/alarms), collection is alive (the chart's
// last point is recent on the agent's clock) and every expected child streams to it. The
// error is non-nil only when the agent cannot be read at all (unreachable, wrong URL) or the
// options are invalid; an unhealthy agent is a report with Healthy false.
func (c *Client) Health(ctx context.Context, o HealthOptions) (*HealthReport, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Chart == "" {
		o.Chart = "system.cpu"
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	r := &HealthReport{Version: info.Version, Children: map[string]bool{}}
	for _, h := range info.MirroredHostsStatus {
		if h.Hops == 0 {
			r.Hostname = h.Hostname
		}
	}
	if r.Hostname == "" && len(info.MirroredHosts) > 0 {
		r.Hostname = info.MirroredHosts[0]
	}
	if c.host != "" {
		r.Hostname = c.host
	}
	if o.MinVersion != "" {
		ma, mi, pa, _ := parseVersion(o.MinVersion)
		ga, gi, gp, ok := parseVersion(info.Version)
		if !ok || ga < ma || (ga == ma && (gi < mi || (gi == mi && gp < pa))) {
			r.Problems = append(r.Problems, fmt.Sprintf("agent version %s is older than %s", info.Version, o.MinVersion))
		}
	}

	alarms, err := c.Alarms.Report(ctx, &AlarmListOptions{Active: true})
	if err != nil {
		r.Problems = append(r.Problems, "alarms unreadable: "+err.Error())
	} else {
		if alarms.Now > 0 {
			r.AgentTime = time.Unix(int64(alarms.Now), 0)
		}
		for _, a := range alarms.Sorted() {
			switch a.Status {
			case StatusWarning:
				r.Warning = append(r.Warning, a)
			case StatusCritical:
				if !ignored(o.IgnoreAlarms, a.Name) {
					r.Critical = append(r.Critical, a)
					r.Problems = append(r.Problems, fmt.Sprintf("critical alarm %s on %s: %s (%s)", a.Name, a.Chart, a.ValueString, a.Info))
				}
			}
		}
	}
	if r.AgentTime.IsZero() {
		r.AgentTime = time.Now()
	}

	chart, err := c.Charts.Get(ctx, o.Chart)
	switch {
	case err != nil:
		r.Problems = append(r.Problems, fmt.Sprintf("collection: chart %s unreadable: %v", o.Chart, err))
	default:
		r.LastCollected = chart.LastCollected()
		maxAge := o.MaxStaleness
		if maxAge == 0 {
			maxAge = max(10*time.Duration(max(chart.UpdateEvery, 1))*time.Second, 10*time.Second)
		}
		if r.LastCollected.IsZero() {
			r.Problems = append(r.Problems, fmt.Sprintf("collection: chart %s has no data", o.Chart))
		} else if age := r.AgentTime.Sub(r.LastCollected); age > maxAge {
			r.Problems = append(r.Problems, fmt.Sprintf("collection stalled: latest %s point is %s old (max %s)", o.Chart, age, maxAge))
		}
	}

	if len(o.ExpectChildren) > 0 {
		nodes, err := c.nodes(ctx, info)
		if err != nil {
			r.Problems = append(r.Problems, "nodes unreadable: "+err.Error())
		}
		for _, want := range o.ExpectChildren {
			i := slices.IndexFunc(nodes, func(n Node) bool { return n.Hostname == want || n.MachineGUID == want })
			ok := i >= 0 && nodes[i].Reachable
			r.Children[want] = ok
			switch {
			case i < 0:
				r.Problems = append(r.Problems, fmt.Sprintf("child %s is not streaming to this agent", want))
			case !ok:
				r.Problems = append(r.Problems, fmt.Sprintf("child %s is known but not reachable (stream disconnected)", want))
			}
		}
	}
	r.Healthy = len(r.Problems) == 0
	return r, nil
}

func ignored(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// WaitHealthy runs [Client.Health] every interval (default 5s) until the agent is healthy or
// ctx ends. An unreachable agent (still starting) is retried like an unhealthy one. On
// timeout it returns the last report (nil if the agent never answered) and an error wrapping
// ctx.Err() that says what was still wrong.
func (c *Client) WaitHealthy(ctx context.Context, o HealthOptions, interval time.Duration) (*HealthReport, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if interval < 0 {
		return nil, sitekit.Invalid("interval", interval, "must not be negative")
	}
	if interval == 0 {
		interval = 5 * time.Second
	}
	var last *HealthReport
	var lastErr error
	for {
		r, err := c.Health(ctx, o)
		if err == nil && r.Healthy {
			return r, nil
		}
		if err != nil && ctx.Err() == nil {
			var fe *sitekit.FieldError
			if errors.As(err, &fe) {
				return nil, err
			}
		}
		if r != nil {
			last = r
		}
		lastErr = err
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			why := "agent never answered"
			if lastErr != nil {
				why = "agent unreachable: " + lastErr.Error()
			} else if last != nil {
				why = strings.Join(last.Problems, "; ")
			}
			return last, fmt.Errorf("netdata: %s not healthy: %s: %w", c.BaseURL()+c.prefix, why, ctx.Err())
		case <-t.C:
		}
	}
}
