package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/sitekit/sitekit"
)

// Key identifies a resource: the appliance that holds it, its kind and its
// natural name on that appliance. Keys are comparable and serve as step IDs.
type Key struct {
	Appliance string `json:"appliance"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
}

// K is shorthand for Key{Appliance: appliance, Kind: kind, Name: name}.
func K(appliance, kind, name string) Key { return Key{appliance, kind, name} }

// String returns "appliance/kind/name", e.g. "fortigate/vlan/compta";
// [ParseKey] reads it back (the name may itself contain slashes).
func (k Key) String() string { return k.Appliance + "/" + k.Kind + "/" + k.Name }

// ParseKey parses the text form of a key, "appliance/kind/name": the first
// two slashes end the appliance and the kind, the rest is the name. Every
// part must be non-empty.
func ParseKey(s string) (Key, error) {
	parts := strings.SplitN(s, "/", 3)
	if len(parts) != 3 {
		return Key{}, fmt.Errorf("key %q: want appliance/kind/name", s)
	}
	k := Key{parts[0], parts[1], parts[2]}
	if err := k.validate(); err != nil {
		return Key{}, err
	}
	return k, nil
}

// Less orders keys by appliance, kind, then name.
func (k Key) Less(o Key) bool {
	if k.Appliance != o.Appliance {
		return k.Appliance < o.Appliance
	}
	if k.Kind != o.Kind {
		return k.Kind < o.Kind
	}
	return k.Name < o.Name
}

func (k Key) validate() error {
	var missing []string
	if k.Appliance == "" {
		missing = append(missing, "appliance")
	}
	if k.Kind == "" {
		missing = append(missing, "kind")
	}
	if k.Name == "" {
		missing = append(missing, "name")
	}
	if len(missing) > 0 {
		return fmt.Errorf("resource %q: empty %s", k.String(), strings.Join(missing, ", "))
	}
	if strings.Contains(k.Appliance, "/") || strings.Contains(k.Kind, "/") {
		return fmt.Errorf("resource %q: a slash in the appliance or kind", k.String())
	}
	return nil
}

// ErrTransient marks an error worth retrying (throttling, 503, a reset before
// the request was sent). Retries are governed by [WithRetries].
var ErrTransient = errors.New("transient")

// ErrUpstream is wrapped by the error of a step skipped because a step it
// depends on did not succeed.
var ErrUpstream = errors.New("upstream dependency did not succeed")

type markedError struct {
	err  error
	mark error
}

func (e *markedError) Error() string   { return e.mark.Error() + ": " + e.err.Error() }
func (e *markedError) Unwrap() []error { return []error{e.err, e.mark} }

// Ambiguous wraps err so that [IsAmbiguous] reports true: the write's outcome is unknown (it
// may or may not have been applied), and the engine re-observes the resource before any retry
// of a create, so it never creates twice. The result matches sitekit.ErrOutcomeUnknown. A nil
// err stays nil.
func Ambiguous(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sitekit.ErrOutcomeUnknown) {
		return err
	}
	return &markedError{err, sitekit.ErrOutcomeUnknown}
}

// Transient wraps err so that [IsTransient] reports true. A nil err stays nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &markedError{err, ErrTransient}
}

// IsAmbiguous reports whether err leaves the outcome of a write unknown: it
// matches sitekit.ErrOutcomeUnknown (see [Ambiguous]), [context.DeadlineExceeded] or a
// connection reset.
func IsAmbiguous(err error) bool {
	return errors.Is(err, sitekit.ErrOutcomeUnknown) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNRESET)
}

// IsTransient reports whether err is worth retrying: it wraps [ErrTransient],
// implements Temporary() or Retryable() returning true, or is ambiguous.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrTransient) || IsAmbiguous(err) {
		return true
	}
	var t interface{ Temporary() bool }
	if errors.As(err, &t) && t.Temporary() {
		return true
	}
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}
