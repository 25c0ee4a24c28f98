package truenastest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

// errnames maps the errnos the simulator uses to their names.
var errnames = map[int]string{1: "EPERM", 4: "EINTR", 2: "ENOENT", 13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST",
	22: "EINVAL", 39: "ENOTEMPTY", 110: "ETIMEDOUT", 201: "ENOMETHOD", 202: "ESERVICESTARTFAILURE", 207: "ENOTAUTHENTICATED"}

func errname(errno int) string {
	if n, ok := errnames[errno]; ok {
		return n
	}
	return "EUNKNOWN"
}

// errorData is the data member, fields in the server's order.
type errorData struct {
	Error   int             `json:"error"`
	ErrName string          `json:"errname"`
	Reason  string          `json:"reason"`
	Trace   *trace          `json:"trace"`
	Extra   json.RawMessage `json:"extra"`
}

type trace struct {
	Class     string `json:"class"`
	Formatted string `json:"formatted"`
	Repr      string `json:"repr"`
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// callError is a CallError: code -32001 "Method call error" with "[ERRNAME] msg" as reason.
func callError(errno int, msg string) *jsonrpc.Error {
	name := errname(errno)
	repr := fmt.Sprintf("CallError(%q, %d)", msg, errno)
	return &jsonrpc.Error{Code: -32001, Message: "Method call error", Data: mustJSON(errorData{
		Error: errno, ErrName: name, Reason: "[" + name + "] " + msg,
		Trace: &trace{Class: "CallError", Formatted: "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/middlewared/main.py\"\nmiddlewared.service_exception.CallError: [" + name + "] " + msg + "\n", Repr: repr},
		Extra: json.RawMessage("null"),
	})}
}

// verr is one validation error.
type verr struct {
	attr  string // "" → null
	msg   string
	errno int
}

// validationError is code -32602 "Invalid params" with [attr, msg, errno] triples in extra.
func validationError(errs ...verr) *jsonrpc.Error {
	var reason strings.Builder
	extra := make([]any, 0, len(errs))
	for _, e := range errs {
		errno := e.errno
		if errno == 0 {
			errno = 22
		}
		attr := e.attr
		if attr == "" {
			attr = "None"
		}
		fmt.Fprintf(&reason, "[%s] %s: %s\n", errname(errno), attr, e.msg)
		var a any
		if e.attr != "" {
			a = e.attr
		}
		extra = append(extra, []any{a, e.msg, errno})
	}
	return &jsonrpc.Error{Code: -32602, Message: "Invalid params", Data: mustJSON(errorData{
		Error: 22, ErrName: "EINVAL", Reason: reason.String(),
		Trace: &trace{Class: "ValidationErrors", Formatted: "Traceback (most recent call last):\nmiddlewared.service_exception.ValidationErrors: " + reason.String(), Repr: "ValidationErrors()"},
		Extra: mustJSON(extra),
	})}
}

// instanceNotFound is what X.get_instance raises for a missing id: a -32602 whose reason
// says ENOENT.
func instanceNotFound(msg string) *jsonrpc.Error {
	return validationError(verr{attr: "", msg: msg, errno: 2})
}

// matchNotFound is X.query(filters, {"get": true}) without a match.
func matchNotFound() *jsonrpc.Error {
	return &jsonrpc.Error{Code: -32001, Message: "Method call error", Data: mustJSON(errorData{
		Error: 22, ErrName: "EINVAL", Reason: "MatchNotFound()",
		Trace: &trace{Class: "MatchNotFound", Formatted: "Traceback (most recent call last):\nmiddlewared.utils.filter_list.MatchNotFound\n", Repr: "MatchNotFound()"},
		Extra: json.RawMessage("null"),
	})}
}

func methodNotFound() *jsonrpc.Error {
	return &jsonrpc.Error{Code: -32601, Message: "Method does not exist"}
}

func invalidRequest(msg string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: -32600, Message: msg}
}

func notAuthenticated() *jsonrpc.Error { return callError(207, "Not authenticated") }

func rateLimited() *jsonrpc.Error { return callError(16, "Rate Limit Exceeded") }

func tooManyCalls() *jsonrpc.Error {
	return &jsonrpc.Error{Code: -32000, Message: "Maximum number of concurrent calls (20) has exceeded"}
}

// badParams reports positional arguments of the wrong shape (pydantic arg validation).
func badParams(attr, msg string) *jsonrpc.Error { return validationError(verr{attr: attr, msg: msg}) }
