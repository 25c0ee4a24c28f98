package fortigatetest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/internal/simkit"
)

// Server is a running FortiOS simulator. It is safe for concurrent use.
type Server struct {
	url         string
	fingerprint string

	cfg     config
	srv     *httptest.Server
	inj     *simkit.Injector
	handler http.Handler

	mu        sync.Mutex
	st        *state
	revCount  int
	revision  string
	uuidCount int
	failures  map[string][]time.Time
	lockedTo  map[string]time.Time
	txns      map[int]*txn
	txnNext   int
	hits      map[int]*policyCounters
	links     map[string]bool
	emsStatus map[int]string
	emsFunc   func(emsID int, server, serial string) string
	emsCert   map[int]bool
}

type config struct {
	token    string
	version  string
	build    int
	serial   string
	hostname string
	tls      bool
	addr     string
	faults   simkit.Faults
	factory  bool
	seed     uint64
}

// Option configures a Server.
type Option func(*config)

// WithToken sets the accepted API token (default "fgt-sim-token-0123456789abcdef").
func WithToken(t string) Option { return func(c *config) { c.token = t } }

// WithVersion sets the firmware answered in envelopes, e.g. ("v7.4.3", 2573); the
// config-backup GET→POST switch and the /logincheck answer follow it. Default "v7.6.5"
// build 3651.
func WithVersion(version string, build int) Option {
	return func(c *config) { c.version, c.build = version, build }
}

// WithPlainHTTP serves http:// instead of TLS.
func WithPlainHTTP() Option { return func(c *config) { c.tls = false } }

// WithAddr listens on addr ("127.0.0.1:9440") instead of a random loopback port.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithFaults injects faults from the start. A zero Faults.Seed takes the server's seed
// ([WithSeed]).
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// WithoutFactoryData starts without the objects a factory-default FortiGate 80F holds (its
// ports, the predefined addresses, services, service groups and user groups). The
// entries FortiOS cannot be without stay: the root VDOM, the schedules, the default
// security profiles, the access profiles and the service categories.
func WithoutFactoryData() Option { return func(c *config) { c.factory = false } }

// WithSeed sets the random seed of the server's randomness: object UUIDs, configuration
// revisions and the fault seed when [WithFaults] gives none. The same seed gives the same
// values (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// NewServer starts a simulator on a loopback port, TLS on (a fresh self-signed
// certificate, see [Server.Fingerprint]), holding the factory data of a FortiGate 80F.
// Call Close when done.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{token: "fgt-sim-token-0123456789abcdef", version: "v7.6.5", build: 3651, serial: "FGT80FTK22000001",
		hostname: "FGT80F-SIM", tls: true, factory: true, seed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.token == "" {
		return nil, fmt.Errorf("fortigatetest: empty token")
	}
	if cfg.faults.Seed == 0 {
		cfg.faults.Seed = cfg.seed
	}
	s := &Server{cfg: cfg, inj: simkit.NewInjector(cfg.faults), st: newState(),
		failures: map[string][]time.Time{}, lockedTo: map[string]time.Time{}, txns: map[int]*txn{},
		hits: map[int]*policyCounters{}, links: map[string]bool{}, emsStatus: map[int]string{}, emsCert: map[int]bool{}}
	s.bumpRevision()
	s.st.global = record{"hostname": cfg.hostname, "timezone": "Europe/Paris", "admintimeout": 5.0, "admin-sport": 443.0,
		"admin-lockout-threshold": 3.0, "admin-lockout-duration": 60.0, "rest-api-key-url-query": "disable", "vdom-mode": "no-vdom", "alias": "FortiGate-80F"}
	s.seedFactory(cfg.factory)
	if cfg.factory {
		s.seed80F()
	}
	s.handler = s.inj.Middleware(http.HandlerFunc(s.serve), nil)
	srv, fp, err := simkit.Start(s.handler, cfg.addr, cfg.tls)
	if err != nil {
		return nil, err
	}
	s.srv, s.url, s.fingerprint = srv, srv.URL, fp
	return s, nil
}

// NewTestServer starts a simulator like [NewServer], fails tb when it cannot, and closes
// it when the test ends.
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("fortigatetest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// URL returns the base URL ("https://127.0.0.1:port").
func (s *Server) URL() string { return s.url }

// Token returns the REST API admin token the server accepts (as a Bearer header).
func (s *Server) Token() string { return s.cfg.token }

// Fingerprint returns the hex SHA-256 of the TLS certificate, to pin ("" with
// [WithPlainHTTP]).
func (s *Server) Fingerprint() string { return s.fingerprint }

// Close stops the listener and closes its connections.
func (s *Server) Close() { s.srv.Close() }

// Faults returns the fault injector and call counters (keys "METHOD /api/v2/…").
func (s *Server) Faults() *Injector { return s.inj }

// Handler returns the simulator's HTTP handler (faults and counters included), to serve
// it without a socket, e.g. from an in-memory http.RoundTripper inside a testing/synctest
// bubble, where the lockout and Retry-After waits then run on the bubble's clock.
func (s *Server) Handler() http.Handler { return s.handler }

// Client returns a fortigate.Client for this server: its token, its certificate pinned,
// and opts appended (they may override).
func (s *Server) Client(opts ...sitekit.Option) (*fortigate.Client, error) {
	base := []sitekit.Option{sitekit.WithToken(sitekit.NewSecret(s.cfg.token))}
	if s.fingerprint != "" {
		base = append(base, sitekit.WithCertSHA256(s.fingerprint))
	}
	return fortigate.New(s.url, append(base, opts...)...)
}

// --- envelope -----------------------------------------------------------------------

type envelope struct {
	HTTPMethod      string          `json:"http_method"`
	Size            *int            `json:"size,omitempty"`
	LimitReached    *bool           `json:"limit_reached,omitempty"`
	MatchedCount    *int            `json:"matched_count,omitempty"`
	NextIdx         *int            `json:"next_idx,omitempty"`
	Revision        string          `json:"revision,omitempty"`
	RevisionChanged *bool           `json:"revision_changed,omitempty"`
	OldRevision     string          `json:"old_revision,omitempty"`
	Results         any             `json:"results,omitempty"`
	MKey            any             `json:"mkey,omitempty"`
	CLIError        string          `json:"cli_error,omitempty"`
	Error           *int            `json:"error,omitempty"`
	Action          string          `json:"action,omitempty"`
	VDOM            string          `json:"vdom,omitempty"`
	Path            string          `json:"path,omitempty"`
	Name            string          `json:"name,omitempty"`
	Status          string          `json:"status"`
	HTTPStatus      int             `json:"http_status"`
	Serial          string          `json:"serial"`
	Version         string          `json:"version"`
	Build           int             `json:"build"`
	Raw             json.RawMessage `json:"-"`
}

func (s *Server) newEnvelope(r *http.Request, path, name string) *envelope {
	return &envelope{HTTPMethod: r.Method, VDOM: "root", Path: path, Name: name, Status: "success", HTTPStatus: 200,
		Serial: s.cfg.serial, Version: s.cfg.version, Build: s.cfg.build}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) writeError(w http.ResponseWriter, e *envelope, se *simErr) {
	e.Status, e.HTTPStatus = "error", se.status
	if se.code != 0 {
		code := se.code
		e.Error = &code
	}
	e.CLIError = se.cli
	e.Results = nil
	if e.Revision == "" {
		e.Revision = s.revision
	}
	writeJSON(w, se.status, e)
}

func (s *Server) bumpRevision() (old, nu string) {
	old = s.revision
	s.revCount++
	sum := md5.Sum([]byte("fortigatetest-revision-" + strconv.FormatUint(s.cfg.seed, 10) + "-" + strconv.Itoa(s.revCount)))
	s.revision = hex.EncodeToString(sum[:])
	return old, s.revision
}

func (s *Server) newUUID() string {
	s.uuidCount++
	sum := md5.Sum([]byte("uuid-" + strconv.FormatUint(s.cfg.seed, 10) + "-" + strconv.Itoa(s.uuidCount)))
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-5" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// --- routing ------------------------------------------------------------------------

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.EscapedPath()
	if p == "/logincheck" {
		s.serveLogincheck(w, r)
		return
	}
	if !s.authenticate(w, r) {
		return
	}
	if multiVDOM(r.URL.Query()) {
		servePerVDOM(w, r, s.route)
		return
	}
	s.route(w, r)
}

// route dispatches an authenticated request.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	switch {
	case p == "/api/v2/cmdb" || p == "/api/v2/cmdb/":
		s.serveTransaction(w, r)
	case strings.HasPrefix(p, "/api/v2/cmdb/"):
		s.serveCMDB(w, r, strings.TrimPrefix(p, "/api/v2/cmdb/"))
	case strings.HasPrefix(p, "/api/v2/monitor/"):
		s.serveMonitor(w, r, strings.TrimPrefix(p, "/api/v2/monitor/"))
	default:
		writeJSON(w, http.StatusNotFound, &envelope{HTTPMethod: r.Method, Status: "error", HTTPStatus: 404,
			Serial: s.cfg.serial, Version: s.cfg.version, Build: s.cfg.build})
	}
}

// authenticate checks the Bearer token and applies the failed-login lockout.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	src, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		src = r.RemoteAddr
	}
	now := time.Now()
	if until, ok := s.lockedTo[src]; ok {
		if now.Before(until) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, "<html><head><title>429 Too Many Requests</title></head><body>Access temporarily blocked: Maximum failed authentications reached</body></html>\n")
			return false
		}
		delete(s.lockedTo, src)
		delete(s.failures, src)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok && s.st.global["rest-api-key-url-query"] == "enable" {
		tok, ok = r.URL.Query().Get("access_token"), true
	}
	if ok && tok == s.cfg.token {
		return true
	}
	threshold, _ := scalarNumber(s.st.global["admin-lockout-threshold"])
	duration, _ := scalarNumber(s.st.global["admin-lockout-duration"])
	window := now.Add(-60 * time.Second)
	var recent []time.Time
	for _, t := range s.failures[src] {
		if t.After(window) {
			recent = append(recent, t)
		}
	}
	recent = append(recent, now)
	s.failures[src] = recent
	if threshold > 0 && len(recent) >= int(threshold) {
		s.lockedTo[src] = now.Add(time.Duration(duration) * time.Second)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = io.WriteString(w, `{"http_status":401,"status":"error","http_method":"`+r.Method+`"}`+"\n")
	return false
}

func (s *Server) serveCMDB(w http.ResponseWriter, r *http.Request, rest string) {
	segs := strings.Split(rest, "/")
	if len(segs) < 2 {
		s.writeError(w, s.newEnvelope(r, "", ""), &simErr{status: http.StatusNotFound})
		return
	}
	path, name := segs[0], segs[1]
	env := s.newEnvelope(r, path, name)
	q := r.URL.Query()
	if v := s.unknownVDOM(q); v != "" {
		s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3, cli: "vdom " + v + " not found"})
		return
	}
	table := path + "/" + name
	if table == "system/global" {
		s.serveGlobal(w, r, env)
		return
	}
	d := tableDefs[table]
	if d == nil || len(segs) > 3 {
		s.writeError(w, env, &simErr{status: http.StatusNotFound})
		return
	}
	op := cmdbOp{Method: r.Method, Table: table, Query: q}
	if len(segs) == 3 && segs[2] != "" {
		k, err := url.PathUnescape(segs[2])
		if err != nil {
			s.writeError(w, env, &simErr{status: http.StatusBadRequest})
			return
		}
		op.MKey, op.HasKey = k, true
		env.MKey = k
		if d.intKey {
			if n, err := strconv.Atoi(k); err == nil {
				env.MKey = n
			}
		}
	}
	if r.Method == http.MethodGet && !op.HasKey {
		switch q.Get("action") {
		case "schema":
			env.Results = schemaOf(d)
			writeJSON(w, 200, env)
			return
		case "default":
			env.Results = defaultsOf(d)
			writeJSON(w, 200, env)
			return
		}
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		b, _ := io.ReadAll(r.Body)
		if len(bytes.TrimSpace(b)) > 0 && string(bytes.TrimSpace(b)) != "null" {
			if err := json.Unmarshal(b, &op.Body); err != nil {
				s.writeError(w, env, &simErr{status: http.StatusBadRequest, code: -651, cli: "invalid JSON body"})
				return
			}
		}
	}
	st := s.st
	var t *txn
	if id := r.Header.Get("X-Transaction-Id"); id != "" {
		n, _ := strconv.Atoi(id)
		t = s.liveTxn(n)
		if t == nil {
			s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3, cli: "transaction " + id + " not found"})
			return
		}
		st = t.st
	}
	write := r.Method != http.MethodGet
	if write {
		if owner := s.lockOwner(table); owner != 0 && (t == nil || t.id != owner) {
			s.writeError(w, env, errInvalid(-61, "table %s is locked by transaction %d", table, owner))
			return
		}
	}
	res, se := s.apply(st, op)
	if se != nil {
		s.writeError(w, env, se)
		return
	}
	env.Revision = s.revision
	if res.mkey != nil {
		env.MKey = res.mkey
	}
	if write {
		changed := res.changed
		if t != nil {
			t.ops = append(t.ops, op)
			t.tables[table] = true
			changed = false
		} else if changed {
			env.OldRevision, env.Revision = s.bumpRevision()
		}
		env.RevisionChanged = &changed
		if env.OldRevision == "" {
			env.OldRevision = env.Revision
		}
	} else {
		env.Results = res.results
		if m := res.list; m != nil {
			env.Size, env.MatchedCount, env.NextIdx, env.LimitReached = &m.size, &m.matched, &m.nextIdx, &m.limit
		}
	}
	writeJSON(w, 200, env)
}

var globalFields = map[string]*field{
	"hostname": {Type: "string", MaxLength: ptr(35)}, "alias": {Type: "string", MaxLength: ptr(35)},
	"timezone": {Type: "string", MaxLength: ptr(63)}, "admintimeout": {Type: "integer", Min: fptr(1), Max: fptr(480)},
	"admin-sport":             {Type: "integer", Min: fptr(1), Max: fptr(65535)},
	"admin-lockout-threshold": {Type: "integer", Min: fptr(1), Max: fptr(10)},
	"admin-lockout-duration":  {Type: "integer", Min: fptr(1), Max: fptr(2147483647)},
	"rest-api-key-url-query":  {Type: "option", Options: []string{"enable", "disable"}},
	"vdom-mode":               {Type: "option", Options: []string{"no-vdom", "multi-vdom"}},
}

func ptr(n int) *int          { return &n }
func fptr(n float64) *float64 { return &n }

func (s *Server) serveGlobal(w http.ResponseWriter, r *http.Request, env *envelope) {
	env.Revision = s.revision
	switch r.Method {
	case http.MethodGet:
		env.Results = s.st.global
		writeJSON(w, 200, env)
	case http.MethodPut:
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			s.writeError(w, env, &simErr{status: http.StatusBadRequest, code: -651, cli: "invalid JSON body"})
			return
		}
		next := record{}
		for k, v := range s.st.global {
			next[k] = v
		}
		for _, k := range sortedKeys(body) {
			f := globalFields[k]
			if f == nil {
				s.writeError(w, env, errInvalid(-651, "unknown attribute '%s'", k))
				return
			}
			v, se := s.st.checkValue(f, body[k], k)
			if se != nil {
				s.writeError(w, env, se)
				return
			}
			next[k] = v
		}
		changed := !equalJSON(next, s.st.global)
		s.st.global = next
		if changed {
			env.OldRevision, env.Revision = s.bumpRevision()
		}
		env.RevisionChanged = &changed
		writeJSON(w, 200, env)
	default:
		s.writeError(w, env, &simErr{status: http.StatusMethodNotAllowed})
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func schemaOf(d *tableDef) any {
	category := "table"
	children := map[string]any{}
	for k, f := range d.fields {
		c := map[string]any{"name": k, "category": "unitary", "type": f.Type, "help": f.Help}
		if f.Type == "table" {
			c["category"] = "table"
		}
		if f.MaxLength != nil {
			c["size"] = *f.MaxLength
		}
		if f.Min != nil {
			c["min-value"] = *f.Min
		}
		if f.Max != nil {
			c["max-value"] = *f.Max
		}
		if f.Default != nil {
			c["default"] = f.Default
		}
		if len(f.Options) > 0 {
			opts := make([]map[string]string, len(f.Options))
			for i, o := range f.Options {
				opts[i] = map[string]string{"name": o}
			}
			c["options"] = opts
		}
		if len(f.Datasource) > 0 {
			c["datasource"] = f.Datasource
		}
		children[k] = c
	}
	i := strings.LastIndex(d.path, "/")
	mkeyType := "string"
	if d.intKey {
		mkeyType = "integer"
	}
	return map[string]any{"name": d.path[i+1:], "path": d.path[:i], "category": category, "mkey": d.key, "mkey_type": mkeyType,
		"object_range": "vdom", "children": children}
}

func defaultsOf(d *tableDef) any {
	out := map[string]any{}
	for k, f := range d.fields {
		if f.Default != nil {
			out[k] = f.Default
		}
	}
	return out
}
