package netdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// ErrUnsupported is matched (errors.Is) by calls that need an API the agent does not have,
// e.g. a v3-only call on a 1.37 agent. Detected from /api/v1/info, never assumed.
var ErrUnsupported = errors.New("netdata: not supported by this agent")

// APIError is an HTTP error answered by the agent. Netdata answers errors as plain text
// ("Chart is not found: nope.nope", "Auth Error"); the text is in Message. It matches the
// sitekit sentinels with errors.Is: 404 → [sitekit.ErrNotFound], 400 → [sitekit.ErrInvalid],
// 401/403 → [sitekit.ErrUnauthorized], 429 → [sitekit.ErrRateLimited].
type APIError struct {
	rest.APIError
	// UnsupportedAPI is set when the agent does not have the API version requested
	// (1.37 answers /api/v2/* and /api/v3/* with 404 "Unsupported API version: v2").
	UnsupportedAPI bool
}

// Is matches the sentinel of the HTTP status, and [ErrUnsupported] for an unsupported API version.
func (e *APIError) Is(target error) bool {
	if e.UnsupportedAPI && target == ErrUnsupported {
		return true
	}
	return e.APIError.Is(target)
}

func decodeError(base *rest.APIError, body []byte) error {
	e := &APIError{APIError: *base}
	text := bytes.TrimSpace(body)
	if len(text) > 0 && text[0] == '{' {
		var env struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(text, &env) == nil && env.Error != "" {
			e.Message = env.Error
		}
	} else if e.Message == "" && len(text) > 0 && len(text) <= 512 {
		e.Message = string(text) // text/html bodies are plain sentences on this agent
	}
	if strings.HasPrefix(e.Message, "Unsupported API version") {
		e.UnsupportedAPI = true
	}
	return e
}

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
