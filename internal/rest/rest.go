// Package rest is the HTTP plumbing shared by the appliance clients: one resty v2 client per
// appliance client (resty's own retries off), our retry loop on backoff/v4 with a per-appliance
// classifier and Retry-After honoured up to a cap, TLS verification with pinning, a per-attempt
// timeout, one slog record per attempt with secrets redacted, path-segment escaping, and the
// [APIError] description of an error answer that each client package converts to its own
// exported error type.
package rest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/go-resty/resty/v2"
	"golang.org/x/sync/semaphore"

	"github.com/sitekit/sitekit"
)

// Config describes one appliance client's HTTP behaviour.
type Config struct {
	// Appliance names the appliance in logs and errors ("fortigate", "xo", …).
	Appliance string
	// BaseURL is the appliance's root URL, e.g. https://10.10.10.1 (a path prefix is kept).
	BaseURL string
	// Settings are the shared client settings built by sitekit.Apply.
	Settings sitekit.Settings
	// Classify decides whether a failed attempt is retried; nil means [DefaultClassifier].
	Classify Classifier
	// DecodeError turns a non-2xx answer into the package's error. base is already filled with
	// what HTTP says (status, kind, message from the body when it is short text); the hook
	// refines it from the appliance envelope and returns the package's error type. Nil means
	// base is returned.
	DecodeError func(base *APIError, body []byte) error
	// Authorize adds credentials to each attempt (e.g. a Bearer header or a session cookie).
	Authorize func(ctx context.Context, h http.Header) error
	// SecretQueryParams are query parameter names whose values are redacted in logs and errors,
	// in addition to the usual token/key/password names.
	SecretQueryParams []string
}

// Classifier decides whether a failed attempt should be retried.
type Classifier func(a *Attempt) bool

// Attempt describes one try of a request, for a [Classifier].
type Attempt struct {
	Method     string
	Idempotent bool
	Number     int // 1 for the first try
	// Err is the transport error, nil when an HTTP answer arrived.
	Err error
	// Sent reports whether the request headers reached the wire (false: connection refused,
	// DNS failure, TLS failure before any byte of the request was written).
	Sent       bool
	StatusCode int
	Header     http.Header
	Body       []byte
	// RetryAfter is the server's hint (429/503), zero when absent.
	RetryAfter time.Duration
}

// DefaultClassifier retries: a connection that never carried the request (any method); any
// transport failure or 502/503/504 of an idempotent request; a 429 (the server refused the
// request, so even a POST is safe to resend).
func DefaultClassifier(a *Attempt) bool {
	if a.Err != nil {
		if IsTLSFailure(a.Err) {
			return false // a certificate or pin mismatch will not fix itself
		}
		return !a.Sent || a.Idempotent
	}
	switch a.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return a.Idempotent
	}
	return false
}

// RetryMode overrides the idempotency derived from the HTTP method.
type RetryMode int

const (
	// RetryAuto treats GET, HEAD, PUT, DELETE, OPTIONS as idempotent and POST, PATCH as not.
	RetryAuto RetryMode = iota
	// RetryIdempotent marks a POST as safe to resend (e.g. a JSON-RPC-style read over POST).
	RetryIdempotent
	// RetryNever sends the request once whatever happens.
	RetryNever
)

// Request is one API call.
type Request struct {
	Method string
	// Path is appended to the base URL; build it with [Path] so that segments are escaped.
	Path   string
	Query  url.Values
	Header http.Header
	// Body is sent as JSON, unless it is a []byte (sent as is with ContentType).
	Body        any
	ContentType string
	// Result receives the JSON body of a 2xx answer (nil: not decoded).
	Result any
	Retry  RetryMode
	// Timeout bounds each attempt; zero means Settings.Timeout.
	Timeout time.Duration
	// IsWrite marks a request that mutates state even if its method is GET (some appliances);
	// writes are counted against Settings.MaxConcurrentWrites. POST/PUT/PATCH/DELETE are writes.
	IsWrite bool
}

// Response is a successful answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Attempts   int
}

// Client sends requests to one appliance.
type Client struct {
	cfg      Config
	base     *url.URL
	hc       *http.Client
	rc       *resty.Client
	writes   *semaphore.Weighted
	classify Classifier
	log      *slog.Logger
	secrets  []string
}

// New builds a client. It does no I/O.
func New(cfg Config) (*Client, error) {
	if cfg.Appliance == "" {
		return nil, errors.New("rest: Config.Appliance is required")
	}
	base, err := ParseBaseURL(cfg.BaseURL, cfg.Settings)
	if err != nil {
		return nil, err
	}
	hc, err := HTTPClient(cfg.Settings)
	if err != nil {
		return nil, err
	}
	// resty reads a body under SetResponseBodyLimit 512 bytes at a time, re-growing its
	// buffer (the largest allocation of a 100-site run); without a limit it uses io.ReadAll.
	// The limit is enforced by the transport instead.
	rhc := *hc
	rhc.Transport = limitTransport{next: hc.Transport, limit: maxBody}
	if rhc.Transport.(limitTransport).next == nil {
		rhc.Transport = limitTransport{next: http.DefaultTransport, limit: maxBody}
	}
	rc := resty.NewWithClient(&rhc)
	rc.SetRetryCount(0)
	rc.SetLogger(discardLogger{})
	rc.SetDebug(false)
	c := &Client{cfg: cfg, base: base, hc: hc, rc: rc, classify: cfg.Classify, log: cfg.Settings.Logger}
	if c.classify == nil {
		c.classify = DefaultClassifier
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if n := cfg.Settings.MaxConcurrentWrites; n > 0 {
		c.writes = semaphore.NewWeighted(int64(n))
	}
	c.secrets = append([]string{"access_token", "token", "api_key", "apikey", "key", "password", "secret", "secretkey", "session_key", "authenticationtoken"}, cfg.SecretQueryParams...)
	return c, nil
}

// ParseBaseURL validates an appliance URL: absolute http(s), no query, no credentials, and
// plain http only to loopback unless Settings.AllowPlainHTTP.
func ParseBaseURL(raw string, s sitekit.Settings) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "wss" && u.Scheme != "ws") {
		return nil, sitekit.Invalid("BaseURL", raw, "must be an absolute https:// URL")
	}
	if u.User != nil {
		return nil, sitekit.Invalid("BaseURL", u.Redacted(), "must not carry credentials; use an Option")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, sitekit.Invalid("BaseURL", sanitizeQuery(u, nil), "must not have a query or fragment")
	}
	if (u.Scheme == "http" || u.Scheme == "ws") && !sitekit.IsLoopback(u.Hostname()) && !s.AllowPlainHTTP {
		return nil, sitekit.Invalid("BaseURL", raw, "plain http to a non-loopback host would send credentials in clear; use https or sitekit.WithPlainHTTP()")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// HTTPClient returns the *http.Client for s: the caller's, with TLS settings applied to a
// clone of its transport, or a fresh one with its own transport.
func HTTPClient(s sitekit.Settings) (*http.Client, error) {
	tlsCfg, err := s.TLS.Build()
	if err != nil {
		return nil, err
	}
	if s.HTTPClient != nil {
		hc := *s.HTTPClient
		if !s.TLS.IsZero() {
			t, ok := hc.Transport.(*http.Transport)
			if !ok {
				return nil, sitekit.Invalid("HTTPClient.Transport", fmt.Sprintf("%T", hc.Transport), "TLS options need an *http.Transport")
			}
			t = t.Clone()
			t.TLSClientConfig = tlsCfg
			hc.Transport = t
		}
		return &hc, nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tlsCfg
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t}, nil
}

// BaseURL returns a copy of the appliance's base URL.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// HTTP returns the underlying *http.Client (with the TLS settings), e.g. to dial a WebSocket
// to the same appliance.
func (c *Client) HTTP() *http.Client { return c.hc }

// Settings returns the client's settings.
func (c *Client) Settings() sitekit.Settings { return c.cfg.Settings }

// Path joins segments into an escaped path: every segment is escaped (a "/" inside a name
// becomes %2F) and joined with "/". Static parts may be passed pre-joined with [Raw].
func Path(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		switch v := p.(type) {
		case Raw:
			b.WriteString(strings.Trim(string(v), "/"))
		case string:
			b.WriteString(url.PathEscape(v))
		default:
			b.WriteString(url.PathEscape(fmt.Sprint(v)))
		}
	}
	return b.String()
}

// Raw is a path fragment written as is by [Path] (static API prefixes like "api/v2/cmdb").
type Raw string

func idempotent(method string, mode RetryMode) bool {
	switch mode {
	case RetryIdempotent:
		return true
	case RetryNever:
		return false
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func isWrite(r *Request) bool {
	if r.IsWrite {
		return true
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// Do sends r with retries and returns the 2xx answer, or an error: *APIError (via the
// package's DecodeError) for an HTTP error, *TransportError for a transport failure, the
// context's error when ctx ended first.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	var body []byte
	contentType := r.ContentType
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = b
	case json.RawMessage:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("%s: encode %s %s: %w", c.cfg.Appliance, r.Method, r.Path, err)
		}
		if contentType == "" {
			contentType = "application/json"
		}
	}
	if isWrite(&r) && c.writes != nil {
		if err := c.writes.Acquire(ctx, 1); err != nil {
			return nil, err
		}
		defer c.writes.Release(1)
	}
	target := c.base.String() + r.Path
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	logPath := "" // sanitized on first use: only logs and errors need it
	idem := idempotent(r.Method, r.Retry)
	policy := c.cfg.Settings.Retry.WithDefaults()
	maxAttempts := policy.MaxAttempts
	if r.Retry == RetryNever {
		maxAttempts = 1
	}

	var hint time.Duration
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval, eb.MaxInterval, eb.Multiplier, eb.MaxElapsedTime = policy.InitialInterval, policy.MaxInterval, 2, 0
	eb.Reset()
	bo := backoff.WithContext(backoff.WithMaxRetries(&hintBackOff{next: eb, hint: &hint}, uint64(maxAttempts-1)), ctx)

	attempt := 0
	op := func() (*Response, error) {
		attempt++
		hint = 0
		a, resp, err := c.attempt(ctx, &r, target, body, contentType, attempt, idem)
		c.logAttempt(ctx, r.Method, &logPath, &r, a, err)
		if err == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, backoff.Permanent(c.finalError(ctx, idem, err))
		}
		if attempt < maxAttempts && c.classify(a) {
			if a.RetryAfter > policy.MaxRetryAfter {
				return nil, backoff.Permanent(err) // too long to wait here: the caller decides
			}
			hint = a.RetryAfter
			return nil, err
		}
		return nil, backoff.Permanent(c.finalError(ctx, idem, err))
	}
	return backoff.RetryNotifyWithData(op, bo, nil)
}

// finalError makes the error returned to the caller once no more attempts will be made.
func (c *Client) finalError(ctx context.Context, idem bool, err error) error {
	var te *TransportError
	if errors.As(err, &te) {
		te.Unknown = te.Sent && !idem
		if ctx.Err() != nil {
			te.Err, te.Done = ctx.Err(), true
		}
	}
	return err
}

func (c *Client) attempt(ctx context.Context, r *Request, target string, body []byte, contentType string, n int, idem bool) (*Attempt, *Response, error) {
	a := &Attempt{Method: r.Method, Idempotent: idem, Number: n}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = c.cfg.Settings.Timeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var sent atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }})

	req := c.rc.R().SetContext(actx)
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.cfg.Settings.UserAgent)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if body != nil {
		req.SetBody(body)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
	}
	if c.cfg.Authorize != nil {
		if err := c.cfg.Authorize(ctx, req.Header); err != nil {
			return a, nil, err
		}
	}
	start := time.Now()
	resp, err := req.Execute(r.Method, target)
	// A request counts as unsent only when the failure proves it: a dial or TLS handshake
	// error. Transports that do not report WroteHeaders (in-memory ones) count as sent, so a
	// lost create is never resent.
	a.Sent = sent.Load() || (err != nil && !failedBeforeSending(err))
	if err != nil {
		a.Err = err
		path := c.sanitize(strings.TrimPrefix(target, c.base.String()), nil)
		return a, nil, &TransportError{Appliance: c.cfg.Appliance, Method: r.Method, Path: path, Err: unwrapURLError(err), Sent: a.Sent, Duration: time.Since(start)}
	}
	a.StatusCode = resp.StatusCode()
	a.Header = resp.Header()
	a.Body = resp.Body()
	a.RetryAfter = ParseRetryAfter(a.Header.Get("Retry-After"), time.Now())
	if a.StatusCode >= 200 && a.StatusCode < 300 {
		out := &Response{StatusCode: a.StatusCode, Header: a.Header, Body: a.Body}
		if r.Result != nil && len(bytes.TrimSpace(a.Body)) > 0 {
			if err := json.Unmarshal(a.Body, r.Result); err != nil {
				return a, nil, fmt.Errorf("%s: decode %s %s: %w", c.cfg.Appliance, r.Method, c.sanitize(r.Path, r.Query), err)
			}
		}
		return a, out, nil
	}
	base := &APIError{
		Appliance: c.cfg.Appliance, Method: r.Method, Path: c.sanitize(r.Path, r.Query), StatusCode: a.StatusCode,
		Message: shortText(a.Header, a.Body), RetryAfter: a.RetryAfter, Kind: KindForStatus(a.StatusCode),
		Body: truncate(a.Body, 64<<10),
	}
	if c.cfg.DecodeError != nil {
		return a, nil, c.cfg.DecodeError(base, a.Body)
	}
	return a, nil, base
}

// logAttempt logs one attempt; nothing is built when the logger drops the level. path
// caches the sanitized path of r across attempts.
func (c *Client) logAttempt(ctx context.Context, method string, path *string, r *Request, a *Attempt, err error) {
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
	}
	if !c.log.Enabled(ctx, level) {
		return
	}
	if *path == "" {
		*path = c.sanitize(r.Path, r.Query)
	}
	attrs := []slog.Attr{
		slog.String("appliance", c.cfg.Appliance), slog.String("method", method), slog.String("path", *path),
		slog.Int("attempt", a.Number),
	}
	if a.StatusCode != 0 {
		attrs = append(attrs, slog.Int("status", a.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, level, "http request", attrs...)
}

// sanitize renders path?query with secret-looking parameter values redacted.
func (c *Client) sanitize(path string, q url.Values) string {
	u, err := url.Parse(path)
	if err != nil {
		return "(unparsable path)"
	}
	if q != nil {
		merged := u.Query()
		for k, vs := range q {
			merged[k] = vs
		}
		u.RawQuery = merged.Encode()
	}
	return sanitizeQuery(u, c.secrets)
}

func sanitizeQuery(u *url.URL, secrets []string) string {
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		for _, s := range secrets {
			if lk == s || strings.Contains(lk, "token") || strings.Contains(lk, "password") {
				q.Set(k, "[redacted]")
			}
		}
	}
	out := u.EscapedPath()
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	return out
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err // url.Error repeats the full URL, which may carry a query secret
	}
	return err
}

// failedBeforeSending reports whether err proves that no byte of the request was written:
// name resolution, connection set-up or TLS handshake failures.
func failedBeforeSending(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || IsTLSFailure(err)
}

// IsTLSFailure reports whether err is a certificate verification or pin failure.
func IsTLSFailure(err error) bool {
	var pin *sitekit.PinMismatchError
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	var alert tls.AlertError
	var rec tls.RecordHeaderError
	return errors.As(err, &pin) || errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) ||
		errors.As(err, &verify) || errors.As(err, &alert) || errors.As(err, &rec)
}

// ParseRetryAfter reads a Retry-After header (delta-seconds or HTTP-date); 0 when absent.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// hintBackOff returns the server's Retry-After hint when there is one, else the exponential
// backoff's next interval.
type hintBackOff struct {
	next backoff.BackOff
	hint *time.Duration
}

func (h *hintBackOff) NextBackOff() time.Duration {
	d := h.next.NextBackOff()
	if *h.hint > 0 && d != backoff.Stop {
		return *h.hint
	}
	return d
}

func (h *hintBackOff) Reset() { h.next.Reset() }

func shortText(h http.Header, body []byte) string {
	ct := h.Get("Content-Type")
	if strings.Contains(ct, "json") || strings.Contains(ct, "html") || len(body) > 512 {
		return ""
	}
	return strings.TrimSpace(string(body))
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

// maxBody bounds the size of an answer body.
const maxBody = 256 << 20

// errBodyTooLarge is returned by a read past maxBody.
var errBodyTooLarge = errors.New("rest: answer body larger than 256 MiB")

// limitTransport makes every response body fail once it has given limit bytes.
type limitTransport struct {
	next  http.RoundTripper
	limit int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: t.limit}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
