package netdatatest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/simkit"
	"github.com/sitekit/sitekit/netdata"
)

// DefaultToken is the management API key (netdata.api.key) the simulator accepts unless
// [WithToken] sets another.
const DefaultToken = "11111111-2222-3333-4444-555555555555"

type config struct {
	plain     bool
	addr      string
	version   string
	hostname  string
	token     string
	faults    simkit.Faults
	seed      uint64
	noFactory bool
}

// Option configures a Server.
type Option func(*config)

// WithPlainHTTP serves plain http instead of https (on by default), like a stock agent.
func WithPlainHTTP() Option { return func(c *config) { c.plain = true } }

// WithSeed sets the random seed of the server's randomness: the hosts' machine GUIDs, the alarm and
// alarm log ids, and the fault seed when [WithFaults] gives none. The same seed gives the
// same values (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithoutFactoryData starts every host without the stock health alarms a fresh agent
// evaluates (10min_cpu_usage on system.cpu, load_average_1 on system.load): only the alarms
// raised with [Server.RaiseAlarm] exist.
func WithoutFactoryData() Option { return func(c *config) { c.noFactory = true } }

// WithAddr listens on addr (host:port) instead of a random loopback port.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithVersion sets the agent version (default "v1.37.1"). A version ≥ v2.0 switches to the
// 2.x shapes (numbers as numbers, "labels", "stream_compression") and enables /api/v2 and
// /api/v3 (nodes, info); older versions answer /api/v2/* and /api/v3/* with 404 text/html
// "Unsupported API version: v2" as 1.37 does.
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithHostname sets the agent's hostname (default "vm", as recorded).
func WithHostname(name string) Option { return func(c *config) { c.hostname = name } }

// WithToken sets the management API key (default [DefaultToken]).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithFaults configures fault injection; Faults() changes it later. A zero Faults.Seed takes
// the server's random seed ([WithSeed]).
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// Server is a simulated Netdata agent (a parent when children are added).
type Server struct {
	url, fingerprint string
	token            sitekit.Secret

	cfg  config
	srv  *httptest.Server
	inj  *simkit.Injector
	v2   bool
	mu   sync.Mutex
	rng  *rand.Rand
	self *host
	// children by hostname, in insertion order
	children []*host
	// management state
	silencers  []netdata.Selectors
	silenceAll bool
	disableAll bool
	mgmtType   string
	nextUID    int64
}

// NewServer starts a simulator on loopback, over https with a fresh self-signed certificate
// unless [WithPlainHTTP]. Close it when done (or use [NewTestServer]).
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{version: "v1.37.1", hostname: "vm", token: DefaultToken, seed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.faults.Seed == 0 {
		cfg.faults.Seed = cfg.seed
	}
	s := &Server{cfg: cfg, inj: simkit.NewInjector(cfg.faults), token: sitekit.NewSecret(cfg.token), mgmtType: "None",
		rng: rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x5eed))}
	s.v2 = versionAtLeast(cfg.version, 2)
	// Unique ids look like the agent's (unix-time sized numbers), drawn from the random seed.
	s.nextUID = 1_700_000_000 + s.rng.Int64N(100_000_000)
	s.self = s.newHost(cfg.hostname, 0)
	h := s.inj.Middleware(http.HandlerFunc(s.serve), func(r *http.Request) string {
		return r.Method + " " + r.URL.Path
	})
	srv, fp, err := simkit.Start(h, cfg.addr, !cfg.plain)
	if err != nil {
		return nil, err
	}
	s.srv, s.url, s.fingerprint = srv, srv.URL, fp
	return s, nil
}

// NewTestServer starts a simulator closed by tb.Cleanup; it fails the test on error.
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("netdatatest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// URL returns the agent's base URL (https://127.0.0.1:port, http with WithPlainHTTP).
func (s *Server) URL() string { return s.url }

// Fingerprint returns the hex SHA-256 of the TLS certificate ("" over plain http), for
// sitekit.WithCertSHA256.
func (s *Server) Fingerprint() string { return s.fingerprint }

// Token returns the management API key the agent expects in X-Auth-Token (the contents of
// its netdata.api.key), for sitekit.WithToken.
func (s *Server) Token() sitekit.Secret { return s.token }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Faults returns the fault injector and call counters (keys "GET /api/v1/data", …).
func (s *Server) Faults() *Injector { return s.inj }

// Client returns a netdata client for this server (management token and TLS pin set);
// opts are applied after them.
func (s *Server) Client(opts ...sitekit.Option) (*netdata.Client, error) {
	base := []sitekit.Option{sitekit.WithToken(s.token), sitekit.WithRetry(sitekit.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond})}
	if s.fingerprint != "" {
		base = append(base, sitekit.WithCertSHA256(s.fingerprint))
	}
	return netdata.New(s.url, append(base, opts...)...)
}

// clock is the agent's clock, in whole seconds like the agent's answers.
func (s *Server) clock() time.Time { return time.Now().Truncate(time.Second) }

// AddChild makes the agent a parent of a streaming child named hostname: it appears in
// mirrored_hosts and its API is served under /host/<hostname>/api/v1/….
func (s *Server) AddChild(hostname string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findHost(hostname) != nil {
		return
	}
	s.children = append(s.children, s.newHost(hostname, 1))
}

// SetChildStreaming marks a child connected (true) or disconnected (false: kept in
// mirrored_hosts with reachable false, as a parent shows a lost stream).
func (s *Server) SetChildStreaming(hostname string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.findHost(hostname); h != nil && h != s.self {
		h.reachable = on
	}
}

// StallCollection freezes (true) or resumes (false) data collection on host ("" = the agent):
// the charts' last_entry stops moving, so the health gate sees stale data.
func (s *Server) StallCollection(hostname string, stalled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.hostOrSelf(hostname); h != nil {
		if stalled {
			t := s.clock()
			h.stalledAt = &t
		} else {
			h.stalledAt = nil
		}
	}
}

// Hosts returns the hostnames served: the agent first, then its children.
func (s *Server) Hosts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{s.self.name}
	for _, c := range s.children {
		out = append(out, c.name)
	}
	return out
}

// Silencers returns the health-management state (what cmd=LIST would answer).
func (s *Server) Silencers() netdata.Silencers {
	s.mu.Lock()
	defer s.mu.Unlock()
	return netdata.Silencers{All: s.silenceAll || s.disableAll, Type: s.mgmtType, Silencers: append([]netdata.Selectors(nil), s.silencers...)}
}

func (s *Server) hostOrSelf(name string) *host {
	if name == "" {
		return s.self
	}
	return s.findHost(name)
}

func (s *Server) findHost(name string) *host {
	for _, h := range append([]*host{s.self}, s.children...) {
		if h.name == name || h.guid == name {
			return h
		}
	}
	return nil
}

// serve routes a request: /host/<name>/api/…, /api/v1/…, /api/v2|v3/….
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Server", "Netdata Embedded HTTP Server "+s.cfg.version)
	hdr.Set("Access-Control-Allow-Origin", "*")
	hdr.Set("Access-Control-Allow-Credentials", "true")
	hdr.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	hdr.Set("Pragma", "no-cache")
	hdr.Set("Connection", "close")
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.EscapedPath()
	h := s.self
	if rest, ok := strings.CutPrefix(p, "/host/"); ok {
		name, tail, _ := strings.Cut(rest, "/")
		name = unescape(name)
		if h = s.findHost(name); h == nil {
			textError(w, http.StatusNotFound, "text/html; charset=utf-8", "This netdata does not maintain a database for host: "+name)
			return
		}
		p = "/" + tail
	}
	switch {
	case strings.HasPrefix(p, "/api/v1/"):
		s.v1(w, r, h, strings.TrimPrefix(p, "/api/v1/"))
	case strings.HasPrefix(p, "/api/v2/"), strings.HasPrefix(p, "/api/v3/"):
		ver := p[5:7]
		if !s.v2 {
			textError(w, http.StatusNotFound, "text/html; charset=utf-8", "Unsupported API version: "+ver)
			return
		}
		s.v3(w, r, h, p[8:])
	default:
		textError(w, http.StatusNotFound, "text/html; charset=utf-8", "File does not exist, or is not accessible: "+p)
	}
}

func (s *Server) v1(w http.ResponseWriter, r *http.Request, h *host, cmd string) {
	switch cmd {
	case "info":
		writeJSON(w, s.info(h))
	case "charts":
		writeJSON(w, s.charts(h))
	case "chart":
		s.chart(w, r, h)
	case "contexts":
		writeJSON(w, s.contexts(h))
	case "context":
		s.context(w, r, h)
	case "data":
		s.data(w, r, h)
	case "alarms":
		s.alarms(w, r, h)
	case "alarm_log":
		s.alarmLog(w, r, h)
	case "alarm_count":
		s.alarmCount(w, r, h)
	case "allmetrics":
		s.allmetrics(w, r, h)
	case "badge.svg":
		s.badge(w, r, h)
	case "registry":
		s.registry(w, r, h)
	case "manage/health":
		s.manage(w, r, h)
	default:
		textError(w, http.StatusNotFound, "text/plain; charset=utf-8", "Unsupported v1 API command: "+cmd)
	}
}

func (s *Server) v3(w http.ResponseWriter, _ *http.Request, h *host, cmd string) {
	switch cmd {
	case "nodes", "node_instances":
		var nodes []map[string]any
		for i, n := range append([]*host{s.self}, s.children...) {
			state := "reachable"
			if !n.reachable {
				state = "stale"
			}
			nodes = append(nodes, map[string]any{"mg": n.guid, "nd": n.nodeID, "nm": n.name, "ni": i,
				"version": s.cfg.version, "hops": n.hops, "state": state,
				"st": map[string]any{"ai": 0, "code": 200, "msg": ""}})
		}
		writeJSON(w, map[string]any{"api": 2, "nodes": nodes, "agents": []map[string]any{{"mg": s.self.guid, "nm": s.self.name, "now": s.clock().Unix(), "ai": 0}}})
	case "info":
		writeJSON(w, map[string]any{"api": 2, "agents": []map[string]any{{"mg": h.guid, "nm": h.name, "now": s.clock().Unix(), "ai": 0,
			"application": map[string]any{"version": s.cfg.version}}}})
	default:
		textError(w, http.StatusNotFound, "text/plain; charset=utf-8", "Unsupported v3 API command: "+cmd)
	}
}

func textError(w http.ResponseWriter, status int, contentType, msg string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

func unescape(s string) string {
	if u, err := urlPathUnescape(s); err == nil {
		return u
	}
	return s
}

func versionAtLeast(v string, major int) bool {
	v = strings.TrimPrefix(v, "v")
	var ma int
	if _, err := fmt.Sscanf(v, "%d", &ma); err != nil {
		return false
	}
	return ma >= major
}

// Handler returns the simulator's HTTP handler (fault injection included), e.g. to serve it
// in memory from a custom http.RoundTripper inside a testing/synctest bubble, where the
// agent's clock is the bubble's.
func (s *Server) Handler() http.Handler { return s.srv.Config.Handler }
