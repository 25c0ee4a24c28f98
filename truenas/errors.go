package truenas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/lenient"
	"github.com/sitekit/sitekit/internal/rest"
)

// JSON-RPC error codes used by the TrueNAS middleware.
const (
	CodeParseError      = -32700 // unparsable JSON or a batch
	CodeInvalidRequest  = -32600 // bad envelope
	CodeMethodNotFound  = -32601 // unknown (or private) method
	CodeInvalidParams   = -32602 // validation errors, InstanceNotFound
	CodeTooManyCalls    = -32000 // more than 20 calls in flight on one connection
	CodeMethodCallError = -32001 // CallError and other exceptions
	CodeInternalError   = -32603 // serialization failure
)

// Errno values TrueNAS puts in error data (Linux errnos and middleware-specific ones).
const (
	EPERM             = 1
	ENOENT            = 2
	EFAULT            = 14
	EACCES            = 13
	EBUSY             = 16
	EEXIST            = 17
	EINVAL            = 22
	ENOTEMPTY         = 39
	ENOTAUTHENTICATED = 207
)

// ValidationError is one [attribute, message, errno] triple of a -32602 error (or of a job
// that failed validation). Attribute is "" when the error concerns the whole call.
type ValidationError struct {
	Attribute string
	Message   string
	Errno     int
}

// UnmarshalJSON decodes the [attribute, message, errno] triple; attribute may be null.
func (v *ValidationError) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw[0], &v.Attribute)
	}
	if len(raw) > 1 {
		_ = json.Unmarshal(raw[1], &v.Message)
	}
	if len(raw) > 2 {
		var n lenient.Int
		if json.Unmarshal(raw[2], &n) == nil {
			v.Errno = int(n)
		}
	}
	return nil
}

// MarshalJSON encodes the triple (attribute null when empty).
func (v ValidationError) MarshalJSON() ([]byte, error) {
	var attr any
	if v.Attribute != "" {
		attr = v.Attribute
	}
	return json.Marshal([]any{attr, v.Message, v.Errno})
}

// Trace is the optional server-side exception description of an error.
type Trace struct {
	Class     string `json:"class"`
	Formatted string `json:"formatted"`
	Repr      string `json:"repr"`
}

// ErrorData is the "data" member of a TrueNAS JSON-RPC error.
type ErrorData struct {
	Errno   int             `json:"error"`
	ErrName string          `json:"errname"`
	Reason  string          `json:"reason"`
	Trace   *Trace          `json:"trace"`
	Extra   json.RawMessage `json:"extra"`
}

// APIError is an error answered by the appliance (Method is the JSON-RPC method and
// StatusCode 0, except for the HTTP endpoints such as /api/versions). errors.Is matches the
// sitekit sentinel of Kind when it is set, else the one derived from the other fields:
//
//   - ErrNotFound: errno ENOENT (also InstanceNotFound, which TrueNAS sends as -32602) and
//     MatchNotFound from a query with {"get": true};
//   - ErrExists: errno EEXIST, or a validation message saying "already exists";
//   - ErrInvalid: other validation errors (-32602), EINVAL, bad envelopes, unknown methods;
//   - ErrUnauthorized: not authenticated (207), EACCES/EPERM, refused logins;
//   - ErrRateLimited: EBUSY "Rate Limit Exceeded" and -32000 (too many concurrent calls);
//   - ErrInUse: other EBUSY and ENOTEMPTY;
//   - for HTTP answers, the sentinel of the status (404, 401/403, 409, 400/422, 429).
//
// Users may build one to fake a TrueNAS failure in their tests:
//
//	&truenas.APIError{Method: "pool.dataset.create", Code: truenas.CodeMethodCallError, Errno: truenas.EEXIST}
type APIError struct {
	Method     string // JSON-RPC method, or the HTTP method of an HTTP endpoint
	Path       string // request path of an HTTP endpoint, "" for JSON-RPC
	StatusCode int    // HTTP status of an HTTP endpoint, 0 for JSON-RPC
	Message    string // the JSON-RPC error message
	Body       []byte // the raw error data (or HTTP answer), at most 64 KiB
	// Code is the JSON-RPC error code (-32602, -32001, …).
	Code int
	// Errno and ErrName come from data.error / data.errname ("ENOENT").
	Errno   int
	ErrName string
	// Reason is data.reason, e.g. `[ENOENT] Dataset "tank/x" does not exist.`
	Reason string
	// Validation lists the per-field errors of a -32602 error.
	Validation []ValidationError
	// Trace is the server's exception description, when sent.
	Trace *Trace
	// Kind, when set, is the sentinel the error matches instead of the derived one.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	s := fmt.Sprintf("truenas: %s", e.Method)
	if e.StatusCode != 0 {
		s = rest.FormatError("truenas", e.Method, e.Path, e.StatusCode, "")
	}
	if e.Code != 0 {
		s += fmt.Sprintf(": error %d", e.Code)
	}
	if e.ErrName != "" {
		s += " " + e.ErrName
	}
	msg := e.Message
	if e.Reason != "" {
		msg = strings.TrimSpace(e.Reason)
	}
	if msg != "" {
		s += ": " + msg
	}
	return s
}

// Is reports whether target is the sitekit sentinel the error means.
func (e *APIError) Is(target error) bool {
	k := e.Kind
	if k == nil {
		k = classify(e)
	}
	return k != nil && target == k
}

// Retryable reports whether the same call may succeed soon without change: too many calls in
// flight on the connection (-32000), and for HTTP endpoints 502, 503 and 504. TrueNAS' rate
// limit of unauthenticated methods (EBUSY "Rate Limit Exceeded") is not: it holds the source
// off for minutes. sitekit.IsRetryable asks it.
func (e *APIError) Retryable() bool {
	if e.StatusCode == http.StatusTooManyRequests {
		return false
	}
	return e.Code == CodeTooManyCalls || rest.RetryableStatus(e.StatusCode, 0)
}

// Field returns the validation message for an attribute ending with name (for example
// "name" matches "pool_dataset_create.name"), or "".
func (e *APIError) Field(name string) string {
	for _, v := range e.Validation {
		if v.Attribute == name || strings.HasSuffix(v.Attribute, "."+name) {
			return v.Message
		}
	}
	return ""
}

// decodeRPCError turns a JSON-RPC error object into an *APIError.
func decodeRPCError(method string, je *jsonrpc.Error) *APIError {
	e := &APIError{Code: je.Code, Method: method, Message: je.Message, Body: truncate(je.Data, 64<<10)}
	if d := bytes.TrimSpace(je.Data); len(d) > 0 && d[0] == '{' {
		var data ErrorData
		if json.Unmarshal(d, &data) == nil {
			e.Errno, e.ErrName, e.Reason, e.Trace = data.Errno, data.ErrName, data.Reason, data.Trace
			if ex := bytes.TrimSpace(data.Extra); len(ex) > 0 && ex[0] == '[' {
				var vs []ValidationError
				if json.Unmarshal(ex, &vs) == nil && (je.Code == CodeInvalidParams || data.Trace != nil && data.Trace.Class == "ValidationErrors") {
					e.Validation = vs
				}
			}
		}
	}
	return e
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return bytes.Clone(b)
}

// classify maps an error to a sitekit sentinel.
func classify(e *APIError) error {
	reason := strings.ToLower(e.Reason)
	switch e.Code {
	case CodeTooManyCalls:
		return sitekit.ErrRateLimited
	case CodeParseError, CodeInvalidRequest, CodeMethodNotFound:
		return sitekit.ErrInvalid
	case CodeInvalidParams:
		for _, v := range e.Validation {
			if v.Errno == ENOENT {
				return sitekit.ErrNotFound
			}
		}
		if strings.Contains(reason, "[enoent]") {
			return sitekit.ErrNotFound
		}
		for _, v := range e.Validation {
			if v.Errno == EEXIST || strings.Contains(strings.ToLower(v.Message), "already exists") {
				return sitekit.ErrExists
			}
		}
		return sitekit.ErrInvalid
	}
	switch {
	case e.StatusCode != 0:
		return rest.KindForStatus(e.StatusCode)
	case strings.Contains(e.Reason, "MatchNotFound"):
		return sitekit.ErrNotFound
	case e.Errno == ENOENT || e.ErrName == "ENOENT":
		return sitekit.ErrNotFound
	case e.Errno == EEXIST || e.ErrName == "EEXIST":
		return sitekit.ErrExists
	case e.Errno == EBUSY && strings.Contains(reason, "rate limit"):
		return sitekit.ErrRateLimited
	case e.Errno == EBUSY || e.ErrName == "ENOTEMPTY":
		return sitekit.ErrInUse
	case e.Errno == ENOTAUTHENTICATED || e.ErrName == "ENOTAUTHENTICATED" || e.Errno == EACCES || e.Errno == EPERM:
		return sitekit.ErrUnauthorized
	case e.Errno == EINVAL || e.ErrName == "EINVAL":
		return sitekit.ErrInvalid
	}
	return nil
}

// DecodeError decodes a complete JSON-RPC response message and returns its error as an
// *APIError, or nil when the message carries no error. It is what the client does with every
// error frame; exported for tools that log raw frames.
func DecodeError(method string, frame []byte) (*APIError, error) {
	var w struct {
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(frame, &w); err != nil {
		return nil, err
	}
	if len(w.Error) == 0 || string(bytes.TrimSpace(w.Error)) == "null" {
		return nil, nil
	}
	var je jsonrpc.Error
	if err := json.Unmarshal(w.Error, &je); err != nil {
		return nil, err
	}
	return decodeRPCError(method, &je), nil
}
