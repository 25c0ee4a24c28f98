package xo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/rest"
)

// DefaultClientID is the token client id used when bootstrapping a token with Basic
// credentials: XO refreshes and returns the existing unexpired token of the same user and
// client id instead of minting a new one, so re-runs reuse it.
const DefaultClientID = "sitekit"

// DefaultPollInterval is the pause between two polls of a waiter (tasks without server-side
// wait, power state, PV drivers, IP addresses).
const DefaultPollInterval = 2 * time.Second

const restPrefix = rest.Raw("rest/v0")

type clientIDKey struct{}
type pollKey struct{}

// WithClientID sets the client id under which a token is bootstrapped from Basic credentials
// (default [DefaultClientID]). Use one stable id per tool.
func WithClientID(id string) sitekit.Option {
	return func(s *sitekit.Settings) error {
		if strings.TrimSpace(id) == "" {
			return sitekit.Invalid("ClientID", id, "must not be empty")
		}
		s.Set(clientIDKey{}, id)
		return nil
	}
}

// WithPollInterval sets the pause between two polls of a waiter (default [DefaultPollInterval]).
func WithPollInterval(d time.Duration) sitekit.Option {
	return func(s *sitekit.Settings) error {
		if d <= 0 {
			return sitekit.Invalid("PollInterval", d, "must be positive")
		}
		s.Set(pollKey{}, d)
		return nil
	}
}

// Client talks to one Xen Orchestra instance: REST /rest/v0 for everything it covers and
// JSON-RPC over WebSocket (/api/) for backup jobs, schedules and remotes. Safe for concurrent use.
type Client struct {
	rest     *rest.Client
	settings sitekit.Settings
	clientID string
	poll     time.Duration

	authMu sync.Mutex
	token  sitekit.Secret

	rpcMu     sync.Mutex
	rpc       *jsonrpc.Conn
	rpcWrites chan struct{} // JSON-RPC writes in flight (sitekit.WithMaxConcurrentWrites)

	// Pools reads pools (/pools).
	Pools *PoolsService
	// Hosts reads hosts (/hosts).
	Hosts *HostsService
	// PIFs reads physical and VLAN interfaces (/pifs).
	PIFs *PIFsService
	// Networks reads, creates (VLAN on a PIF) and deletes networks.
	Networks *NetworksService
	// SRs reads, creates (NFS) and deletes storage repositories.
	SRs *SRsService
	// Templates reads VM templates (/vm-templates).
	Templates *TemplatesService
	// VMs creates, reads, updates, tags, powers and deletes VMs; waits for power state, PV
	// drivers and IP addresses.
	VMs *VMsService
	// VIFs reads virtual interfaces (/vifs).
	VIFs *VIFsService
	// VDIs reads virtual disks (/vdis).
	VDIs *VDIsService
	// VBDs reads virtual block devices (/vbds).
	VBDs *VBDsService
	// Tasks reads and waits for tasks (/tasks).
	Tasks *TasksService
	// Servers registers XCP-ng pool masters in XO (/servers).
	Servers *ServersService
	// BackupRepositories manages backup remotes (/backup-repositories, remote.* over JSON-RPC).
	BackupRepositories *BackupRepositoriesService
	// BackupJobs manages VM backup jobs (REST reads, backupNg.* over JSON-RPC).
	BackupJobs *BackupJobsService
	// MetadataBackupJobs manages metadata backup jobs: pool metadata and XO configuration
	// (REST reads, metadataBackup.* over JSON-RPC).
	MetadataBackupJobs *MetadataBackupJobsService
	// Schedules manages backup schedules (REST reads and run, schedule.* over JSON-RPC).
	Schedules *SchedulesService
	// BackupLogs reads backup run logs (/backup-logs).
	BackupLogs *BackupLogsService
	// Alarms reads alarms (/alarms).
	Alarms *AlarmsService
	// Dashboard reads the XOA-wide dashboard (/dashboard).
	Dashboard *DashboardService
	// Tokens creates authentication tokens (/users/me/authentication_tokens).
	Tokens *TokensService
}

// New returns a client for the XO at baseURL (e.g. "https://xo.example"). It validates the
// options and does no I/O. Authenticate with sitekit.WithToken (preferred) or
// sitekit.WithCredentials (a token is then bootstrapped on first use with Basic auth).
func New(baseURL string, opts ...sitekit.Option) (*Client, error) {
	s, err := sitekit.Apply(opts...)
	if err != nil {
		return nil, err
	}
	if s.Token.IsZero() && (s.Username == "" || s.Password.IsZero()) {
		return nil, sitekit.Invalid("Token", nil, "need sitekit.WithToken or sitekit.WithCredentials")
	}
	c := &Client{settings: s, clientID: DefaultClientID, poll: DefaultPollInterval, token: s.Token}
	if v, ok := s.Value(clientIDKey{}).(string); ok {
		c.clientID = v
	}
	if v, ok := s.Value(pollKey{}).(time.Duration); ok {
		c.poll = v
	}
	if s.MaxConcurrentWrites > 0 {
		c.rpcWrites = make(chan struct{}, s.MaxConcurrentWrites)
	}
	rc, err := rest.New(rest.Config{
		Appliance: "xo", BaseURL: baseURL, Settings: s,
		Classify: classify, DecodeError: decodeError, Authorize: c.authorize,
	})
	if err != nil {
		return nil, err
	}
	c.rest = rc
	c.Pools = &PoolsService{c, collection[Pool]{c: c, path: "pools", nameProp: "name_label"}}
	c.Hosts = &HostsService{c, collection[Host]{c: c, path: "hosts", nameProp: "name_label", poolScoped: true}}
	c.PIFs = &PIFsService{c, collection[PIF]{c: c, path: "pifs"}}
	c.Networks = &NetworksService{c, collection[Network]{c: c, path: "networks", nameProp: "name_label", poolScoped: true}}
	c.SRs = &SRsService{c, collection[SR]{c: c, path: "srs", nameProp: "name_label", poolScoped: true}}
	c.Templates = &TemplatesService{c, collection[Template]{c: c, path: "vm-templates", nameProp: "name_label", poolScoped: true}}
	c.VMs = &VMsService{c, collection[VM]{c: c, path: "vms", nameProp: "name_label", poolScoped: true}}
	c.VIFs = &VIFsService{c, collection[VIF]{c: c, path: "vifs"}}
	c.VDIs = &VDIsService{c, collection[VDI]{c: c, path: "vdis", nameProp: "name_label", poolScoped: true}}
	c.VBDs = &VBDsService{c, collection[VBD]{c: c, path: "vbds"}}
	c.Tasks = &TasksService{c, collection[Task]{c: c, path: "tasks"}}
	c.Servers = &ServersService{c, collection[Server]{c: c, path: "servers", nameProp: "label"}}
	c.BackupRepositories = &BackupRepositoriesService{c, collection[BackupRepository]{c: c, path: "backup-repositories", nameProp: "name"}}
	c.BackupJobs = &BackupJobsService{c, collection[BackupJob]{c: c, path: "backup-jobs", nameProp: "name"}}
	c.Schedules = &SchedulesService{c, collection[Schedule]{c: c, path: "schedules", nameProp: "name"}}
	c.BackupLogs = &BackupLogsService{c, collection[BackupLog]{c: c, path: "backup-logs"}}
	c.Alarms = &AlarmsService{c, collection[Alarm]{c: c, path: "alarms"}}
	c.MetadataBackupJobs = &MetadataBackupJobsService{c, collection[MetadataBackupJob]{c: c, path: "backup-jobs", nameProp: "name"}}
	c.Dashboard = &DashboardService{c}
	c.Tokens = &TokensService{c}
	return c, nil
}

// Close closes the JSON-RPC connection if one was opened. The client must not be used after.
func (c *Client) Close() error {
	c.rpcMu.Lock()
	defer c.rpcMu.Unlock()
	if c.rpc != nil {
		err := c.rpc.Close()
		c.rpc = nil
		return err
	}
	return nil
}

// BaseURL returns the XO base URL the client talks to.
func (c *Client) BaseURL() string { return c.rest.BaseURL().String() }

type basicAuthKey struct{}

// authorize adds the authenticationToken cookie, or Basic credentials for the token bootstrap.
func (c *Client) authorize(ctx context.Context, h http.Header) error {
	if ctx.Value(basicAuthKey{}) != nil {
		r := http.Request{Header: h}
		r.SetBasicAuth(c.settings.Username, c.settings.Password.Reveal())
		return nil
	}
	tok, err := c.authToken(ctx)
	if err != nil {
		return err
	}
	h.Set("Cookie", "authenticationToken="+tok.Reveal())
	return nil
}

// authToken returns the configured token, bootstrapping one from Basic credentials once.
func (c *Client) authToken(ctx context.Context) (sitekit.Secret, error) {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	if !c.token.IsZero() {
		return c.token, nil
	}
	tok, err := c.Tokens.Create(ctx, TokenRequest{ClientID: c.clientID, Description: "sitekit " + c.clientID})
	if err != nil {
		return sitekit.Secret{}, fmt.Errorf("xo: bootstrap token: %w", err)
	}
	c.token = tok.Token
	return c.token, nil
}

// rpcConn returns the lazily created JSON-RPC connection to wss://<host>/api/.
func (c *Client) rpcConn() (*jsonrpc.Conn, error) {
	c.rpcMu.Lock()
	defer c.rpcMu.Unlock()
	if c.rpc != nil {
		return c.rpc, nil
	}
	u := c.rest.BaseURL()
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/api/"
	var header http.Header
	if c.settings.UserAgent != "" {
		header = http.Header{"User-Agent": {c.settings.UserAgent}}
	}
	conn, err := jsonrpc.New(u.String(),
		jsonrpc.WithHTTPClient(c.rest.HTTP()),
		jsonrpc.WithHeader(header),
		jsonrpc.WithLogger(c.settings.Logger),
		jsonrpc.WithOnConnect(func(ctx context.Context, conn *jsonrpc.Conn) error {
			tok, err := c.authToken(ctx)
			if err != nil {
				return err
			}
			return conn.Call(ctx, "session.signIn", map[string]string{"token": tok.Reveal()}, nil)
		}))
	if err != nil {
		return nil, err
	}
	c.rpc = conn
	return conn, nil
}

// call performs a JSON-RPC call with the client's settings, mapping errors to *APIError:
// each attempt is bounded by sitekit.WithTimeout (except the runJob methods, which last as
// long as the run: ctx bounds them); writes wait for a slot of
// sitekit.WithMaxConcurrentWrites; a call that could not be sent (dial failure) and a read
// whose connection dropped are attempted again per sitekit.WithRetry, with backoff. A write
// whose connection dropped is never re-sent: its outcome is unknown.
func (c *Client) call(ctx context.Context, method string, params, result any) error {
	conn, err := c.rpcConn()
	if err != nil {
		return err
	}
	write := !idempotentRPC(method)
	if write && c.rpcWrites != nil {
		select {
		case c.rpcWrites <- struct{}{}:
			defer func() { <-c.rpcWrites }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	policy := c.settings.Retry.WithDefaults()
	wait := policy.InitialInterval
	for attempt := 1; ; attempt++ {
		err = c.attempt(ctx, conn, method, params, result)
		if err == nil || attempt >= policy.MaxAttempts || ctx.Err() != nil {
			break
		}
		var ce *jsonrpc.ConnError
		dialFailed := errors.As(err, &ce) && ce.Op == "dial"
		if !dialFailed && (write || !errors.Is(err, sitekit.ErrOutcomeUnknown)) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, policy.MaxInterval)
	}
	if err == nil {
		return nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return rpcError(method, je)
	}
	if errors.Is(err, sitekit.ErrOutcomeUnknown) {
		return &outcomeUnknownError{method: method, err: err}
	}
	return fmt.Errorf("xo: %s: %w", method, err)
}

// attempt is one JSON-RPC call, bounded by the per-attempt timeout.
func (c *Client) attempt(ctx context.Context, conn *jsonrpc.Conn, method string, params, result any) error {
	if !strings.HasSuffix(method, ".runJob") {
		timeout := c.settings.Timeout
		if timeout <= 0 {
			timeout = defaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return conn.Call(ctx, method, params, result)
}

// defaultTimeout bounds one attempt when sitekit.WithTimeout is not given.
const defaultTimeout = 30 * time.Second

// idempotentRPC reports whether method only reads (safe to re-send after a drop).
func idempotentRPC(method string) bool {
	_, m, _ := strings.Cut(method, ".")
	return strings.HasPrefix(m, "get") || m == "test"
}

// outcomeUnknownError is a JSON-RPC call whose connection dropped after sending.
type outcomeUnknownError struct {
	method string
	err    error
}

func (e *outcomeUnknownError) Error() string {
	return "xo: " + e.method + ": " + e.err.Error()
}
func (e *outcomeUnknownError) Unwrap() []error { return []error{e.err, sitekit.ErrOutcomeUnknown} }

// wait pauses for the poll interval, or returns ctx's error.
func (c *Client) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(c.poll):
		return nil
	}
}
