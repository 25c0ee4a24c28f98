// Package fortigatetest is an in-process FortiOS (FortiGate 80F) REST API simulator, in the
// spirit of net/http/httptest: start it with [NewServer], point a [fortigate.Client] at it
// with [Server.Client], seed and inspect its state, inject faults through [Server.Faults].
//
// It emulates reference/fortigate.md §7 "Faithful fake server must emulate":
//   - Bearer token authentication; every bad token is a failed login, and a source with
//     3 failures within 60s (system/global admin-lockout-threshold/-duration) gets 429 for
//     the lockout duration, even with the right token. access_token in the query only when
//     rest-api-key-url-query is enabled.
//   - /api/v2/cmdb/<path>/<name>[/<mkey>] with dotted paths (system.dhcp/server) and
//     percent-encoded keys; system/global as a singleton; vdom=root (vdom=* answers an array).
//   - The §2.4 envelopes: serial, version, build, a revision that changes on every
//     effective write, revision_changed/old_revision, mkey, q_origin_key on records,
//     size/matched_count/next_idx/limit_reached on lists.
//   - Semantics: duplicate POST → 500/−5, missing → 404/−3, PUT merges (tables replaced),
//     auto-allocated policyid/id/seq-num/ems-id, policy order with action=move, action=clone,
//     reference integrity from the catalogue's datasources (unknown reference → −651,
//     deleting a referenced entry → −23, a user group used by a policy → −94), lengths (−1),
//     ranges (−650), enums (−651), VLAN id/parent immutability (−522), ip/mask answered as
//     "a.b.c.d m.m.m.m", secrets answered as "ENC …", multi-options reordered.
//   - filter (all operators, AND/OR, escapes), format, start/count, sort, action=schema
//     and action=default.
//   - Transactions: start/show/commit/abort/list, X-TRANSACTION-ID, table locks, expiry.
//   - Monitor answers computed from state: system/status, resource/usage, interface,
//     firewall/policy counters, license/status, config backup (POST; GET → 405 from 7.4.5),
//     endpoint-control/ems/status and verify-cert.
//   - Faults from simkit (seeded error rates, resets, ambiguous commits, latency, a write
//     cap) and per-path call counters ("METHOD /api/v2/…").
//
// The EMS simulator (or a test) decides what the FortiGate sees of its EMS connectors with
// [Server.SetEMSStatus] or [Server.SetEMSStatusFunc].
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
	"net/http/httptrace"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/internal/simkit"
)

// Server is a running FortiOS simulator. It is safe for concurrent use.
type Server struct {
	// URL is the base URL ("https://127.0.0.1:port").
	URL string
	// Token is the REST API admin token the server accepts (as a Bearer header).
	Token string
	// Fingerprint is the SHA-256 of the TLS certificate, to pin ("" without TLS).
	Fingerprint string

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
	seed80F  bool
}

// Option configures a Server.
type Option func(*config)

// WithToken sets the accepted API token (default "fgt-sim-token-0123456789abcdef").
func WithToken(t string) Option { return func(c *config) { c.token = t } }

// WithVersion sets the firmware answered in envelopes, e.g. ("v7.4.3", 2573); the
// config-backup GET→POST switch follows it. Default "v7.6.5" build 3651.
func WithVersion(version string, build int) Option {
	return func(c *config) { c.version, c.build = version, build }
}

// WithPlainHTTP serves http:// instead of TLS.
func WithPlainHTTP() Option { return func(c *config) { c.tls = false } }

// WithAddr listens on addr ("127.0.0.1:9440") instead of a random loopback port.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithFaults injects faults from the start (see simkit.Faults).
func WithFaults(f simkit.Faults) Option { return func(c *config) { c.faults = f } }

// WithoutSeed starts with empty tables instead of a factory-default 80F.
func WithoutSeed() Option { return func(c *config) { c.seed80F = false } }

// NewServer starts a simulator on loopback (TLS by default) seeded as a factory-default
// FortiGate 80F. Call Close when done.
func NewServer(opts ...Option) (*Server, error) {
	s, err := NewUnstarted(opts...)
	if err != nil {
		return nil, err
	}
	srv, fp, err := simkit.Start(s.handler, s.cfg.addr, s.cfg.tls)
	if err != nil {
		return nil, err
	}
	s.srv, s.URL, s.Fingerprint = srv, srv.URL, fp
	return s, nil
}

// NewUnstarted builds a simulator without a listener: use [Server.Handler] or
// [Server.HTTPClient] (in-memory transport, handy under testing/synctest).
func NewUnstarted(opts ...Option) (*Server, error) {
	cfg := config{token: "fgt-sim-token-0123456789abcdef", version: "v7.6.5", build: 3651, serial: "FGT80FTK22000001",
		hostname: "FGT80F-SIM", tls: true, seed80F: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.token == "" {
		return nil, fmt.Errorf("fortigatetest: empty token")
	}
	s := &Server{cfg: cfg, Token: cfg.token, inj: simkit.NewInjector(cfg.faults), st: newState(),
		failures: map[string][]time.Time{}, lockedTo: map[string]time.Time{}, txns: map[int]*txn{},
		hits: map[int]*policyCounters{}, links: map[string]bool{}, emsStatus: map[int]string{}, emsCert: map[int]bool{}, URL: "http://127.0.0.1"}
	s.bumpRevision()
	s.st.global = record{"hostname": cfg.hostname, "timezone": "Europe/Paris", "admintimeout": 5.0, "admin-sport": 443.0,
		"admin-lockout-threshold": 3.0, "admin-lockout-duration": 60.0, "rest-api-key-url-query": "disable", "vdom-mode": "no-vdom", "alias": "FortiGate-80F"}
	s.seedFactory()
	if cfg.seed80F {
		s.Seed80F()
	}
	s.handler = s.inj.Middleware(http.HandlerFunc(s.serve), nil)
	return s, nil
}

// Close stops the listener.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// Handler returns the simulator's HTTP handler (faults and counters included).
func (s *Server) Handler() http.Handler { return s.handler }

// Faults returns the fault injector and call counters (keys "METHOD /api/v2/…").
func (s *Server) Faults() *simkit.Injector { return s.inj }

// HTTPClient returns an *http.Client whose transport calls the handler in memory (no
// socket), e.g. for testing/synctest bubbles. Server.Client uses it automatically for an unstarted server (URL "http://127.0.0.1").
func (s *Server) HTTPClient() *http.Client { return &http.Client{Transport: memTransport{s.handler}} }

type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.RemoteAddr = "127.0.0.1:40000"
	if r2.Body == nil {
		r2.Body = http.NoBody
	}
	r2.RequestURI = r.URL.RequestURI()
	if tr := httptrace.ContextClientTrace(r.Context()); tr != nil && tr.WroteHeaders != nil {
		tr.WroteHeaders() // the request is "on the wire" as soon as the handler sees it
	}
	w := httptest.NewRecorder()
	var panicked any
	func() {
		defer func() {
			if panicked = recover(); panicked != nil && panicked != http.ErrAbortHandler {
				panicked = fmt.Sprintf("%v\n%s", panicked, debug.Stack())
			}
		}()
		t.h.ServeHTTP(w, r2)
	}()
	if panicked != nil {
		return nil, fmt.Errorf("connection reset by simulator: %v", panicked)
	}
	return w.Result(), nil
}

// Client returns a fortigate.Client for this server: its token, the certificate pinned,
// and opts appended (they may override). Without a listener (NewUnstarted) it uses the
// in-memory transport.
func (s *Server) Client(opts ...sitekit.Option) (*fortigate.Client, error) {
	base := []sitekit.Option{sitekit.WithToken(sitekit.NewSecret(s.Token))}
	if s.srv == nil {
		base = append(base, sitekit.WithHTTPClient(s.HTTPClient()))
	} else if s.Fingerprint != "" {
		base = append(base, sitekit.WithCertSHA256(s.Fingerprint))
	}
	return fortigate.New(s.URL, append(base, opts...)...)
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
	sum := md5.Sum([]byte("fortigatetest-revision-" + strconv.Itoa(s.revCount)))
	s.revision = hex.EncodeToString(sum[:])
	return old, s.revision
}

func (s *Server) newUUID() string {
	s.uuidCount++
	sum := md5.Sum([]byte("uuid-" + strconv.Itoa(s.uuidCount)))
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-5" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// --- routing ------------------------------------------------------------------------

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.authenticate(w, r) {
		return
	}
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
	if v := q.Get("vdom"); v != "" && v != "root" && v != "*" {
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
	if q.Get("vdom") == "*" {
		writeJSON(w, 200, []*envelope{env})
		return
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
