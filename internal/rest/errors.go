package rest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/sitekit/sitekit"
)

// APIError is the HTTP-level part of every client's APIError. Client packages embed it and
// add their appliance codes; errors.Is matches Kind (one of the sitekit sentinels).
type APIError struct {
	Appliance  string        // "fortigate", "xo", …
	Method     string        // HTTP method (or JSON-RPC method for WebSocket clients)
	Path       string        // request path with secret query values redacted
	StatusCode int           // HTTP status (0 for JSON-RPC errors)
	Message    string        // the appliance's message, when it gave one
	RetryAfter time.Duration // the server's Retry-After hint, if any
	Body       []byte        // the raw answer, at most 64 KiB
	// Kind is the sentinel this error matches (sitekit.ErrNotFound, …), nil when none fits.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	s := fmt.Sprintf("%s: %s %s: %d %s", e.Appliance, e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.StatusCode == 0 {
		s = fmt.Sprintf("%s: %s", e.Appliance, e.Method)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches the sentinel in Kind.
func (e *APIError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// KindForStatus maps an HTTP status to the sitekit sentinel it means.
func KindForStatus(status int) error {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge, http.StatusMethodNotAllowed, http.StatusFailedDependency:
		return sitekit.ErrInvalid
	case http.StatusUnauthorized, http.StatusForbidden:
		return sitekit.ErrUnauthorized
	case http.StatusNotFound:
		return sitekit.ErrNotFound
	case http.StatusConflict:
		return sitekit.ErrExists
	case http.StatusTooManyRequests:
		return sitekit.ErrRateLimited
	}
	return nil
}

// TransportError is a request that got no HTTP answer.
type TransportError struct {
	Appliance string
	Method    string
	Path      string
	Err       error
	// Sent reports whether the request reached the wire.
	Sent bool
	// Unknown is set when a non-idempotent request was sent and its answer lost: the
	// change may have been applied. It makes the error match sitekit.ErrOutcomeUnknown.
	Unknown  bool
	Duration time.Duration
}

// Error implements error.
func (e *TransportError) Error() string {
	s := fmt.Sprintf("%s: %s %s: %v", e.Appliance, e.Method, e.Path, e.Err)
	if e.Unknown {
		s += " (request sent, outcome unknown)"
	}
	return s
}

// Unwrap returns the underlying network or context error.
func (e *TransportError) Unwrap() error { return e.Err }

// Is matches sitekit.ErrOutcomeUnknown when the write may have happened.
func (e *TransportError) Is(target error) bool {
	return e.Unknown && target == sitekit.ErrOutcomeUnknown
}
