package netdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sitekit/sitekit/internal/rest"
)

// ErrUnsupported is matched (errors.Is) by calls that need an API the agent does not have,
// e.g. a v3-only call on a 1.37 agent. Detected from /api/v1/info, never assumed.
var ErrUnsupported = errors.New("netdata: not supported by this agent")

// APIError is an HTTP error answered by the agent. Netdata answers errors as plain text
// ("Chart is not found: nope.nope", "Auth Error"); the text is in Message. errors.Is matches
// the sitekit sentinel of Kind when it is set, else the one of the status: 404 →
// [sitekit.ErrNotFound], 400 → [sitekit.ErrInvalid], 401/403 → [sitekit.ErrUnauthorized],
// 429 → [sitekit.ErrRateLimited]; and [ErrUnsupported] when UnsupportedAPI is set.
//
// Users may build one to fake an agent's failure in their tests:
//
//	&netdata.APIError{Method: "GET", Path: "/api/v1/chart", StatusCode: 404, Message: "Chart is not found: x"}
type APIError struct {
	Method     string        // HTTP method
	Path       string        // request path, secret query values redacted
	StatusCode int           // HTTP status
	Message    string        // the agent's text
	RetryAfter time.Duration // the Retry-After hint, zero when absent
	Body       []byte        // the raw answer, at most 64 KiB
	// UnsupportedAPI is set when the agent does not have the API version requested
	// (1.37 answers /api/v2/* and /api/v3/* with 404 "Unsupported API version: v2").
	UnsupportedAPI bool
	// Kind, when set, is the sentinel the error matches instead of the status's.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	return rest.FormatError("netdata", e.Method, e.Path, e.StatusCode, e.Message)
}

// Is matches the sentinel of Kind or of the HTTP status, and [ErrUnsupported] for an
// unsupported API version.
func (e *APIError) Is(target error) bool {
	if e.UnsupportedAPI && target == ErrUnsupported {
		return true
	}
	k := e.Kind
	if k == nil {
		k = rest.KindForStatus(e.StatusCode)
	}
	return k != nil && target == k
}

// Retryable reports whether sending the request again unchanged may succeed: 502, 503, 504,
// and a 429 asking to wait at most sitekit.DefaultRetryPolicy.MaxRetryAfter.
// sitekit.IsRetryable asks it.
func (e *APIError) Retryable() bool { return rest.RetryableStatus(e.StatusCode, e.RetryAfter) }

func decodeError(base *rest.APIError, body []byte) error {
	e := &APIError{Method: base.Method, Path: base.Path, StatusCode: base.StatusCode, Message: base.Message,
		RetryAfter: base.RetryAfter, Body: base.Body}
	text := bytes.TrimSpace(body)
	if len(text) > 0 && text[0] == '{' {
		var env struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(text, &env) == nil && env.Error != "" {
			e.Message = env.Error
		}
	} else if e.Message == "" && len(text) > 0 && len(text) <= 512 {
		e.Message = string(text) // text/html bodies are plain sentences on this agent
	}
	if strings.HasPrefix(e.Message, "Unsupported API version") {
		e.UnsupportedAPI = true
	}
	return e
}
