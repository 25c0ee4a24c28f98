package truenas

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/rest"
)

var knownVersions = []string{
	"v25.04.0", "v25.04.1", "v25.04.2",
	"v25.10.0", "v25.10.1", "v25.10.2", "v25.10.3", "v25.10.4", "v25.10.5",
	"v26.0.0",
}

// KnownVersions returns the API versions (path segments of /api/<version>) this client was
// written and tested against, oldest first, in a new slice. By default the client connects
// to the newest of them that the appliance lists in GET /api/versions.
func KnownVersions() []string { return slices.Clone(knownVersions) }

// maxInFlight keeps the client below the middleware's hard cap of 20 concurrent calls per
// connection.
const maxInFlight = 16

type (
	apiVersionKey   struct{}
	currentAPIKey   struct{}
	usernameKey     struct{}
	pollIntervalKey struct{}
)

// WithAPIVersion pins the API version the client connects to, e.g. "v25.10.2" (the leading
// "v" is optional). Pinning gives stable schemas across appliance upgrades; no
// GET /api/versions is made.
func WithAPIVersion(v string) sitekit.Option {
	return func(s *sitekit.Settings) error {
		nv, ok := normalizeVersion(v)
		if !ok {
			return sitekit.Invalid("APIVersion", v, `must look like "v25.10.2"`)
		}
		s.Set(apiVersionKey{}, nv)
		return nil
	}
}

// WithCurrentAPI connects to /api/current (the newest API of the running release) instead of
// a pinned version. Schemas then change when the appliance is upgraded; prefer pinning.
func WithCurrentAPI() sitekit.Option {
	return func(s *sitekit.Settings) error { s.Set(currentAPIKey{}, true); return nil }
}

// WithAPIKeyUser names the user owning the API key (set with sitekit.WithToken). With it the
// client signs in with auth.login_ex mechanism API_KEY_PLAIN (TrueNAS 25.04+); without it,
// it uses auth.login_with_api_key.
func WithAPIKeyUser(username string) sitekit.Option {
	return func(s *sitekit.Settings) error {
		if strings.TrimSpace(username) == "" {
			return sitekit.Invalid("APIKeyUser", username, "must not be empty")
		}
		s.Set(usernameKey{}, username)
		return nil
	}
}

// WithJobPollInterval sets how often a job wait polls core.get_jobs in addition to listening
// to collection_update events (default 2s, as the official provider does).
func WithJobPollInterval(d time.Duration) sitekit.Option {
	return func(s *sitekit.Settings) error {
		if d <= 0 {
			return sitekit.Invalid("JobPollInterval", d, "must be positive")
		}
		s.Set(pollIntervalKey{}, d)
		return nil
	}
}

// Client is a TrueNAS API client over one persistent JSON-RPC 2.0 WebSocket connection,
// signed in once and re-signed in on every reconnect. It is safe for concurrent use.
type Client struct {
	settings   sitekit.Settings
	base       *url.URL
	hc         *http.Client
	pinned     string
	useCurrent bool
	keyUser    string
	poll       time.Duration
	sem        chan struct{} // calls in flight
	writes     chan struct{} // writes in flight (sitekit.WithMaxConcurrentWrites), nil: no cap
	jobs       *jobWatch

	newStyle atomic.Bool // the connection runs new-style jobs (core.set_options)
	scram    scramCache

	mu      sync.Mutex
	conn    *jsonrpc.Conn
	version string // API version in use ("v25.10.2"), known after the first connect
	closed  bool

	// System reads system information and version.
	System *SystemService
	// Pools reads storage pools.
	Pools *PoolsService
	// Datasets manages ZFS datasets (filesystems and volumes).
	Datasets *DatasetsService
	// Snapshots manages ZFS snapshots (zfs.snapshot.* on 25.04, pool.snapshot.* on 25.10+).
	Snapshots *SnapshotsService
	// SnapshotTasks manages periodic snapshot tasks.
	SnapshotTasks *SnapshotTasksService
	// NFSShares manages NFS exports.
	NFSShares *NFSSharesService
	// SMBShares manages SMB shares.
	SMBShares *SMBSharesService
	// Services manages system services (nfs, cifs, ssh, …).
	Services *ServicesService
	// Keychain manages SSH key pairs and SSH connections used by replication.
	KeychainCredentials *KeychainCredentialsService
	// Replications manages ZFS replication tasks.
	Replications *ReplicationsService
	// CloudCredentials manages cloud sync credentials (S3, B2, …).
	CloudCredentials *CloudCredentialsService
	// CloudSyncs manages cloud sync tasks.
	CloudSyncs *CloudSyncsService
	// Users manages local users.
	Users *UsersService
	// Alerts reads and dismisses alerts.
	Alerts *AlertsService
	// Jobs reads and waits for middleware jobs.
	Jobs *JobsService
}

// New returns a client for the appliance at baseURL ("https://nas.example" or
// "wss://nas.example"; any path is ignored). It validates options and does no I/O: the
// first call discovers the API version (unless pinned), connects and signs in.
//
// Credentials: sitekit.WithToken(apiKey) (optionally with [WithAPIKeyUser]) or
// sitekit.WithCredentials(user, password). An API key is refused over plain ws:// or http://
// to a non-loopback host, even with sitekit.WithPlainHTTP: TrueNAS revokes a key seen in clear.
func New(baseURL string, opts ...sitekit.Option) (*Client, error) {
	s, err := sitekit.Apply(opts...)
	if err != nil {
		return nil, err
	}
	if !s.Token.IsZero() && (s.Username != "" || !s.Password.IsZero()) {
		return nil, sitekit.Invalid("Token", "[redacted]", "set either an API key or username/password, not both")
	}
	if s.Token.IsZero() && s.Username == "" {
		return nil, sitekit.Invalid("Token", "", "an API key (sitekit.WithToken) or credentials (sitekit.WithCredentials) are required")
	}
	u, perr := url.Parse(baseURL)
	if perr == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "ws") && !s.Token.IsZero() && !sitekit.IsLoopback(u.Hostname()) {
		return nil, sitekit.Invalid("BaseURL", baseURL, "an API key over plain ws:// to a non-loopback host is revoked by TrueNAS; use https/wss")
	}
	u, err = rest.ParseBaseURL(baseURL, s)
	if err != nil {
		return nil, err
	}
	u.Path, u.RawPath = "", ""
	hc, err := rest.HTTPClient(s)
	if err != nil {
		return nil, err
	}
	hc = http11Only(hc)
	c := &Client{
		settings: s,
		base:     u,
		hc:       hc,
		poll:     2 * time.Second,
		sem:      make(chan struct{}, maxInFlight),
	}
	if v, ok := s.Value(apiVersionKey{}).(string); ok {
		c.pinned = v
	}
	if b, ok := s.Value(currentAPIKey{}).(bool); ok && b {
		if c.pinned != "" {
			return nil, sitekit.Invalid("APIVersion", c.pinned, "WithAPIVersion and WithCurrentAPI are exclusive")
		}
		c.useCurrent = true
	}
	if v, ok := s.Value(usernameKey{}).(string); ok {
		c.keyUser = v
	}
	if d, ok := s.Value(pollIntervalKey{}).(time.Duration); ok {
		c.poll = d
	}
	if s.MaxConcurrentWrites > 0 {
		c.writes = make(chan struct{}, s.MaxConcurrentWrites)
	}
	c.jobs = newJobWatch()
	c.System = &SystemService{c: c}
	c.Pools = &PoolsService{c: c}
	c.Datasets = &DatasetsService{c: c}
	c.Snapshots = &SnapshotsService{c: c}
	c.SnapshotTasks = &SnapshotTasksService{c: c}
	c.NFSShares = &NFSSharesService{c: c}
	c.SMBShares = &SMBSharesService{c: c}
	c.Services = &ServicesService{c: c}
	c.KeychainCredentials = &KeychainCredentialsService{c: c}
	c.Replications = &ReplicationsService{c: c}
	c.CloudCredentials = &CloudCredentialsService{c: c}
	c.CloudSyncs = &CloudSyncsService{c: c}
	c.Users = &UsersService{c: c}
	c.Alerts = &AlertsService{c: c}
	c.Jobs = &JobsService{c: c}
	return c, nil
}

// http11Only returns a copy of hc whose transport never negotiates HTTP/2: a WebSocket
// upgrade needs HTTP/1.1 and nginx on TrueNAS offers h2 through ALPN.
func http11Only(hc *http.Client) *http.Client {
	t, ok := hc.Transport.(*http.Transport)
	if !ok {
		return hc
	}
	t = t.Clone()
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	if t.TLSClientConfig != nil {
		t.TLSClientConfig.NextProtos = []string{"http/1.1"}
	}
	out := *hc
	out.Transport = t
	return &out
}

// BaseURL returns a copy of the URL the client was configured with (scheme, host and port;
// the path is dropped). Callers may modify the copy freely. Its Hostname() is the address by
// which this machine reaches the appliance, which other appliances may use too (the
// blueprint gives it to Xen Orchestra as the NFS server of the backup repository).
func (c *Client) BaseURL() *url.URL {
	u := *c.base
	if c.base.User != nil {
		user := *c.base.User
		u.User = &user
	}
	return &u
}

// Close closes the connection. Calls made afterwards fail.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		return c.conn.Close()
	}
	return nil
}

// APIVersion returns the API version in use ("v25.10.2"), discovering it (and connecting) if
// needed.
func (c *Client) APIVersion(ctx context.Context) (string, error) {
	conn, err := c.connection(ctx)
	if err != nil {
		return "", err
	}
	if err := conn.Connect(ctx); err != nil {
		return "", c.transportErr("connect", err, false)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, nil
}

// Connect connects and signs in now rather than on the first call, to check credentials early.
func (c *Client) Connect(ctx context.Context) error {
	_, err := c.APIVersion(ctx)
	return err
}

// connection returns the JSON-RPC connection, choosing the API version first.
func (c *Client) connection(ctx context.Context) (*jsonrpc.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("truenas: %w", jsonrpc.ErrClosed)
	}
	if c.conn != nil {
		return c.conn, nil
	}
	path := "/api/current"
	switch {
	case c.pinned != "":
		path = "/api/" + c.pinned
		c.version = c.pinned
	case !c.useCurrent:
		v, err := c.discover(ctx)
		if err != nil {
			return nil, err
		}
		path = "/api/" + v
		c.version = v
	}
	ws := *c.base
	switch ws.Scheme {
	case "https":
		ws.Scheme = "wss"
	case "http":
		ws.Scheme = "ws"
	}
	ws.Path = path
	opts := []jsonrpc.Option{
		jsonrpc.WithHTTPClient(c.hc),
		jsonrpc.WithOnConnect(c.signIn),
		jsonrpc.WithNotificationHandler(c.jobs.notify),
		jsonrpc.WithLogger(c.settings.Logger),
		jsonrpc.WithHeader(http.Header{"User-Agent": {c.settings.UserAgent}}),
	}
	conn, err := jsonrpc.New(ws.String(), opts...)
	if err != nil {
		return nil, err
	}
	c.conn = conn
	return conn, nil
}

// discover picks the newest known version listed by GET /api/versions.
func (c *Client) discover(ctx context.Context) (string, error) {
	u := *c.base
	switch u.Scheme {
	case "wss":
		u.Scheme = "https"
	case "ws":
		u.Scheme = "http"
	}
	u.Path = "/api/versions"
	ctx, cancel := context.WithTimeout(ctx, c.settings.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("User-Agent", c.settings.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", &rest.TransportError{Appliance: "truenas", Method: "GET", Path: "/api/versions", Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	n := len(body)
	if resp.StatusCode != http.StatusOK {
		return "", &APIError{Method: "GET", Path: "/api/versions", StatusCode: resp.StatusCode, Body: body}
	}
	var listed []string
	if err := json.Unmarshal(body[:n], &listed); err != nil {
		return "", fmt.Errorf("truenas: GET /api/versions: decode: %w", err)
	}
	v, ok := ChooseVersion(listed)
	if !ok {
		return "", fmt.Errorf("truenas: GET /api/versions: no supported API version among %q", listed)
	}
	return v, nil
}

// ChooseVersion returns the newest of listed that the client knows (see [KnownVersions]),
// else the newest listed version from v25.04.0 on (treated like the newest known one).
func ChooseVersion(listed []string) (string, bool) {
	best, bestKnown := "", ""
	for _, v := range listed {
		nv, ok := normalizeVersion(v)
		if !ok {
			continue
		}
		if slices.Contains(knownVersions, nv) && (bestKnown == "" || compareVersions(nv, bestKnown) > 0) {
			bestKnown = nv
		}
		if compareVersions(nv, "v25.04.0") >= 0 && (best == "" || compareVersions(nv, best) > 0) {
			best = nv
		}
	}
	if bestKnown != "" {
		return bestKnown, true
	}
	return best, best != ""
}

// normalizeVersion accepts "v25.10.2", "25.10.2" and "25.10" and returns "v25.10.2"/"v25.10.0".
func normalizeVersion(v string) (string, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return "", false
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil || p == "" {
			return "", false
		}
	}
	return "v" + strings.Join(parts, "."), true
}

func versionParts(v string) [3]int {
	var out [3]int
	for i, p := range strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3) {
		// "26.0.0-BETA.3": keep the leading digits only
		end := 0
		for end < len(p) && p[end] >= '0' && p[end] <= '9' {
			end++
		}
		out[i], _ = strconv.Atoi(p[:end])
	}
	return out
}

// compareVersions compares two versions ("v25.10.2" or "25.10.2").
func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := range pa {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// atLeast reports whether the API version in use is ≥ v. Call it after a successful call.
func (c *Client) atLeast(ctx context.Context, v string) (bool, error) {
	cur, err := c.APIVersion(ctx)
	if err != nil {
		return false, err
	}
	return compareVersions(cur, v) >= 0, nil
}

// rawCall calls on a given connection and maps JSON-RPC errors to *APIError.
func (c *Client) rawCall(ctx context.Context, conn *jsonrpc.Conn, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	err := conn.Call(ctx, method, params, result)
	if err == nil {
		return nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return decodeRPCError(method, je)
	}
	return err
}

// call runs one API method with positional params. write marks methods that change state:
// they wait for a slot of sitekit.WithMaxConcurrentWrites, and are re-sent only when the
// appliance refused them outright (-32000 or "Rate Limit Exceeded"): a write whose answer was
// lost (connection dropped, per-call timeout) is reported as sitekit.ErrOutcomeUnknown. Reads
// are retried on every transient failure. Retries follow sitekit.WithRetry; each attempt is
// bounded by sitekit.WithTimeout.
func (c *Client) call(ctx context.Context, method string, params []any, result any, write bool) error {
	if write && c.writes != nil {
		select {
		case c.writes <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-c.writes }()
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.sem }()
	policy := c.settings.Retry
	wait := policy.InitialInterval
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, method, params, result, write)
		if err == nil || attempt >= policy.MaxAttempts || ctx.Err() != nil || !c.retryable(err, write) {
			return err
		}
		d := jitter(wait)
		wait = min(wait*2, policy.MaxInterval)
		c.settings.Logger.Debug("truenas retry", "method", method, "attempt", attempt, "wait", d, "error", err)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// attempt sends one call, bounded by the per-call timeout.
func (c *Client) attempt(ctx context.Context, method string, params []any, result any, write bool) error {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if ctx.Value(noTimeoutKey{}) == nil {
		actx, cancel = context.WithTimeout(ctx, c.settings.Timeout)
	}
	defer cancel()
	conn, err := c.connection(actx)
	if err != nil {
		return c.transportErr(method, err, false)
	}
	err = c.rawCall(actx, conn, method, params, result)
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) || ctx.Err() != nil {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The per-call timeout expired while the call was in flight.
		return c.lostAnswer(method, fmt.Errorf("no answer within %s: %w", c.settings.Timeout, err), write)
	}
	return c.transportErr(method, err, write)
}

// retryable reports whether err may be retried: a read after any transient failure, a write
// only when the appliance refused it without running it.
func (c *Client) retryable(err error, write bool) bool {
	if errors.Is(err, sitekit.ErrRateLimited) {
		return true
	}
	if write {
		var te *rest.TransportError
		return errors.As(err, &te) && !te.Sent
	}
	var ae *APIError
	if errors.As(err, &ae) || errors.Is(err, jsonrpc.ErrClosed) {
		return false
	}
	var te *rest.TransportError
	return errors.As(err, &te)
}

// jitter returns d ± 50%.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + time.Duration(rand.Int64N(int64(d)))
}

func (c *Client) lostAnswer(method string, err error, write bool) error {
	c.mu.Lock()
	path := "/api/" + c.version
	c.mu.Unlock()
	return &rest.TransportError{Appliance: "truenas", Method: method, Path: path, Err: err, Sent: true, Unknown: write}
}

func (c *Client) transportErr(method string, err error, write bool) error {
	var ae *APIError
	if errors.As(err, &ae) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jsonrpc.ErrClosed) {
		return err
	}
	var te *rest.TransportError
	if errors.As(err, &te) {
		return err
	}
	c.mu.Lock()
	path := "/api/" + c.version
	c.mu.Unlock()
	lost := errors.Is(err, sitekit.ErrOutcomeUnknown)
	return &rest.TransportError{Appliance: "truenas", Method: method, Path: path, Err: err, Sent: lost, Unknown: lost && write}
}
