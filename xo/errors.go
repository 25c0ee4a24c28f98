package xo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/rest"
)

// XO API error codes (xo-common api-errors), as seen in JSON-RPC errors and
// derived for REST answers from the HTTP status.
const (
	CodeNotImplemented       = 0
	CodeNoSuchObject         = 1
	CodeUnauthorized         = 2
	CodeInvalidCredentials   = 3
	CodeForbiddenOperation   = 5
	CodeNoHostsAvailable     = 7
	CodeInvalidParameters    = 10
	CodeVMMissingPVDrivers   = 11
	CodeVMIsTemplate         = 12
	CodeVMBadPowerState      = 13
	CodeVMLacksFeature       = 14
	CodeObjectAlreadyExists  = 16
	CodeVDIInUse             = 17
	CodeOperationBlocked     = 19
	CodeIncorrectState       = 25
	CodeFeatureUnauthorized  = 26
	CodeNoMatchingVM         = 27
	CodeServiceUnavailable   = 28
	CodeUnknownErrorFromPeer = -32000
)

// ErrAmbiguousName is matched by a name lookup (Find) that found several objects.
var ErrAmbiguousName = errors.New("xo: ambiguous name")

// APIError is an error answered by XO, over REST (StatusCode set) or JSON-RPC (StatusCode 0,
// Method = the JSON-RPC method). errors.Is matches the sitekit sentinel of Kind when it is
// set, else the one derived from XapiCode and Code (1 → ErrNotFound, 2/3/5/26 →
// ErrUnauthorized, 16/25 → ErrExists, 10 and -32602 → ErrInvalid, 17 → ErrInUse), else from
// StatusCode (404, 409, 400/422, 401/403, 429).
//
// Users may build one to fake XO's failure in their tests:
//
//	&xo.APIError{Method: "vm.start", Code: xo.CodeVMBadPowerState, Message: "VM state is Running"}
type APIError struct {
	Method     string        // HTTP method, or the JSON-RPC method
	Path       string        // request path (REST), secret query values redacted
	StatusCode int           // HTTP status; 0 for JSON-RPC errors
	Message    string        // XO's message
	RetryAfter time.Duration // the Retry-After hint, zero when absent
	Body       []byte        // the raw REST answer, at most 64 KiB
	// Code is the XO error code (JSON-RPC), or the one implied by the HTTP status (REST):
	// 404 → 1, 401 → 3, 403 → 2, 409 → 16, 422 → 10; -1 when unknown.
	Code int
	// XapiCode is the XAPI error code when XO relayed one (e.g. "PIF_VLAN_EXISTS").
	XapiCode string
	// Data is the error's data member, raw.
	Data json.RawMessage
	// Fields holds the per-field messages of a 422 validation error ("body.name_label": "…").
	Fields map[string]string
	// Kind, when set, is the sentinel the error matches instead of the derived one.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	s := rest.FormatError("xo", e.Method, e.Path, e.StatusCode, e.Message)
	if e.XapiCode != "" && !strings.Contains(s, e.XapiCode) {
		s += " (" + e.XapiCode + ")"
	}
	return s
}

// Is reports whether target is the sitekit sentinel the error means.
func (e *APIError) Is(target error) bool {
	k := e.kind()
	return k != nil && target == k
}

func (e *APIError) kind() error {
	if e.Kind != nil {
		return e.Kind
	}
	if k := kindForCode(e.Code, e.XapiCode); k != nil {
		return k
	}
	if e.Code == jsonrpc.CodeInvalidParams {
		return sitekit.ErrInvalid
	}
	return rest.KindForStatus(e.StatusCode)
}

// Retryable reports whether the same call may succeed later without change: PV drivers not
// ready yet (codes 11 and 14, XAPI VM_MISSING_PV_DRIVERS and VM_LACKS_FEATURE*, the Terraform
// provider's retry_mode), service unavailable (code 28), 502/503/504, and a 429 asking to
// wait at most sitekit.DefaultRetryPolicy.MaxRetryAfter. sitekit.IsRetryable asks it.
func (e *APIError) Retryable() bool {
	switch e.Code {
	case CodeVMMissingPVDrivers, CodeVMLacksFeature, CodeServiceUnavailable:
		return true
	}
	switch e.XapiCode {
	case "VM_MISSING_PV_DRIVERS", "VM_LACKS_FEATURE", "VM_LACKS_FEATURE_SHUTDOWN":
		return true
	}
	return rest.RetryableStatus(e.StatusCode, e.RetryAfter)
}

// kindForCode maps an XO code (or XAPI code) to a sitekit sentinel.
func kindForCode(code int, xapi string) error {
	switch xapi {
	case "PIF_VLAN_EXISTS":
		return sitekit.ErrExists
	case "VDI_IN_USE":
		return sitekit.ErrInUse
	case "HANDLE_INVALID", "UUID_INVALID":
		return sitekit.ErrNotFound
	}
	switch code {
	case CodeNoSuchObject:
		return sitekit.ErrNotFound
	case CodeUnauthorized, CodeInvalidCredentials, CodeForbiddenOperation, CodeFeatureUnauthorized:
		return sitekit.ErrUnauthorized
	case CodeObjectAlreadyExists, CodeIncorrectState:
		return sitekit.ErrExists
	case CodeInvalidParameters:
		return sitekit.ErrInvalid
	case CodeVDIInUse:
		return sitekit.ErrInUse
	}
	return nil
}

func codeForStatus(status int) int {
	switch status {
	case http.StatusNotFound:
		return CodeNoSuchObject
	case http.StatusUnauthorized:
		return CodeInvalidCredentials
	case http.StatusForbidden:
		return CodeUnauthorized
	case http.StatusConflict:
		return CodeObjectAlreadyExists
	case http.StatusUnprocessableEntity:
		return CodeInvalidParameters
	case http.StatusNotImplemented:
		return CodeNotImplemented
	case http.StatusServiceUnavailable:
		return CodeServiceUnavailable
	}
	return -1
}

// restErrorBody is XO's REST error envelope: {"error": <string or object>, "data": …}.
type restErrorBody struct {
	Error json.RawMessage `json:"error"`
	Data  json.RawMessage `json:"data"`
}

// decodeError refines the HTTP error with XO's envelope.
func decodeError(base *rest.APIError, body []byte) error {
	e := &APIError{Method: base.Method, Path: base.Path, StatusCode: base.StatusCode, Message: base.Message,
		RetryAfter: base.RetryAfter, Body: base.Body, Code: codeForStatus(base.StatusCode)}
	var env restErrorBody
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 {
		var msg string
		if json.Unmarshal(env.Error, &msg) == nil {
			e.Message = msg
		} else {
			// tsoa validation: {"body.name_label":{"message":"…"}}
			var fields map[string]struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(env.Error, &fields) == nil {
				e.Fields = map[string]string{}
				var parts []string
				for k, v := range fields {
					e.Fields[k] = v.Message
					parts = append(parts, k+": "+v.Message)
				}
				slices.Sort(parts)
				e.Message = strings.Join(parts, "; ")
			}
		}
		e.Data = env.Data
		var d struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(env.Data, &d) == nil {
			e.XapiCode = d.Code
		}
	}
	if e.XapiCode == "" {
		e.XapiCode = xapiCodeIn(e.Message)
	}
	return e
}

// xapiCodeIn finds an upper-case XAPI error code at the start of a message ("PIF_VLAN_EXISTS(…)").
func xapiCodeIn(msg string) string {
	end := strings.IndexAny(msg, "( ,:")
	if end < 0 {
		end = len(msg)
	}
	w := msg[:end]
	if len(w) < 4 || !strings.Contains(w, "_") || strings.ToUpper(w) != w {
		return ""
	}
	return w
}

// rpcError maps a JSON-RPC error object to *APIError.
func rpcError(method string, je *jsonrpc.Error) *APIError {
	e := &APIError{Method: method, Message: je.Message, Code: je.Code, Data: je.Data}
	var d struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(je.Data, &d) == nil {
		e.XapiCode = d.Code
	}
	return e
}

// classify is the retry classifier of the XO client: rest.DefaultClassifier, plus a 503 with
// Retry-After for any method (XO refused the request before running it). A 500 carrying a
// PV-driver error (codes 11/14) is not retried here: the caller decides with
// sitekit.IsRetryable.
func classify(a *rest.Attempt) bool {
	if a.Err == nil && (a.StatusCode == http.StatusServiceUnavailable) && a.RetryAfter > 0 {
		return true
	}
	return rest.DefaultClassifier(a)
}

// TaskError is an asynchronous action whose task ended in failure or was interrupted.
type TaskError struct {
	Task *Task
	// Name, Code and Message come from the task's serialized error result.
	Name, Code, Message string
	// Params are the XAPI error parameters, when present.
	Params []any
}

// Error implements error.
func (e *TaskError) Error() string {
	s := fmt.Sprintf("xo: task %s (%s) %s", e.Task.ID, e.Task.Properties.Name, e.Task.Status)
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Message != "" && e.Message != e.Code {
		s += ": " + e.Message
	}
	return s
}

// Is maps the XAPI code to a sitekit sentinel (PIF_VLAN_EXISTS → ErrExists, …).
func (e *TaskError) Is(target error) bool {
	k := kindForCode(-1, e.Code)
	return k != nil && k == target
}

// Retryable reports a PV-driver race (VM_MISSING_PV_DRIVERS, VM_LACKS_FEATURE*).
func (e *TaskError) Retryable() bool {
	return e.Code == "VM_MISSING_PV_DRIVERS" || strings.HasPrefix(e.Code, "VM_LACKS_FEATURE")
}

var invalid = sitekit.Invalid
