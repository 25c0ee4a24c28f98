package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sitekit/sitekit"
)

// APIError is the HTTP-level description of an error answer that [Client.Do] hands to a
// client package's DecodeError hook, which converts it to the package's own exported error
// type; errors.Is matches Kind (one of the sitekit sentinels).
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
	return FormatError(e.Appliance, e.Method, e.Path, e.StatusCode, e.Message)
}

// FormatError renders an error answer the same way for every client:
// "fortigate: GET /api/v2/cmdb/firewall/address/x: 404 Not Found: message"; a status of 0
// (a JSON-RPC error) leaves out the path and status.
func FormatError(appliance, method, path string, status int, message string) string {
	s := appliance + ": " + method + " " + path + ": " + strconv.Itoa(status) + " " + http.StatusText(status)
	if status == 0 {
		s = appliance + ": " + method
	}
	if message != "" {
		s += ": " + message
	}
	return s
}

// RetryableStatus reports whether an error answer with this HTTP status and Retry-After hint
// is worth sending again unchanged: 502, 503 and 504, and 429 when the server asks to wait at
// most sitekit.DefaultRetryPolicy.MaxRetryAfter (or gives no hint).
func RetryableStatus(status int, retryAfter time.Duration) bool {
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case http.StatusTooManyRequests:
		return retryAfter <= sitekit.DefaultRetryPolicy.MaxRetryAfter
	}
	return false
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
	Unknown bool
	// Done is set when the caller's context ended (cancelled or past its deadline).
	Done     bool
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

// Retryable reports whether sending the request again may succeed: the outcome is known (the
// request was never sent, or is idempotent), the caller's context is still alive and the
// failure is not a certificate or pin mismatch. sitekit.IsRetryable asks it.
func (e *TransportError) Retryable() bool {
	return !e.Unknown && !e.Done && !IsTLSFailure(e.Err)
}
