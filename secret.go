package sitekit

import (
	"fmt"
	"log/slog"
)

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
