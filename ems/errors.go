package ems

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
	"github.com/sitekit/sitekit/internal/rest"
)

// Known retval values of the EMS envelope.
const (
	// RetValOK is success [C2].
	RetValOK = 1
	// RetValWarning is what importers treat as a warning such as a duplicate [C, semantics I].
	RetValWarning = -1
	// RetValFailure is a failure [C, semantics I].
	RetValFailure = -2
	// RetValSessionExpired answers a call whose session expired or never existed [M].
	RetValSessionExpired = -4
)

// APIError is an EMS answer that reports a failure: an HTTP error status, or a 2xx whose
// envelope has a non-positive retval. errors.Is matches the sitekit sentinel of Kind when it
// is set, else the one derived from StatusCode, RetVal and Message:
//
//   - 401, retval -4 (session expired), sign-in refused, 403 (role or CSRF) → ErrUnauthorized
//   - 404 or a message saying "not found"/"does not exist" → ErrNotFound
//   - 409 or a message saying "already exists"/"duplicate" → ErrExists; "in use" → ErrInUse
//   - other 400s and non-positive retvals → ErrInvalid; 429 → ErrRateLimited
//
// The message-based part is inferred [I]: the EMS error vocabulary is not public. Users may
// build one to fake an EMS failure in their tests:
//
//	&ems.APIError{Method: "POST", Path: "/api/v1/ztna_tags", StatusCode: 200, RetVal: ems.RetValFailure, Message: "tag already exists"}
type APIError struct {
	Method     string        // HTTP method
	Path       string        // request path, secret query values redacted
	StatusCode int           // HTTP status
	Message    string        // the envelope's result.message, or the short text of the answer
	RetryAfter time.Duration // the Retry-After hint, zero when absent
	Body       []byte        // the raw answer, at most 64 KiB
	// RetVal is the envelope's result.retval (0 when the answer had no envelope, e.g. an HTML
	// error page).
	RetVal int
	// Kind, when set, is the sentinel the error matches instead of the derived one.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	s := rest.FormatError("ems", e.Method, e.Path, e.StatusCode, e.Message)
	if e.RetVal != 0 {
		s += fmt.Sprintf(" (retval %d)", e.RetVal)
	}
	return s
}

// Is reports whether target is the sitekit sentinel the error means.
func (e *APIError) Is(target error) bool {
	k := e.Kind
	if k == nil {
		k = kindFor(e.StatusCode, e.RetVal, e.Message)
	}
	return k != nil && target == k
}

// Retryable reports whether sending the request again unchanged may succeed: 502, 503, 504,
// and a 429 asking to wait at most sitekit.DefaultRetryPolicy.MaxRetryAfter.
// sitekit.IsRetryable asks it.
func (e *APIError) Retryable() bool { return rest.RetryableStatus(e.StatusCode, e.RetryAfter) }

// Result is the "result" member of every EMS answer.
type Result struct {
	RetVal  int    `json:"retval"`
	Message string `json:"message"` // may be null on the wire [M]
}

// UnmarshalJSON decodes leniently: retval as number or numeric string, message null or any
// scalar.
func (r *Result) UnmarshalJSON(b []byte) error {
	var raw struct {
		RetVal  lenient.Int     `json:"retval"`
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	r.RetVal = int(raw.RetVal)
	r.Message = ""
	if len(raw.Message) > 0 && !bytes.Equal(raw.Message, []byte("null")) {
		var s string
		if json.Unmarshal(raw.Message, &s) == nil {
			r.Message = s
		} else {
			r.Message = string(raw.Message)
		}
	}
	return nil
}

type envelope struct {
	Result *Result
	Data   any // where to decode data (nil: ignore)
}

var errNoEnvelope = errors.New("answer is not an EMS envelope (no result member)")

// decodeEnvelope decodes {"result":{…},"data":…}: the result into env.Result and data into
// env.Data when both are present. It never panics on any input.
func decodeEnvelope(body []byte, env *envelope) error {
	var raw struct {
		Result *Result         `json:"result"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return fmt.Errorf("decode envelope: %w", err)
	}
	if raw.Result == nil {
		return errNoEnvelope
	}
	env.Result = raw.Result
	if env.Data != nil && len(raw.Data) > 0 && !bytes.Equal(raw.Data, []byte("null")) {
		if err := json.Unmarshal(raw.Data, env.Data); err != nil {
			return fmt.Errorf("decode data: %w", err)
		}
	}
	return nil
}

// err returns the *APIError for a 2xx answer whose retval is not positive.
func (r *Result) err(method, path string, resp *rest.Response, kind error) error {
	if r == nil || r.RetVal >= RetValOK {
		return nil
	}
	return &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Message: r.Message,
		Body: truncate(resp.Body), RetVal: r.RetVal, Kind: kind}
}

func truncate(b []byte) []byte {
	if len(b) > 64<<10 {
		return b[:64<<10]
	}
	return b
}

// decodeHTTPError refines rest's error for a non-2xx answer with the EMS envelope, when the
// body has one (EMS also answers HTML pages, e.g. Django's CSRF failure).
func decodeHTTPError(base *rest.APIError, body []byte) error {
	e := &APIError{Method: base.Method, Path: base.Path, StatusCode: base.StatusCode, Message: base.Message,
		RetryAfter: base.RetryAfter, Body: base.Body}
	var env envelope
	if decodeEnvelope(body, &env) == nil {
		e.RetVal = env.Result.RetVal
		if env.Result.Message != "" {
			e.Message = env.Result.Message
		}
	} else if e.Message == "" && bytes.Contains(body, []byte("CSRF")) {
		e.Message = "CSRF verification failed"
	}
	return e
}

func kindFor(status, retval int, msg string) error {
	if retval == RetValSessionExpired {
		return sitekit.ErrUnauthorized
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return sitekit.ErrUnauthorized
	case http.StatusNotFound:
		return sitekit.ErrNotFound
	case http.StatusTooManyRequests:
		return sitekit.ErrRateLimited
	case http.StatusConflict:
		return sitekit.ErrExists
	}
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "already exist") || strings.Contains(m, "duplicate"):
		return sitekit.ErrExists
	case strings.Contains(m, "not found") || strings.Contains(m, "does not exist") || strings.Contains(m, "no such"):
		return sitekit.ErrNotFound
	case strings.Contains(m, "in use"):
		return sitekit.ErrInUse
	}
	if status >= 500 {
		return nil
	}
	if status == http.StatusBadRequest || status == http.StatusUnprocessableEntity || (status < 300 && retval < RetValOK) {
		return sitekit.ErrInvalid
	}
	return rest.KindForStatus(status)
}
