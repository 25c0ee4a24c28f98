// Package truenastest is an in-process TrueNAS simulator speaking the middleware's JSON-RPC
// 2.0 over WebSocket at /api/<version> (and /api/current), with GET /api/versions, in the
// spirit of net/http/httptest: the error envelopes of the middleware (-32602 validation
// triples, -32001 CallError with errno names, MatchNotFound, InstanceNotFound), sign-in by
// API key, password or SCRAM-SHA-512 (and revocation of a key sent in clear over plain ws://
// from a non-loopback peer), legacy and new-style jobs (core.set_options; core.get_jobs and
// collection_update events report progress), query filters and options, per-version method
// sets (zfs.snapshot.* vs pool.snapshot.*, service.start vs service.control, SMB purposes),
// and stateful pools, datasets, snapshots, tasks, shares, credentials, services, users and
// alerts whose references are checked. It starts with the pool "tank" (see
// [WithoutFactoryData]).
//
// Jobs advance on a simulated clock: with the default duration 0 they finish at once;
// [WithJobDuration] makes them last, and [Server.AdvanceJobs] (or [WithJobTicker] for
// long-running demos) moves them forward, so tests never sleep.
//
// # Fidelity
//
// Reproduced, from the middleware's source at TS-25.04.2.6, TS-25.10.6 and TS-26.0.0-BETA.3
// and the vendor's client truenas/api_client: the served API versions per release; the
// error frames; auth.mechanism_choices per release (SCRAM from 26.0); the SCRAM exchange of
// auth.login_ex (user "name:<key id>" for API keys, plain name for passwords, negotiated
// tls-server-end-point channel binding, refused over plain ws://), checked against vectors
// made with api_client's own SCRAM code; core.set_options (legacy_jobs honoured on endpoints
// from v25.10.0, null answer on older ones) and new-style jobs (the call is answered with
// the job's result or error when it ends; events carry message_ids); core.get_jobs with every
// query option; keychaincredential.delete (an in-use credential is refused with a validation
// error on options.cascade; cascade disables dependent replication tasks, which lose their
// credentials, and deletes dependent SSH connections) and used_by; pool.snapshottask.run
// (refused for a disabled task, else queued: the snapshot is taken when the clock moves);
// replication.run refused for a disabled task; dataset deletion with children (ENOTEMPTY).
//
// Not reproduced: OTP and token sign-in, rate limiting of unauthenticated calls, message size
// limits, HA, iSCSI, apps, TrueCloud backup, real ZFS space accounting (used/available are
// constants), SMB purposes' option presets, and snapshot retention. SCRAM credentials use
// 50000 PBKDF2 iterations (the protocol minimum) where TrueNAS stores API keys with 500000,
// to keep sign-ins cheap. Uncertain, marked inferred in the tests: that the mechanism list
// does not depend on the endpoint version, that a SCRAM sign-in over plain ws:// does not
// revoke the key (it is never sent), the default values the simulator fills for users.
package truenastest

import (
	"context"
	crand "crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/simkit"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/internal/scram"
)

// Releases the simulator can impersonate, with the API versions each serves (the api/vXX_YY_Z
// directories of the middleware at TS-25.04.2.6, TS-25.10.6 and TS-26.0.0-BETA.3).
var releases = map[string]struct {
	versionShort string
	versions     []string
}{
	"25.04": {"25.04.2.6", []string{"v25.04.0", "v25.04.1", "v25.04.2"}},
	"25.10": {"25.10.6", []string{"v25.04.0", "v25.04.1", "v25.04.2", "v25.10.0", "v25.10.1", "v25.10.2", "v25.10.3", "v25.10.4", "v25.10.5"}},
	"26.0":  {"26.0.0", []string{"v25.04.0", "v25.04.1", "v25.04.2", "v25.10.0", "v25.10.1", "v25.10.2", "v25.10.3", "v25.10.4", "v25.10.5", "v26.0.0"}},
}

// Option configures a Server.
type Option func(*config) error

type config struct {
	release       string
	tls           bool
	seed          uint64
	seeded        bool
	noFactory     bool
	addr          string
	apiKey        string
	username      string
	password      string
	jobDuration   time.Duration
	jobTicker     time.Duration
	faults        simkit.Faults
	pretendRemote bool
}

// WithRelease selects the TrueNAS release impersonated: "25.04", "25.10" or "26.0" (default).
func WithRelease(r string) Option {
	return func(c *config) error {
		if _, ok := releases[r]; !ok {
			return fmt.Errorf("truenastest: unknown release %q (25.04, 25.10, 26.0)", r)
		}
		c.release = r
		return nil
	}
}

// WithPlainHTTP serves plain http:// and ws:// (default: TLS with a fresh self-signed
// certificate).
func WithPlainHTTP() Option { return func(c *config) error { c.tls = false; return nil } }

// WithSeed sets the random seed of generated identifiers (API key, UUIDs, boot id) and the
// default seed of injected faults, so a run is reproducible. Without it the random seed is drawn at start.
func WithSeed(seed uint64) Option {
	return func(c *config) error { c.seed, c.seeded = seed, true; return nil }
}

// WithoutFactoryData starts without the pool "tank" (and so without datasets): an appliance
// before its first pool is created. Built-in users and services are always present. Add
// pools with [Server.AddPool].
func WithoutFactoryData() Option { return func(c *config) error { c.noFactory = true; return nil } }

// WithAddr listens on addr (default: a random loopback port).
func WithAddr(addr string) Option { return func(c *config) error { c.addr = addr; return nil } }

// WithAPIKey sets the API key accepted for the user "truenas_admin" (default: random).
func WithAPIKey(key string) Option { return func(c *config) error { c.apiKey = key; return nil } }

// WithPassword sets the password of "truenas_admin" for PASSWORD_PLAIN sign-in.
func WithPassword(p string) Option { return func(c *config) error { c.password = p; return nil } }

// WithJobDuration makes every job last d of simulated time (default 0: jobs finish at once).
func WithJobDuration(d time.Duration) Option {
	return func(c *config) error { c.jobDuration = d; return nil }
}

// WithJobTicker advances jobs by tick every tick of real time (for demos such as
// examples/simulators; tests use AdvanceJobs instead).
func WithJobTicker(tick time.Duration) Option {
	return func(c *config) error { c.jobTicker = tick; return nil }
}

// WithFaults configures fault injection (see simkit.Faults).
func WithFaults(f simkit.Faults) Option { return func(c *config) error { c.faults = f; return nil } }

// WithPretendRemote treats every peer as non-loopback, to exercise the rule that an API key
// used over plain ws:// from the network is revoked.
func WithPretendRemote() Option { return func(c *config) error { c.pretendRemote = true; return nil } }

// Server is a running simulator, safe for concurrent use.
type Server struct {
	url         string
	fingerprint string

	cfg  config
	http *httptest.Server
	rpc  *jsonrpc.Server
	inj  *simkit.Injector
	stop chan struct{}

	binding   []byte // tls-server-end-point of the certificate, nil without TLS
	scramSalt []byte

	mu         sync.Mutex
	scramCache map[string]scram.Keys // "key" or "password" → derived keys
	st         *state
	jobWake    chan struct{}
	keyState   map[string]bool // api key → revoked
}

type session struct {
	version string // endpoint version, "v25.10.2"
	authed  bool
	user    string
	subs    map[string]string // uuid → event name
	secure  bool
	tls     bool // over TLS (channel binding possible)
	flight  int  // calls in progress on this connection
	// core.set_options; legacyJobs starts true on every connection.
	legacyJobs, privateMethods, pyExceptions bool
	scram                                    *scramState // SCRAM exchange in progress
}

// maxInFlight is the middleware's hard cap of concurrent calls per connection.
const maxInFlight = 20

// NewServer starts a simulator (TLS on). Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{release: "26.0", tls: true, username: "truenas_admin"}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if !cfg.seeded {
		cfg.seed = cryptoSeed()
	}
	if cfg.faults.Seed == 0 {
		cfg.faults.Seed = cfg.seed
	}
	rng := rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x5851f42d4c957f2d))
	if cfg.apiKey == "" {
		cfg.apiKey = "1-" + randomHex(rng, 32)
	}
	if cfg.password == "" {
		cfg.password = randomHex(rng, 8)
	}
	s := &Server{cfg: cfg, inj: simkit.NewInjector(cfg.faults), stop: make(chan struct{}), jobWake: make(chan struct{}),
		keyState: map[string]bool{cfg.apiKey: false}}
	s.st = newState(releases[cfg.release].versionShort, rng, !cfg.noFactory)
	s.scramSalt = []byte(s.st.hex(16))
	s.rpc = &jsonrpc.Server{Handler: s.handle, OnPeer: s.onPeer, ReadLimit: 64 << 10}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/versions", s.versions)
	mux.HandleFunc("GET /api/boot_id", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.st.bootID)
	})
	mux.HandleFunc("/api/{version}", s.upgrade)
	srv, fp, err := simkit.Start(mux, cfg.addr, cfg.tls)
	if err != nil {
		return nil, err
	}
	s.http, s.url, s.fingerprint = srv, srv.URL, fp
	if srv.TLS != nil && len(srv.TLS.Certificates) > 0 {
		if cert, err := x509.ParseCertificate(srv.TLS.Certificates[0].Certificate[0]); err == nil {
			s.binding, _ = scram.EndPoint(cert)
		}
	}
	if cfg.jobTicker > 0 {
		go func() {
			t := time.NewTicker(cfg.jobTicker)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					s.AdvanceJobs(cfg.jobTicker)
				case <-s.stop:
					return
				}
			}
		}()
	}
	return s, nil
}

// NewTestServer starts a simulator closed by tb.Cleanup; it fails tb on error.
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("truenastest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and drops every connection.
func (s *Server) Close() {
	select {
	case <-s.stop:
		return
	default:
		close(s.stop)
	}
	s.rpc.DropAll()
	s.http.Close()
}

// URL returns the base URL: https://127.0.0.1:port, or http:// with [WithPlainHTTP].
func (s *Server) URL() string { return s.url }

// Fingerprint returns the SHA-256 fingerprint (hex) of the TLS certificate, "" without TLS.
func (s *Server) Fingerprint() string { return s.fingerprint }

// APIKey returns the API key of [Server.Username] ("<id>-<key>").
func (s *Server) APIKey() string { return s.cfg.apiKey }

// Username returns the administrator's user name, "truenas_admin".
func (s *Server) Username() string { return s.cfg.username }

// Password returns the administrator's password.
func (s *Server) Password() string { return s.cfg.password }

// Release returns the impersonated release ("26.0").
func (s *Server) Release() string { return s.cfg.release }

// Faults returns the fault injector and call counters (keys are JSON-RPC method names).
func (s *Server) Faults() *simkit.Injector { return s.inj }

// DropConnections abruptly drops every client connection and returns how many there were.
func (s *Server) DropConnections() int { return s.rpc.DropAll() }

// Client returns a truenas client pinned to this server's certificate and signed in with
// its API key (plus opts).
func (s *Server) Client(opts ...sitekit.Option) (*truenas.Client, error) {
	base := []sitekit.Option{sitekit.WithToken(sitekit.NewSecret(s.cfg.apiKey)), truenas.WithAPIKeyUser(s.cfg.username)}
	if s.fingerprint != "" {
		base = append(base, sitekit.WithCertSHA256(s.fingerprint))
	}
	return truenas.New(s.url, append(base, opts...)...)
}

// Versions returns the API versions served (as GET /api/versions lists them).
func (s *Server) Versions() []string { return slices.Clone(releases[s.cfg.release].versions) }

func (s *Server) versions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.Versions())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) {
	v := r.PathValue("version")
	if v == "current" {
		vs := s.Versions()
		v = vs[len(vs)-1]
	} else if !slices.Contains(s.Versions(), v) {
		http.NotFound(w, r)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), versionCtxKey{}, v))
	s.rpc.ServeHTTP(w, r)
}

type versionCtxKey struct{}

func (s *Server) onPeer(p *jsonrpc.Peer) {
	v, _ := p.Request().Context().Value(versionCtxKey{}).(string)
	secure := p.Request().TLS != nil
	if !secure && !s.cfg.pretendRemote {
		host, _, _ := net.SplitHostPort(p.Request().RemoteAddr)
		secure = sitekit.IsLoopback(host)
	}
	p.SetSession(&session{version: v, subs: map[string]string{}, secure: secure, tls: p.Request().TLS != nil, legacyJobs: true})
}

func sess(p *jsonrpc.Peer) *session {
	ss, _ := p.Session().(*session)
	return ss
}

// Methods callable before signing in (middleware: authentication_required=False).
var anonymous = map[string]bool{"auth.login_ex": true, "auth.login_ex_continue": true, "auth.login_with_api_key": true,
	"auth.login": true, "core.ping": true, "auth.mechanism_choices": true, "core.set_options": true}

func isWrite(method string) bool {
	last := method[strings.LastIndexByte(method, '.')+1:]
	switch last {
	case "create", "update", "delete", "run", "sync", "control", "start", "stop", "restart", "reload", "dismiss", "restore", "job_abort":
		return true
	}
	return false
}

// handle serves one JSON-RPC request: envelope checks, faults, auth, then the method.
func (s *Server) handle(ctx context.Context, p *jsonrpc.Peer, req *jsonrpc.Request) (any, error) {
	ss := sess(p)
	var params []json.RawMessage
	if len(req.Params) > 0 && string(req.Params) != "null" {
		if err := json.Unmarshal(req.Params, &params); err != nil {
			return nil, invalidRequest("'params' member must be of type array")
		}
	}
	s.mu.Lock()
	ss.flight++
	over := ss.flight > maxInFlight
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		ss.flight--
		s.mu.Unlock()
	}()
	if over {
		return nil, tooManyCalls()
	}
	d := s.inj.Decide(req.Method, isWrite(req.Method))
	defer d.Release()
	if d.Delay > 0 {
		select {
		case <-time.After(d.Delay):
		case <-ctx.Done():
			return nil, jsonrpc.ErrNoResponse
		}
	}
	switch d.Action {
	case simkit.Fail:
		switch d.Status {
		case http.StatusTooManyRequests:
			return nil, rateLimited()
		case http.StatusServiceUnavailable:
			return nil, tooManyCalls()
		default:
			return nil, callError(14, fmt.Sprintf("Injected failure (%d)", d.Status))
		}
	case simkit.Reset:
		p.Drop()
		return nil, jsonrpc.ErrNoResponse
	}
	m, ok := methods[req.Method]
	if !ok || !m.available(ss.version) {
		return nil, methodNotFound()
	}
	s.mu.Lock()
	authed := ss.authed
	s.mu.Unlock()
	if !anonymous[req.Method] && !authed {
		return nil, notAuthenticated()
	}
	c := &call{s: s, p: p, ss: ss, params: params, method: req.Method, reqID: req.ID}
	res, err := m.fn(c)
	if d.Action == simkit.Ambiguous {
		p.Drop()
		return nil, jsonrpc.ErrNoResponse
	}
	s.flush(ctx, c)
	s.mu.Lock()
	newStyle := c.job != nil && !ss.legacyJobs
	s.mu.Unlock()
	if err == nil && newStyle {
		// New-style jobs (core.set_options legacy_jobs false): the answer is the job's
		// result or error, sent when the job ends (api/base/server/method.py at TS-25.10.6).
		select {
		case <-c.job.done:
		case <-ctx.Done():
			return nil, jsonrpc.ErrNoResponse
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if c.job.err != nil {
			return nil, c.job.err
		}
		return c.job.result, nil
	}
	return res, err
}

// call is the context of one method invocation.
type call struct {
	s      *Server
	p      *jsonrpc.Peer
	ss     *session
	params []json.RawMessage
	method string
	reqID  json.RawMessage // the request's id, recorded in the message_ids of a job it starts
	job    *job            // the job the call started, if any
	events []event
}

// arg decodes positional argument i into v; a missing argument leaves v untouched.
func (c *call) arg(i int, v any) error {
	if i >= len(c.params) {
		return nil
	}
	if err := json.Unmarshal(c.params[i], v); err != nil {
		return badParams(argName(c.method, i), "Input has the wrong type")
	}
	return nil
}

func argName(method string, i int) string {
	if i == 0 {
		return "data"
	}
	return fmt.Sprintf("args.%d", i)
}

// schema returns the validation prefix of a method: "pool.dataset.create" → "pool_dataset_create".
func schema(method string) string { return strings.ReplaceAll(method, ".", "_") }

// method describes one API method and the versions exposing it.
type method struct {
	fn        func(c *call) (any, error)
	since     string // first API version exposing it ("" = all)
	removedIn string // first API version where it is private ("" = never)
}

func (m method) available(v string) bool {
	if m.since != "" && truenasCompare(v, m.since) < 0 {
		return false
	}
	if m.removedIn != "" && truenasCompare(v, m.removedIn) >= 0 {
		return false
	}
	return true
}

func truenasCompare(a, b string) int {
	var pa, pb [3]int
	fmt.Sscanf(strings.TrimPrefix(a, "v"), "%d.%d.%d", &pa[0], &pa[1], &pa[2])
	fmt.Sscanf(strings.TrimPrefix(b, "v"), "%d.%d.%d", &pb[0], &pb[1], &pb[2])
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

var methods map[string]method

func register(name string, m method) {
	if methods == nil {
		methods = map[string]method{}
	}
	methods[name] = m
}

// randomHex returns n random bytes from rng in hex.
func randomHex(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return hex.EncodeToString(b)
}

// cryptoSeed returns a random seed for servers built without WithSeed.
func cryptoSeed() uint64 {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// event is a pending collection_update notification.
type event struct {
	collection string
	msg        string
	id         any
	fields     map[string]any
}

// flush sends the events queued by a call (after the state lock is released).
func (s *Server) flush(ctx context.Context, c *call) {
	s.mu.Lock()
	evs := c.events
	c.events = nil
	s.mu.Unlock()
	s.publish(ctx, evs)
}

func (s *Server) publish(ctx context.Context, evs []event) {
	if len(evs) == 0 {
		return
	}
	for _, p := range s.rpc.Peers() {
		ss := sess(p)
		if ss == nil {
			continue
		}
		s.mu.Lock()
		names := map[string]bool{}
		for _, n := range ss.subs {
			names[n] = true
		}
		s.mu.Unlock()
		for _, e := range evs {
			if !names[e.collection] && !names["*"] {
				continue
			}
			params := map[string]any{"msg": e.msg, "collection": e.collection, "id": e.id, "extra": map[string]any{}}
			if e.fields != nil {
				params["fields"] = e.fields
			}
			_ = p.Notify(ctx, "collection_update", params)
		}
	}
}
