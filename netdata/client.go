package netdata

import (
	"context"
	"net/http"
	"net/url"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// Client talks to one Netdata agent (or, through [Client.Host], to a child streamed to a
// parent). Safe for concurrent use.
type Client struct {
	rc     *rest.Client
	token  sitekit.Secret
	prefix string // "" or "/host/<name>"
	host   string

	// Charts reads /api/v1/charts and /api/v1/chart.
	Charts *ChartsService
	// Contexts reads /api/v1/contexts and /api/v1/context.
	Contexts *ContextsService
	// Alarms reads raised and configured alarms, the alarm log and alarm counts.
	Alarms *AlarmsService
	// HealthManagement silences and disables alarms (/api/v1/manage/health, X-Auth-Token).
	HealthManagement *HealthManagementService
	// Nodes lists the agent and, on a parent, its streaming children.
	Nodes *NodesService
}

// New returns a client for the agent at baseURL (e.g. http://127.0.0.1:19999). Plain http is
// accepted to loopback; to another host use https or [sitekit.WithPlainHTTP] (Netdata
// serves plain http on its port by default). The management token, needed only by
// [Client.HealthManagement], is set with [sitekit.WithToken] (the agent's netdata.api.key).
// New does no I/O.
func New(baseURL string, opts ...sitekit.Option) (*Client, error) {
	s, err := sitekit.Apply(opts...)
	if err != nil {
		return nil, err
	}
	rc, err := rest.New(rest.Config{Appliance: "netdata", BaseURL: baseURL, Settings: s, DecodeError: decodeError})
	if err != nil {
		return nil, err
	}
	return newView(rc, s.Token, ""), nil
}

func newView(rc *rest.Client, token sitekit.Secret, host string) *Client {
	c := &Client{rc: rc, token: token, host: host}
	if host != "" {
		c.prefix = rest.Path(rest.Raw("host"), host)
	}
	c.Charts = &ChartsService{c: c}
	c.Contexts = &ContextsService{c: c}
	c.Alarms = &AlarmsService{c: c}
	c.HealthManagement = &HealthManagementService{c: c}
	c.Nodes = &NodesService{c: c}
	return c
}

// Host returns a view of the child name (hostname or machine GUID) as served by this parent
// under /host/<name>/api/v1/…. It shares the connection settings; it does no I/O. The name
// is validated by the agent: an unknown child answers 404 on every call.
func (c *Client) Host(name string) *Client {
	return newView(c.rc, c.token, name)
}

// HostName returns the child name of a [Client.Host] view, "" for the agent itself.
func (c *Client) HostName() string { return c.host }

// BaseURL returns the agent URL this client talks to (without the /host/ prefix).
func (c *Client) BaseURL() string { return c.rc.BaseURL().String() }

func (c *Client) path(p string) string { return c.prefix + p }

// get sends a GET to api path p (e.g. "/api/v1/info") and decodes JSON into out (if non-nil).
func (c *Client) get(ctx context.Context, p string, q url.Values, out any) (*rest.Response, error) {
	return c.rc.Do(ctx, rest.Request{Method: http.MethodGet, Path: c.path(p), Query: q, Result: out})
}
