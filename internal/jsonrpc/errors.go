package jsonrpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// Standard JSON-RPC 2.0 error codes.
const (
	CodeParseError     = -32700 // invalid JSON received
	CodeInvalidRequest = -32600 // the JSON sent is not a valid request object
	CodeMethodNotFound = -32601 // the method does not exist
	CodeInvalidParams  = -32602 // invalid method parameters
	CodeInternalError  = -32603 // internal JSON-RPC error
)

// Error is a JSON-RPC error object, as received from a server or returned by a [Handler].
// Data is kept raw so that appliance packages can decode their own shape.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Error implements error. Data is not included: it may be large (tracebacks).
func (e *Error) Error() string {
	return "jsonrpc: error " + strconv.Itoa(e.Code) + ": " + e.Message
}

// ErrClosed is returned by calls made on, or pending during, [Conn.Close].
var ErrClosed = errors.New("jsonrpc: connection closed")

// ErrNoResponse may be returned by a [Handler] to send no answer at all (a call that never
// completes, or an answer lost after the write was applied).
var ErrNoResponse = errors.New("jsonrpc: no response")

// ConnError reports a transport failure.
//
// With Op "dial" the connection could not be established and nothing was sent. With Op "write"
// or "read" the request may have reached the server: errors.Is(err, sitekit.ErrOutcomeUnknown)
// is true and the outcome of the call is unknown.
type ConnError struct {
	Op     string // "dial", "write" or "read"
	Method string // method of the failed call, "" when not tied to one
	ID     uint64 // request id, 0 when none was assigned
	Err    error  // underlying error
}

// Error implements error.
func (e *ConnError) Error() string {
	s := "jsonrpc: " + e.Op
	if e.Method != "" {
		s += " " + e.Method
	}
	if e.ID != 0 {
		s += " (id " + strconv.FormatUint(e.ID, 10) + ")"
	}
	if e.Op != "dial" {
		s += ": connection lost, outcome unknown"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *ConnError) Unwrap() error { return e.Err }

// Is reports whether target is sitekit.ErrOutcomeUnknown and the failure happened after
// dialing.
func (e *ConnError) Is(target error) bool {
	return target == sitekit.ErrOutcomeUnknown && e.Op != "dial"
}

// Retryable reports whether calling again may succeed: the connection could not be
// established (nothing was sent) for another reason than a certificate or pin mismatch.
// sitekit.IsRetryable asks it.
func (e *ConnError) Retryable() bool {
	return e.Op == "dial" && !rest.IsTLSFailure(e.Err)
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("jsonrpc: "+format, args...)
}
