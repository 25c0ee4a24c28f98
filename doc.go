// Package sitekit is an SDK for building, running and auditing the IT of small-business
// client sites from Go: one XCP-ng host managed by Xen Orchestra, a FortiGate at the edge,
// FortiClient EMS on the endpoints, a TrueNAS for backups and Netdata for monitoring.
//
// The module is organised as one typed client per appliance API ([github.com/sitekit/sitekit/xo],
// [github.com/sitekit/sitekit/fortigate], [github.com/sitekit/sitekit/ems],
// [github.com/sitekit/sitekit/truenas], [github.com/sitekit/sitekit/netdata]), an in-process
// simulator for each (the "…test" sub-packages, in the spirit of net/http/httptest) and the
// blueprint packages that declare a whole site as Go code and plan/apply it.
//
// This root package holds the value types every client shares, so that they are configured
// the same way and fail the same way:
//
//   - [Option] and [Settings]: credentials, TLS (custom CA or pinned SHA-256 fingerprints),
//     timeouts, retry policy, logger, user agent and HTTP client, accepted by every New.
//   - [Secret]: a credential that prints as [redacted] through fmt, JSON, text and slog.
//   - Sentinel errors ([ErrNotFound], [ErrExists], [ErrInUse], [ErrInvalid],
//     [ErrUnauthorized], [ErrRateLimited], [ErrOutcomeUnknown]) matched with errors.Is by
//     every client's APIError, and [FieldError] for local validation failures.
//   - [TLSConfig], [PinMismatchError] and [FetchFingerprint] for self-signed appliances.
//
// TLS verification is always on: an appliance with a self-signed certificate is reached by
// pinning its certificate (or public key) SHA-256 fingerprint, checked on every connection,
// resumed ones included. Nothing here reads the environment; examples do.
package sitekit

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Sentinel errors. Every client's APIError and every local validation error matches exactly
// one of them with errors.Is, so callers branch on meaning, not on appliance codes.
var (
	// ErrNotFound: the object does not exist (HTTP 404, FortiOS -3, TrueNAS ENOENT, …).
	ErrNotFound = errors.New("sitekit: not found")
	// ErrExists: an object with that identity already exists (FortiOS -5/-15, EEXIST, …).
	ErrExists = errors.New("sitekit: already exists")
	// ErrInUse: the object is referenced by another one and cannot be deleted or renamed.
	ErrInUse = errors.New("sitekit: in use")
	// ErrInvalid: the request was rejected as malformed, before or after it was sent.
	ErrInvalid = errors.New("sitekit: invalid request")
	// ErrUnauthorized: credentials missing, wrong, expired or lacking permission.
	ErrUnauthorized = errors.New("sitekit: unauthorized")
	// ErrRateLimited: the appliance asked us to slow down (or locked the source out).
	ErrRateLimited = errors.New("sitekit: rate limited")
	// ErrOutcomeUnknown: a non-idempotent request was sent but its answer was lost (timeout,
	// connection reset). The write may or may not have happened: observe before retrying.
	ErrOutcomeUnknown = errors.New("sitekit: outcome unknown")
)

// FieldError reports a request rejected locally, before any I/O, naming the field and the
// offending value. It matches [ErrInvalid].
type FieldError struct {
	Field  string // dotted path of the field, e.g. "VLANID" or "VIFs[1].Network"
	Value  any    // the offending value (never a secret)
	Reason string // what is wrong, e.g. "must be between 1 and 4094"
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid %s %v: %s", e.Field, quoteValue(e.Value), e.Reason)
}

// Is reports whether target is [ErrInvalid].
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Invalid is a short constructor for a *[FieldError].
func Invalid(field string, value any, reason string) error {
	return &FieldError{Field: field, Value: value, Reason: reason}
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// Secret is a credential (API token, password, API key). It never reveals its value through
// fmt verbs, JSON, text marshalling or slog, even nested inside another struct; only
// [Secret.Reveal] returns it, for the one place that puts it on the wire.
type Secret struct{ p *string }

// NewSecret wraps a credential.
func NewSecret(s string) Secret { return Secret{p: &s} }

const redacted = "[redacted]"

// Reveal returns the plain value. Call it only to put the secret on the wire.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return `sitekit.Secret("` + redacted + `")` }

// Format implements fmt.Formatter so that every verb (%s, %v, %q, %x, …) is redacted.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// RetryPolicy bounds the retries of transient failures. Only idempotent requests are retried
// (and a request refused outright, such as a 429 on most appliances, or a connection that
// never opened); a create whose answer was lost surfaces [ErrOutcomeUnknown] instead.
type RetryPolicy struct {
	// MaxAttempts counts the first try: 1 disables retries. 0 means the default (4).
	MaxAttempts int
	// InitialInterval is the first backoff wait (default 200ms), growing ×2 up to MaxInterval
	// (default 5s), with ±50% jitter.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is honoured (default 30s); a longer
	// hint is returned to the caller as an error matching [ErrRateLimited].
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy used when none is given.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, InitialInterval: 200 * time.Millisecond, MaxInterval: 5 * time.Second, MaxRetryAfter: 30 * time.Second}

// WithDefaults fills zero fields from [DefaultRetryPolicy].
func (p RetryPolicy) WithDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.InitialInterval <= 0 {
		p.InitialInterval = d.InitialInterval
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = d.MaxInterval
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	return p
}

// TLSConfig describes how a client trusts an appliance. The zero value verifies the
// certificate chain against the system roots, as a browser would.
type TLSConfig struct {
	// CAPEM holds extra PEM root certificates (an internal CA), used instead of system roots.
	CAPEM []byte
	// CertSHA256 pins the leaf certificate: lowercase or uppercase hex, colons allowed, as
	// shown by an appliance's web UI. Several pins allow rotation. When any pin is set the
	// chain is not checked against a CA: the pin is the check, run on every connection.
	CertSHA256 []string
	// SPKISHA256 pins the leaf's public key (survives re-issuing a certificate on the same key).
	SPKISHA256 []string
	// ServerName overrides the name used for SNI and chain verification.
	ServerName string
}

// Build returns the *tls.Config for c. Pins are verified in VerifyConnection, so resumed
// sessions are checked too.
func (c TLSConfig) Build() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if len(c.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(c.CAPEM) {
			return nil, Invalid("TLS.CAPEM", "(pem)", "no certificate could be parsed")
		}
		cfg.RootCAs = pool
	}
	certPins, err := normalizePins("TLS.CertSHA256", c.CertSHA256)
	if err != nil {
		return nil, err
	}
	spkiPins, err := normalizePins("TLS.SPKISHA256", c.SPKISHA256)
	if err != nil {
		return nil, err
	}
	if len(certPins) == 0 && len(spkiPins) == 0 {
		return cfg, nil
	}
	// Pinning replaces chain verification (appliances are self-signed) but is never skipped:
	// VerifyConnection runs for every handshake, including resumptions.
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return &PinMismatchError{Want: append(certPins, spkiPins...)}
		}
		leaf := cs.PeerCertificates[0]
		got := Fingerprint(leaf)
		if slices.Contains(certPins, got) {
			return nil
		}
		spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
		if slices.Contains(spkiPins, hex.EncodeToString(spki[:])) {
			return nil
		}
		return &PinMismatchError{Got: got, Want: append(slices.Clone(certPins), spkiPins...)}
	}
	return cfg, nil
}

// IsZero reports whether c is the default (system roots).
func (c TLSConfig) IsZero() bool {
	return len(c.CAPEM) == 0 && len(c.CertSHA256) == 0 && len(c.SPKISHA256) == 0 && c.ServerName == ""
}

func normalizePins(field string, pins []string) ([]string, error) {
	out := make([]string, 0, len(pins))
	for i, p := range pins {
		n := NormalizeFingerprint(p)
		if b, err := hex.DecodeString(n); err != nil || len(b) != sha256.Size {
			return nil, Invalid(fmt.Sprintf("%s[%d]", field, i), p, "must be a SHA-256 fingerprint (64 hex digits, colons allowed)")
		}
		out = append(out, n)
	}
	return out, nil
}

// NormalizeFingerprint lowercases a hex fingerprint and removes colons and spaces.
func NormalizeFingerprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// Fingerprint returns the lowercase hex SHA-256 of a certificate's DER bytes.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// PinMismatchError reports a server certificate matching none of the pins. Got is the
// observed fingerprint, to show to a human who may decide to trust it.
type PinMismatchError struct {
	Got  string
	Want []string
}

// Error implements error.
func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("tls: certificate pin mismatch: server presented sha256 %s, expected one of %v", e.Got, e.Want)
}

// Is reports whether target is [ErrUnauthorized]: the peer is not who we trust.
func (e *PinMismatchError) Is(target error) bool { return target == ErrUnauthorized }

// FetchFingerprint connects to addr ("host:port") and returns the SHA-256 fingerprint of the
// certificate it presents, for trust-on-first-use enrolment: show it to a human or record it in
// a CMDB, then pin it. It never trusts anything by itself and sends nothing but a handshake.
func FetchFingerprint(ctx context.Context, addr string) (string, error) {
	d := tls.Dialer{Config: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}} //nolint:gosec // reading only, nothing is sent
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sitekit: fetch fingerprint of %s: %w", addr, err)
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", fmt.Errorf("sitekit: fetch fingerprint of %s: no certificate presented", addr)
	}
	return Fingerprint(certs[0]), nil
}

// Settings is the configuration shared by every appliance client. Clients build it from
// [Option] values; appliance-specific options store their values with [Settings.Set].
type Settings struct {
	Token      Secret // static API token or key (FortiOS, XO, TrueNAS, Netdata)
	Username   string // for session logins (EMS, TrueNAS or XO bootstrap)
	Password   Secret
	TLS        TLSConfig
	Timeout    time.Duration // per attempt; 0 means 30s. The overall budget is the ctx.
	Retry      RetryPolicy
	Logger     *slog.Logger // nil means discard
	UserAgent  string
	HTTPClient *http.Client // optional; its Transport's TLS config is replaced by TLS when set
	// AllowPlainHTTP permits http:// (or ws://) to a non-loopback host. Secrets would travel
	// in clear: off by default.
	AllowPlainHTTP bool
	// MaxConcurrentWrites caps in-flight mutating requests of one client (0: no cap). The
	// blueprint engine has its own per-appliance limit; this is a safety net below it.
	MaxConcurrentWrites int

	values map[any]any
}

// Set stores an appliance-specific value under a package-private key type.
func (s *Settings) Set(key, value any) {
	if s.values == nil {
		s.values = map[any]any{}
	}
	s.values[key] = value
}

// Value returns what [Settings.Set] stored under key, or nil.
func (s *Settings) Value(key any) any { return s.values[key] }

// LogValue keeps credentials and custom values out of logs.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", s.Username), slog.Bool("token", !s.Token.IsZero()),
		slog.Duration("timeout", s.Timeout), slog.Int("pins", len(s.TLS.CertSHA256)+len(s.TLS.SPKISHA256)))
}

// Option configures a client. Options validate their argument and return a *[FieldError]
// from New when it is wrong.
type Option func(*Settings) error

// Apply builds Settings from options, stopping at the first invalid one.
func Apply(opts ...Option) (Settings, error) {
	var s Settings
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return s, err
		}
	}
	s.Retry = s.Retry.WithDefaults()
	if s.Timeout == 0 {
		s.Timeout = 30 * time.Second
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.UserAgent == "" {
		s.UserAgent = "sitekit/0.1 (+https://github.com/sitekit/sitekit)"
	}
	return s, nil
}

// WithToken sets the static API token (FortiOS REST admin key, XO authentication token,
// TrueNAS API key, Netdata health-management token).
func WithToken(token Secret) Option {
	return func(s *Settings) error {
		if token.IsZero() {
			return Invalid("Token", "", "must not be empty")
		}
		s.Token = token
		return nil
	}
}

// WithCredentials sets a username and password for appliances with session logins.
func WithCredentials(username string, password Secret) Option {
	return func(s *Settings) error {
		if username == "" {
			return Invalid("Username", username, "must not be empty")
		}
		if password.IsZero() {
			return Invalid("Password", "", "must not be empty")
		}
		s.Username, s.Password = username, password
		return nil
	}
}

// WithCertSHA256 pins the appliance's certificate by SHA-256 fingerprint (several allowed).
func WithCertSHA256(fingerprints ...string) Option {
	return func(s *Settings) error {
		if _, err := normalizePins("CertSHA256", fingerprints); err != nil {
			return err
		}
		s.TLS.CertSHA256 = append(s.TLS.CertSHA256, fingerprints...)
		return nil
	}
}

// WithSPKISHA256 pins the appliance's public key by SHA-256 of its SubjectPublicKeyInfo.
func WithSPKISHA256(fingerprints ...string) Option {
	return func(s *Settings) error {
		if _, err := normalizePins("SPKISHA256", fingerprints); err != nil {
			return err
		}
		s.TLS.SPKISHA256 = append(s.TLS.SPKISHA256, fingerprints...)
		return nil
	}
}

// WithCA trusts the PEM root certificates given (an internal CA) instead of system roots.
func WithCA(pem []byte) Option {
	return func(s *Settings) error {
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return Invalid("CA", "(pem)", "no certificate could be parsed")
		}
		s.TLS.CAPEM = pem
		return nil
	}
}

// WithTLS sets the whole TLS configuration at once.
func WithTLS(c TLSConfig) Option {
	return func(s *Settings) error {
		if _, err := c.Build(); err != nil {
			return err
		}
		s.TLS = c
		return nil
	}
}

// WithTimeout bounds each attempt of each request (default 30s).
func WithTimeout(d time.Duration) Option {
	return func(s *Settings) error {
		if d <= 0 {
			return Invalid("Timeout", d, "must be positive")
		}
		s.Timeout = d
		return nil
	}
}

// WithRetry sets the retry policy; zero fields take [DefaultRetryPolicy]'s values.
func WithRetry(p RetryPolicy) Option {
	return func(s *Settings) error {
		if p.MaxAttempts < 0 {
			return Invalid("Retry.MaxAttempts", p.MaxAttempts, "must not be negative")
		}
		s.Retry = p
		return nil
	}
}

// WithLogger sends one structured record per HTTP attempt to l (secrets redacted).
func WithLogger(l *slog.Logger) Option {
	return func(s *Settings) error { s.Logger = l; return nil }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(s *Settings) error { s.UserAgent = ua; return nil }
}

// WithHTTPClient uses hc (its Transport, Jar, …) instead of a client built from Settings.
// The simulators use it to hand out clients already wired to them.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *Settings) error {
		if hc == nil {
			return Invalid("HTTPClient", "nil", "must not be nil")
		}
		s.HTTPClient = hc
		return nil
	}
}

// WithPlainHTTP allows http:// or ws:// to hosts other than loopback. Credentials then cross
// the network in clear; use only on an isolated management VLAN.
func WithPlainHTTP() Option {
	return func(s *Settings) error { s.AllowPlainHTTP = true; return nil }
}

// WithMaxConcurrentWrites caps the client's concurrent mutating requests.
func WithMaxConcurrentWrites(n int) Option {
	return func(s *Settings) error {
		if n < 0 {
			return Invalid("MaxConcurrentWrites", n, "must not be negative")
		}
		s.MaxConcurrentWrites = n
		return nil
	}
}

// IsLoopback reports whether host (a hostname or IP, without port) is the local machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
