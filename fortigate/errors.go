package fortigate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// APIError is an error answer from FortiOS: the HTTP status plus the FortiOS internal error
// code and CLI message when the envelope carries them. errors.Is matches the sitekit sentinel
// of Kind when it is set, else the one derived from Code (a 401 or 429 keeps its HTTP meaning
// whatever code it carries), else from StatusCode: 404 → ErrNotFound, 409 → ErrExists,
// 400/405/413/422/424 → ErrInvalid, 401/403 → ErrUnauthorized, 429 → ErrRateLimited.
//
// Users may build one to fake a FortiGate's failure in their tests:
//
//	&fortigate.APIError{Method: "POST", Path: "/api/v2/cmdb/firewall/address", StatusCode: 500, Code: fortigate.CodeDuplicate}
type APIError struct {
	Method     string        // HTTP method
	Path       string        // request path, secret query values redacted
	StatusCode int           // HTTP status (the envelope's http_status when the body had one)
	Message    string        // FortiOS's short text, when it gave one
	RetryAfter time.Duration // the Retry-After hint, zero when absent
	Body       []byte        // the raw answer, at most 64 KiB
	// Code is the FortiOS internal error code (negative; 0 when the answer had none).
	Code int
	// CLIError is the CLI diagnostic (cli_error), e.g. "… Command fail. Return code -651".
	CLIError string
	// MKey is the object key the error is about, when the envelope names one.
	MKey string
	// Version and Build identify the firmware that answered.
	Version string
	Build   int
	// Kind, when set, is the sentinel the error matches instead of the derived one.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	s := rest.FormatError("fortigate", e.Method, e.Path, e.StatusCode, e.Message)
	if e.Code != 0 {
		s += fmt.Sprintf(": error %d", e.Code)
		if d := CodeText(e.Code); d != "" {
			s += " (" + d + ")"
		}
	}
	if e.CLIError != "" {
		s += ": " + strings.ReplaceAll(e.CLIError, "\n", " ")
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
	if e.StatusCode != http.StatusUnauthorized && e.StatusCode != http.StatusTooManyRequests {
		if k := KindForCode(e.Code); k != nil {
			return k
		}
	}
	if e.StatusCode == http.StatusFailedDependency {
		return sitekit.ErrInvalid
	}
	return rest.KindForStatus(e.StatusCode)
}

// Retryable reports whether sending the request again unchanged may succeed later: 502, 503,
// 504, and a 429 without a Retry-After or with one of at most
// sitekit.DefaultRetryPolicy.MaxRetryAfter. The client itself never resends a 429 (FortiOS
// answers it to a source locked out after failed logins): the caller waits, then retries.
// sitekit.IsRetryable asks it.
func (e *APIError) Retryable() bool { return rest.RetryableStatus(e.StatusCode, e.RetryAfter) }

// FortiOS internal error codes.
const (
	CodeInvalidLength    = -1
	CodeOutOfRange       = -2
	CodeNotFound         = -3
	CodeMaxEntries       = -4
	CodeDuplicate        = -5
	CodeConflict         = -7
	CodeInvalidIP        = -8
	CodeInvalidNetmask   = -9
	CodePermission       = -14
	CodeDuplicateEntry   = -15
	CodeInUse            = -23
	CodePermissionDenied = -37
	CodeDHCPRange        = -40
	CodeCommand          = -61
	CodeGroupInUse       = -94
	CodeInvalidVLAN      = -158
	CodeNameClashGroup   = -163
	CodeNameClashVIP     = -164
	CodeIPOverlap        = -506
	CodeVLANMTU          = -520
	CodeVLANImmutable    = -522
	CodeDHCPSubnet       = -526
	CodeDHCPIfaceName    = -527
	CodeValueRange       = -650
	CodeInvalidValue     = -651
	CodePasswordRequired = -8102
)

var codeInfo = map[int]struct {
	text string
	kind error
}{
	CodeInvalidLength:    {"invalid length of value", sitekit.ErrInvalid},
	CodeOutOfRange:       {"index out of range", sitekit.ErrInvalid},
	CodeNotFound:         {"entry not found", sitekit.ErrNotFound},
	CodeMaxEntries:       {"maximum number of entries reached", nil},
	CodeDuplicate:        {"a duplicate entry already exists", sitekit.ErrExists},
	CodeConflict:         {"value conflicts with system settings", sitekit.ErrInvalid},
	CodeInvalidIP:        {"invalid IP address", sitekit.ErrInvalid},
	CodeInvalidNetmask:   {"invalid netmask", sitekit.ErrInvalid},
	CodePermission:       {"permission denied", sitekit.ErrUnauthorized},
	CodeDuplicateEntry:   {"duplicate entry found", sitekit.ErrExists},
	CodeInUse:            {"entry is used by other entries", sitekit.ErrInUse},
	CodePermissionDenied: {"permission denied", sitekit.ErrUnauthorized},
	CodeDHCPRange:        {"invalid DHCP range", sitekit.ErrInvalid},
	CodeCommand:          {"command error", sitekit.ErrInvalid},
	CodeGroupInUse:       {"user group in use by a policy", sitekit.ErrInUse},
	CodeInvalidVLAN:      {"invalid VLAN ID", sitekit.ErrInvalid},
	CodeNameClashGroup:   {"name used by an address group", sitekit.ErrExists},
	CodeNameClashVIP:     {"name used by a VIP", sitekit.ErrExists},
	CodeIPOverlap:        {"interface IP overlap", sitekit.ErrInvalid},
	CodeVLANMTU:          {"VLAN MTU larger than parent", sitekit.ErrInvalid},
	CodeVLANImmutable:    {"VLAN ID or parent cannot change", sitekit.ErrInvalid},
	CodeDHCPSubnet:       {"a DHCP server for that subnet exists", sitekit.ErrExists},
	CodeDHCPIfaceName:    {"interface name too long for DHCP", sitekit.ErrInvalid},
	CodeValueRange:       {"value not within valid range", sitekit.ErrInvalid},
	CodeInvalidValue:     {"input value is invalid", sitekit.ErrInvalid},
	CodePasswordRequired: {"admin's password required", sitekit.ErrUnauthorized},
}

// CodeText describes a FortiOS internal error code ("" when unknown).
func CodeText(code int) string { return codeInfo[code].text }

// KindForCode returns the sitekit sentinel a FortiOS error code means (nil when none fits).
func KindForCode(code int) error { return codeInfo[code].kind }

// fromRest converts the HTTP-level description of an error answer.
func fromRest(b *rest.APIError) *APIError {
	return &APIError{Method: b.Method, Path: b.Path, StatusCode: b.StatusCode, Message: b.Message, RetryAfter: b.RetryAfter, Body: b.Body}
}

// decodeError is the rest.Config.DecodeError hook: it refines the HTTP error from the
// FortiOS envelope when the body is one (HTML 403/429 pages are not).
func decodeError(base *rest.APIError, body []byte) error {
	e := fromRest(base)
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '[' {
		var envs []Envelope
		if json.Unmarshal(b, &envs) == nil && len(envs) > 0 {
			return fromEnvelope(e, &envs[0])
		}
	}
	var env Envelope
	if len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &env) == nil {
		return fromEnvelope(e, &env)
	}
	if e.Message == "" && base.StatusCode == http.StatusTooManyRequests {
		e.Message = "access temporarily blocked (failed-login lockout)"
	}
	return e
}

// fromEnvelope completes e with what the FortiOS envelope says.
func fromEnvelope(e *APIError, env *Envelope) *APIError {
	e.CLIError, e.MKey, e.Version, e.Build = cliText(env.CLIError), env.MKeyString(), env.Version, env.Build
	if env.Error != nil {
		e.Code = *env.Error
	}
	if e.Message == "" && e.MKey != "" {
		e.Message = "mkey " + strconv.Quote(e.MKey)
	}
	return e
}
