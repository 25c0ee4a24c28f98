package emstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/internal/simkit"
)

// Default credentials and identity.
const (
	DefaultUser     = "apiadmin"
	DefaultPassword = "ems-simulator-secret"
	DefaultSerial   = "FCTEMS8823000123"
	DefaultVersion  = "7.4.3"
	DefaultSeats    = 100
)

type config struct {
	user, password string
	version        string
	seats          int
	plain          bool
	addr           string
	faults         simkit.Faults
	sites          []string
	onAuthorize    func(serial string, authorized bool)
	noFactory      bool
	seed           uint64
}

// Option configures a Server.
type Option func(*config)

// WithCredentials sets the administrator accepted by sign-in.
func WithCredentials(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// WithVersion sets the version reported by system/consts/get (default 7.4.3).
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithSeats sets the seat count of each license kind (default 100).
func WithSeats(n int) Option { return func(c *config) { c.seats = n } }

// WithPlainHTTP serves http:// instead of TLS, which is on by default (the Referer check is
// then skipped, as Django does for non-secure requests).
func WithPlainHTTP() Option { return func(c *config) { c.plain = true } }

// WithAddr listens on addr ("127.0.0.1:9442") instead of a random loopback port.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithFaults configures fault injection from the start. A zero Faults.Seed takes the
// server's random seed ([WithSeed]).
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// WithSeed sets the random seed of the server's randomness: session and CSRF tokens, endpoint MAC
// addresses and FortiClient serials, and the fault seed when [WithFaults] gives none. The
// same seed gives the same values (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithSites adds sites of a multi-site EMS besides "Default".
func WithSites(names ...string) Option {
	return func(c *config) { c.sites = append(c.sites, names...) }
}

// WithAuthorizeHook calls fn (outside the simulator's lock) each time a FortiGate's
// authorization changes through the API, e.g. to make a FortiGate simulator's EMS connector
// report success.
func WithAuthorizeHook(fn func(serial string, authorized bool)) Option {
	return func(c *config) { c.onAuthorize = fn }
}

// WithoutFactoryData starts with what cannot be removed from an EMS only: the "All Groups"
// root, the "Other Endpoints" default group and the Default profile. Without it the server
// also holds twelve registered endpoints (eight online) and a "Workstations" profile.
func WithoutFactoryData() Option { return func(c *config) { c.noFactory = true } }

// Server is a running EMS simulator. Safe for concurrent use.
type Server struct {
	url, fingerprint string

	cfg config
	srv *httptest.Server
	inj *simkit.Injector
	rng *rand.Rand

	mu          sync.Mutex
	sessions    map[string]*simSession
	csrfTokens  map[string]bool
	endpoints   map[int]*endpoint
	groups      map[int]*group
	profiles    []*profile
	tags        map[int]*tag
	tagRules    map[int]*tagRule
	fortigates  map[int]*fortigate
	nextID      map[string]int
	onAuthorize func(serial string, authorized bool)
	bornExpired bool
}

type simSession struct {
	user, site string
	expired    bool
}

// NewServer starts a simulator on loopback, over TLS with a fresh self-signed certificate
// unless [WithPlainHTTP]. Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{user: DefaultUser, password: DefaultPassword, version: DefaultVersion, seats: DefaultSeats, seed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.faults.Seed == 0 {
		cfg.faults.Seed = cfg.seed
	}
	s := &Server{cfg: cfg, inj: simkit.NewInjector(cfg.faults), rng: rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x5eed)),
		sessions: map[string]*simSession{}, csrfTokens: map[string]bool{}, onAuthorize: cfg.onAuthorize}
	s.factoryData()
	srv, fp, err := simkit.Start(s.inj.Middleware(s.routes(), nil), cfg.addr, !cfg.plain)
	if err != nil {
		return nil, err
	}
	s.srv, s.url, s.fingerprint = srv, srv.URL, fp
	return s, nil
}

// NewTestServer is NewServer for tests: it fails tb on error and closes the server when the
// test ends (tb.Cleanup).
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("emstest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// URL returns the base URL, e.g. https://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// Fingerprint returns the hex SHA-256 of the TLS certificate ("" over plain HTTP), for
// sitekit.WithCertSHA256.
func (s *Server) Fingerprint() string { return s.fingerprint }

// Username returns the administrator accepted by sign-in.
func (s *Server) Username() string { return s.cfg.user }

// Password returns the administrator's password.
func (s *Server) Password() string { return s.cfg.password }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Faults returns the fault injector and call counters (keys "METHOD /path").
func (s *Server) Faults() *Injector { return s.inj }

// Client returns an ems.Client signed in as the simulator's administrator, pinned to its
// certificate, with short retry waits; opts are applied after (and override) those.
func (s *Server) Client(opts ...sitekit.Option) (*ems.Client, error) {
	base := []sitekit.Option{
		sitekit.WithCredentials(s.cfg.user, sitekit.NewSecret(s.cfg.password)),
		sitekit.WithRetry(sitekit.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond}),
	}
	if s.fingerprint != "" {
		base = append(base, sitekit.WithCertSHA256(s.fingerprint))
	}
	return ems.New(s.url, append(base, opts...)...)
}

// ExpireSessions expires every open session: the next call with one of them answers the
// recorded expired-session error (HTTP 401, retval -4).
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		ss.expired = true
	}
}

// ExpireNewSessions makes every session created from now on expired from birth (on) or
// normal again (off): a way to test that a client re-logs in only once.
func (s *Server) ExpireNewSessions(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bornExpired = on
}

// Sessions returns the number of open (unexpired) sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.sessions {
		if !ss.expired {
			n++
		}
	}
	return n
}

// SetAuthorizeHook replaces the hook of [WithAuthorizeHook].
func (s *Server) SetAuthorizeHook(fn func(serial string, authorized bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onAuthorize = fn
}

func (s *Server) id(kind string) int {
	if s.nextID == nil {
		s.nextID = map[string]int{}
	}
	s.nextID[kind]++
	return s.nextID[kind]
}

// ---- envelope and errors ----

type result struct {
	RetVal  int     `json:"retval"`
	Message *string `json:"message"`
}

func writeEnvelope(w http.ResponseWriter, status, retval int, msg string, data any) {
	env := map[string]any{"result": result{RetVal: retval, Message: &msg}}
	if data != nil {
		env["data"] = data
	}
	b, err := json.Marshal(env)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func ok(w http.ResponseWriter, msg string, data any) { writeEnvelope(w, http.StatusOK, 1, msg, data) }

// apiErr is an error answer. the retval/status pairs of
// validation, duplicate, not-found and in-use errors are [inferred].
type apiErr struct {
	status, retval int
	msg            string
}

func (e *apiErr) Error() string { return e.msg }

func invalid(format string, a ...any) error {
	return &apiErr{http.StatusBadRequest, -2, "Invalid parameters: " + fmt.Sprintf(format, a...)}
}
func exists(kind, name string) error {
	return &apiErr{http.StatusBadRequest, -1, fmt.Sprintf("%s %q already exists.", kind, name)}
}
func missing(kind string, id any) error {
	return &apiErr{http.StatusNotFound, -2, fmt.Sprintf("%s %v does not exist.", kind, id)}
}
func inUse(format string, a ...any) error {
	return &apiErr{http.StatusBadRequest, -2, fmt.Sprintf(format, a...)}
}

func fail(w http.ResponseWriter, err error) {
	var ae *apiErr
	if errors.As(err, &ae) {
		writeEnvelope(w, ae.status, ae.retval, ae.msg, nil)
		return
	}
	writeEnvelope(w, http.StatusInternalServerError, -2, err.Error(), nil)
}

// handler is a simulator endpoint: it returns the data and message of a success, or an error.
type handler func(r *http.Request) (data any, msg string, err error)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/signin", s.signin)
	h := func(pattern string, fn handler) {
		// Public clients reach the API with and without trailing slashes.
		base := strings.TrimSuffix(pattern, "/")
		mux.Handle(base, s.authed(fn))
		mux.Handle(base+"/{$}", s.authed(fn))
	}
	h("GET /api/v1/auth/signout", s.signout)
	h("POST /api/v1/auth/signout", s.signout)
	s.systemRoutes(h)
	s.endpointRoutes(h)
	s.donutRoutes(h)
	s.groupRoutes(h)
	s.profileRoutes(h)
	s.tagRoutes(h)
	s.tagRuleRoutes(h)
	s.fortigateRoutes(h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<h1>Not Found</h1><p>The requested resource was not found on this server.</p>"))
	})
	return mux
}

// ---- authentication ----

// token returns a fresh random 32-character lowercase alphanumeric token, the shape of
// Django's session keys and CSRF tokens. Call with s.mu held.
func (s *Server) token() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	var body struct{ Name, Password, Site string }
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
			writeEnvelope(w, http.StatusBadRequest, -2, "Invalid parameters.", nil)
			return
		}
	} else {
		_ = r.ParseForm()
		body.Name, body.Password, body.Site = r.PostForm.Get("name"), r.PostForm.Get("password"), r.PostForm.Get("site")
	}
	// the wrong-credentials body is [inferred]; a non-200 answer is what public clients see.
	if body.Name != s.cfg.user || body.Password != s.cfg.password {
		writeEnvelope(w, http.StatusUnauthorized, -1, "Invalid username or password.", nil)
		return
	}
	site := body.Site
	if site == "" {
		site = r.Header.Get("Site")
	}
	if site != "" && site != "Default" && !slices.Contains(s.cfg.sites, site) {
		writeEnvelope(w, http.StatusUnauthorized, -1, fmt.Sprintf("Site %q does not exist.", site), nil)
		return
	}
	s.mu.Lock()
	sid, csrf := s.token(), s.token()
	s.sessions[sid] = &simSession{user: body.Name, site: site, expired: s.bornExpired}
	s.csrfTokens[csrf] = true
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: csrf, Path: "/", Secure: !s.cfg.plain, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: sid, Path: "/", HttpOnly: true, Secure: !s.cfg.plain, SameSite: http.SameSiteLaxMode})
	var data any
	if site != "" {
		data = map[string]string{"site": site}
	}
	ok(w, "Login successful.", data)
}

func (s *Server) signout(r *http.Request) (any, string, error) {
	if c, err := r.Cookie("sessionid"); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	return nil, "Logout successful.", nil
}

const csrfFailure = `<!DOCTYPE html><html lang="en"><head><title>403 Forbidden</title></head><body><h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed. Request aborted.</p><p>%s</p></body></html>`

func csrfFail(w http.ResponseWriter, reason string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = fmt.Fprintf(w, csrfFailure, reason)
}

// authed enforces, in Django's order, CSRF on unsafe methods (header equal to the cookie,
// same-origin Referer over TLS) then the session, and writes the envelope of fn's answer.
func (s *Server) authed(fn handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if simkit.IsWriteMethod(r.Method) {
			// 403 on missing CSRF/Referer is Django behaviour [inferred].
			cookie, err := r.Cookie("csrftoken")
			switch {
			case err != nil || cookie.Value == "":
				csrfFail(w, "CSRF cookie not set.")
				return
			case r.Header.Get("X-CSRFToken") == "" || r.Header.Get("X-CSRFToken") != cookie.Value:
				csrfFail(w, "CSRF token missing or incorrect.")
				return
			}
			if !s.cfg.plain {
				ref, err := url.Parse(r.Header.Get("Referer"))
				switch {
				case r.Header.Get("Referer") == "" || err != nil:
					csrfFail(w, "Referer checking failed - no Referer.")
					return
				case ref.Scheme != "https" || !sameOrigin(ref, r.Host):
					csrfFail(w, "Referer checking failed - Referer does not match any trusted origins.")
					return
				}
			}
		}
		c, err := r.Cookie("sessionid")
		s.mu.Lock()
		var ss *simSession
		if err == nil {
			ss = s.sessions[c.Value]
		}
		s.mu.Unlock()
		if ss == nil || ss.expired {
			writeEnvelope(w, http.StatusUnauthorized, ems.RetValSessionExpired, "Session has expired or does not exist.", nil)
			return
		}
		data, msg, err := fn(r)
		if err != nil {
			fail(w, err)
			return
		}
		if msg == "" {
			msg = "Success."
		}
		ok(w, msg, data)
	})
}

// ---- request helpers ----

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return invalid("body: %v", err)
	}
	return nil
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalid("%s must be an integer", name)
	}
	return n, nil
}

func pathID(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || n <= 0 {
		return 0, invalid("id %q", r.PathValue("id"))
	}
	return n, nil
}

// page slices items for offset/count query parameters (count 0 or absent: default 100).
func page[T any](q url.Values, items []T) ([]T, error) {
	off, err := intParam(q, "offset", 0)
	if err != nil {
		return nil, err
	}
	cnt, err := intParam(q, "count", 100)
	if err != nil {
		return nil, err
	}
	if off < 0 || cnt <= 0 {
		return nil, invalid("offset must be >= 0 and count > 0")
	}
	if off >= len(items) {
		return []T{}, nil
	}
	return items[off:min(len(items), off+cnt)], nil
}

// sameOrigin reports whether a Referer names the server's origin. A Referer without a port
// names the server on any port: public clients write "https://<ems-host>" (fotoobo), which a
// real EMS on 443 accepts; the simulator listens on other ports.
func sameOrigin(ref *url.URL, host string) bool {
	if ref.Host == host {
		return true
	}
	h, _, err := net.SplitHostPort(host)
	return err == nil && ref.Port() == "" && ref.Hostname() == h
}
