package xotest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/simkit"
	"github.com/sitekit/sitekit/xo"
)

//go:embed protos.json
var protosJSON []byte

//go:embed requests.json
var requestsJSON []byte

// Default credentials of a simulator.
const (
	DefaultUsername = "admin@admin.net"
	DefaultPassword = "admin"
)

type config struct {
	faults     simkit.Faults
	plain      bool
	addr       string
	pvPolls    int
	ipPolls    int
	taskPolls  int
	ignoreWait bool
	legacyBody bool
	seed       uint64
	empty      bool
}

// Option configures a Server.
type Option func(*config)

// WithFaults sets the fault injection (seeded, deterministic) applied to REST calls and
// JSON-RPC messages.
func WithFaults(f simkit.Faults) Option { return func(c *config) { c.faults = f } }

// WithPlainHTTP serves http:// instead of TLS.
func WithPlainHTTP() Option { return func(c *config) { c.plain = true } }

// WithAddr listens on addr instead of a random loopback port.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithBootPolls sets after how many reads of a started VM (GET /vms/<id>) it reports PV
// drivers and then its IP address (defaults 1 and 2). 0 means at once.
func WithBootPolls(pvDrivers, ip int) Option {
	return func(c *config) { c.pvPolls, c.ipPolls = pvDrivers, ip }
}

// WithTaskPolls keeps each task pending for n plain reads (GET /tasks/<id> without wait) so
// that polling clients are exercised; wait=true still completes it at once unless
// [WithIgnoreWait].
func WithTaskPolls(n int) Option { return func(c *config) { c.taskPolls = n } }

// WithIgnoreWait makes GET /tasks/<id>?wait=true answer at once like a plain read (XO ≤ 5.109
// waited only for the next state change): clients must poll.
func WithIgnoreWait() Option { return func(c *config) { c.ignoreWait = true } }

// WithLegacyTaskBody answers async actions with a text/plain body "/rest/v0/tasks/<id>"
// (XO before 5.113) instead of {"taskId"}.
func WithLegacyTaskBody() Option { return func(c *config) { c.legacyBody = true } }

// WithSeed sets the random seed: generated ids derive from it (default 1), so a run is
// reproducible.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithoutFactoryData starts the simulator without the pool, host, storage, networks,
// templates and alarm a fresh install connected to one XCP-ng host holds: only the admin
// user and its token exist.
func WithoutFactoryData() Option { return func(c *config) { c.empty = true } }

// Server is a running XO simulator.
type Server struct {
	// Ids of the factory data (empty with [WithoutFactoryData]).
	PoolID, HostID, LocalSRID, ManagementNetworkID, Eth0PIFID, Eth1PIFID string
	DebianTemplateID, WindowsTemplateID, UserID                          string

	url, token, username, password, fingerprint string

	cfg     config
	handler http.Handler
	srv     *httptest.Server
	inj     *simkit.Injector
	rpc     *jsonrpc.Server
	reqs    map[string]schema

	mu       sync.Mutex
	seq      uint64
	clock    int64 // simulated time, Unix ms; advances on every mutation
	protos   map[string]map[string]any
	objs     map[string]map[string]map[string]any // collection → id → object
	tokens   map[string]*tokenInfo
	boots    map[string]*bootState
	drives   map[string]ConfigDrive
	tasks    map[string]*taskState
	running  map[string]bool
	backupFn func(job map[string]any) error
	nextIP   int
}

type tokenInfo struct {
	ID, UserID, ClientID, Description string
	Created, Expiration               int64
	Expired                           bool
}

// ConfigDrive is what create_vm wrote to a VM's "XO CloudConfigDrive" VDI.
type ConfigDrive struct {
	VDI           string
	UserData      string
	NetworkConfig string
	MetaData      string
}

// NewServer starts a simulator (TLS with a fresh self-signed certificate unless
// [WithPlainHTTP]). Close it when done, or use [NewTestServer] in tests.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{pvPolls: 1, ipPolls: 2, seed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, username: DefaultUsername, password: DefaultPassword, inj: simkit.NewInjector(cfg.faults),
		objs: map[string]map[string]map[string]any{}, tokens: map[string]*tokenInfo{}, boots: map[string]*bootState{},
		drives: map[string]ConfigDrive{}, tasks: map[string]*taskState{}, running: map[string]bool{}, clock: 1767225600000}
	if err := json.Unmarshal(protosJSON, &s.protos); err != nil {
		return nil, fmt.Errorf("xotest: protos: %w", err)
	}
	var reqs map[string]struct {
		Schema schema `json:"schema"`
	}
	if err := json.Unmarshal(requestsJSON, &reqs); err != nil {
		return nil, fmt.Errorf("xotest: request schemas: %w", err)
	}
	s.reqs = map[string]schema{}
	for k, v := range reqs {
		s.reqs[k] = v.Schema
	}
	s.seedObjects()
	s.rpc = &jsonrpc.Server{Handler: s.handleRPC}
	mux := http.NewServeMux()
	s.routes(mux)
	rest := s.inj.Middleware(mux, counterKey)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/" {
			s.rpc.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	})
	srv, fp, err := simkit.Start(s.handler, cfg.addr, !cfg.plain)
	if err != nil {
		return nil, err
	}
	s.srv, s.url, s.fingerprint = srv, srv.URL, fp
	return s, nil
}

// NewTestServer starts a simulator for a test: it fails tb when the server cannot start and
// closes the server at tb's cleanup.
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("xotest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL returns the base URL (https://127.0.0.1:<port>, http:// with [WithPlainHTTP]).
func (s *Server) URL() string { return s.url }

// Token returns a valid authentication token of the admin user.
func (s *Server) Token() string { return s.token }

// Username returns the admin's user name (Basic auth, session.signIn).
func (s *Server) Username() string { return s.username }

// Password returns the admin's password.
func (s *Server) Password() string { return s.password }

// Fingerprint returns the SHA-256 of the TLS certificate as colon-separated hex (empty with
// [WithPlainHTTP]).
func (s *Server) Fingerprint() string { return s.fingerprint }

// Handler returns the simulator's HTTP handler (REST with faults and counters, and the
// JSON-RPC WebSocket endpoint), e.g. for an in-memory transport.
func (s *Server) Handler() http.Handler { return s.handler }

// Faults returns the fault injector and call counters. REST calls are counted under
// "METHOD /rest/v0/<collection>/{id}/…" (ids replaced), JSON-RPC calls under "RPC <method>".
func (s *Server) Faults() *simkit.Injector { return s.inj }

// DropConnections closes every JSON-RPC connection (to exercise client reconnects) and
// returns how many there were.
func (s *Server) DropConnections() int { return s.rpc.DropAll() }

// Client returns an xo client for this server, pinned to its certificate (or allowed plain
// HTTP with [WithPlainHTTP]) and authenticated with its token; opts are appended.
func (s *Server) Client(opts ...sitekit.Option) (*xo.Client, error) {
	base := []sitekit.Option{sitekit.WithToken(sitekit.NewSecret(s.token))}
	if s.fingerprint != "" {
		base = append(base, sitekit.WithCertSHA256(s.fingerprint))
	} else {
		base = append(base, sitekit.WithPlainHTTP())
	}
	return xo.New(s.url, append(base, opts...)...)
}

// counterKey normalises a request path for the call counters.
func counterKey(r *http.Request) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// rest v0 <coll> <id> <sub> <x>
	if len(parts) >= 4 && parts[0] == "rest" && parts[1] == "v0" {
		parts[3] = "{id}"
		if len(parts) >= 6 && parts[4] == "tags" {
			parts[5] = "{tag}"
		}
	}
	return r.Method + " /" + strings.Join(parts, "/")
}

// Writes returns the number of REST calls other than GET and JSON-RPC calls that mutate,
// counted so far (for "nothing was sent" assertions).
func (s *Server) Writes() int {
	n := 0
	for k, v := range s.inj.CallCounts() {
		if strings.HasPrefix(k, "GET ") || k == "RPC session.signIn" || strings.HasPrefix(k, "RPC system.") || strings.Contains(k, ".get") {
			continue
		}
		n += v
	}
	return n
}

// newID returns a deterministic UUID.
func (s *Server) newID() string {
	s.seq++
	x := s.seq*0x9e3779b97f4a7c15 ^ s.cfg.seed
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", uint32(x>>32), uint16(x>>16), s.seq&0xfff, uint16(x)&0xfff, s.seq*7919+s.cfg.seed)
}

func (s *Server) now() int64 {
	s.clock += 1000
	return s.clock
}

// clone deep-copies a JSON-like value.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = clone(e)
		}
		return a
	}
	return v
}

func (s *Server) proto(kind string) map[string]any { return clone(s.protos[kind]).(map[string]any) }

func (s *Server) put(coll string, obj map[string]any) {
	if s.objs[coll] == nil {
		s.objs[coll] = map[string]map[string]any{}
	}
	s.objs[coll][obj["id"].(string)] = obj
}

func (s *Server) get(coll, id string) map[string]any {
	return s.objs[coll][id]
}

// Object returns a deep copy of object id of collection coll ("vms", "networks", …), or nil.
func (s *Server) Object(coll, id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.get(coll, id)
	if o == nil {
		return nil
	}
	return clone(o).(map[string]any)
}

// Count returns the number of objects in collection coll.
func (s *Server) Count(coll string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objs[coll])
}

// Put inserts or replaces an object (seeding helper for tests: e.g. a second template with a
// duplicate name). obj must have an "id".
func (s *Server) Put(coll string, obj map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(coll, clone(obj).(map[string]any))
}

// ConfigDriveOf returns the config drive create_vm wrote for VM id.
func (s *Server) ConfigDriveOf(id string) (ConfigDrive, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drives[id]
	return d, ok
}

// ExpireTokens makes every token expired (401 on use).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.Expired = true
	}
}

// SetBackupResult makes backup runs call fn for each job (nil error: success). nil restores
// the default (success when the job's VMs pattern matches at least one VM).
func (s *Server) SetBackupResult(fn func(job map[string]any) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.backupFn = fn
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// xoErr is an error as XO's REST error handler renders it.
type xoErr struct {
	status int
	msg    any // string, or map for validation errors
	data   any
	// xapi marks an XapiError: its REST body has no data (the error has code and params
	// properties, not data) and an info line; a task's result keeps code and params.
	xapi       bool
	xapiCode   string
	xapiParams []any
}

func (e *xoErr) Error() string { return fmt.Sprint(e.msg) }

func writeErr(w http.ResponseWriter, e *xoErr) {
	body := map[string]any{"error": e.msg}
	if e.data != nil && !e.xapi {
		body["data"] = e.data
	}
	if e.xapi {
		body["info"] = "This is a XenServer/XCP-ng error, not an XO error"
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="xo"`)
	}
	writeJSON(w, e.status, body)
}

func noSuch(kind, id string) *xoErr {
	return &xoErr{status: 404, msg: "no such " + kind + " " + id, data: map[string]any{"id": id, "type": kind}}
}

// xapiErr is an XAPI error (500 in REST, task failure in async actions), whose message is
// CODE(param, …) as xen-api's XapiError renders it.
func xapiErr(code string, params ...string) *xoErr {
	ps := make([]any, len(params))
	for i, p := range params {
		ps[i] = p
	}
	return &xoErr{status: 500, msg: code + "(" + strings.Join(params, ", ") + ")", xapi: true, xapiCode: code, xapiParams: ps}
}

func invalidParams(fields map[string]string) *xoErr {
	m := map[string]any{}
	for k, v := range fields {
		m[k] = map[string]any{"message": v}
	}
	return &xoErr{status: 422, msg: m, data: map[string]any{}}
}
