package sitekit

import (
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

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
