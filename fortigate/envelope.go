package fortigate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// Envelope is the JSON wrapper of every FortiOS REST answer. Results holds
// the payload (an array for tables, an object for singletons and most monitor calls).
type Envelope struct {
	HTTPMethod      string          `json:"http_method"`
	Results         json.RawMessage `json:"results,omitempty"`
	VDOM            string          `json:"vdom,omitempty"`
	Path            string          `json:"path,omitempty"`
	Name            string          `json:"name,omitempty"`
	Action          string          `json:"action,omitempty"`
	Status          string          `json:"status"`
	HTTPStatus      int             `json:"http_status"`
	Serial          string          `json:"serial,omitempty"`
	Version         string          `json:"version,omitempty"`
	Build           int             `json:"build,omitempty"`
	MKey            json.RawMessage `json:"mkey,omitempty"` // string or number
	Revision        string          `json:"revision,omitempty"`
	OldRevision     string          `json:"old_revision,omitempty"`
	RevisionChanged *bool           `json:"revision_changed,omitempty"`
	Error           *int            `json:"error,omitempty"`
	CLIError        json.RawMessage `json:"cli_error,omitempty"` // string or []string
	Size            *int            `json:"size,omitempty"`
	MatchedCount    *int            `json:"matched_count,omitempty"`
	NextIdx         *int            `json:"next_idx,omitempty"`
	LimitReached    *bool           `json:"limit_reached,omitempty"`
}

// MKeyString returns the envelope's mkey as text ("" when absent).
func (e *Envelope) MKeyString() string {
	m := bytes.TrimSpace(e.MKey)
	if len(m) == 0 || string(m) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(m, &s) == nil {
		return s
	}
	return string(m)
}

// CLIErrorText returns cli_error joined into one string (it is a string or an array).
func (e *Envelope) CLIErrorText() string { return cliText(e.CLIError) }

func cliText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		return strings.TrimSpace(strings.Join(ss, "\n"))
	}
	return strings.TrimSpace(string(raw))
}

// DecodeEnvelope decodes one FortiOS answer. A multi-VDOM answer (a JSON array of
// envelopes, for vdom=* or a list) is reduced to its first envelope; use
// [DecodeEnvelopes] to keep all. An envelope with status "error" is returned as an *APIError.
func DecodeEnvelope(body []byte) (*Envelope, error) {
	envs, err := DecodeEnvelopes(body)
	if err != nil {
		return nil, err
	}
	if len(envs) == 0 {
		return nil, errors.New("empty envelope array")
	}
	return envs[0], nil
}

// DecodeEnvelopes decodes a single envelope or an array of per-VDOM envelopes.
func DecodeEnvelopes(body []byte) ([]*Envelope, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, errors.New("empty answer, expected a JSON envelope")
	}
	var envs []*Envelope
	if b[0] == '[' {
		if err := json.Unmarshal(b, &envs); err != nil {
			return nil, fmt.Errorf("decode envelope array: %w", err)
		}
	} else {
		var e Envelope
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("decode envelope: %w", err)
		}
		envs = []*Envelope{&e}
	}
	for _, e := range envs {
		if e == nil {
			return nil, errors.New("null envelope")
		}
		if e.Status == "error" {
			st := e.HTTPStatus
			if st == 0 {
				st = http.StatusInternalServerError
			}
			base := &rest.APIError{Appliance: "fortigate", Method: e.HTTPMethod, Path: e.Path + "/" + e.Name, StatusCode: st, Kind: rest.KindForStatus(st)}
			return nil, fromEnvelope(base, e)
		}
	}
	return envs, nil
}

// APIError is an error answer from FortiOS: the HTTP part (embedded) plus the FortiOS
// internal error code and CLI message when the envelope carries them. errors.Is matches
// the sitekit sentinel derived from Code first, then from the HTTP status.
type APIError struct {
	rest.APIError
	// Code is the FortiOS internal error code (negative; 0 when the answer had none).
	Code int
	// CLIError is the CLI diagnostic (cli_error), e.g. "… Command fail. Return code -651".
	CLIError string
	// MKey is the object key the error is about, when the envelope names one.
	MKey string
	// Version and Build identify the firmware that answered.
	Version string
	Build   int
}

// Error implements error.
func (e *APIError) Error() string {
	s := e.APIError.Error()
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

// Unwrap exposes the embedded HTTP-level error.
func (e *APIError) Unwrap() error { return &e.APIError }

// Is matches the sentinel in Kind.
func (e *APIError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

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

// decodeError is the rest.Config.DecodeError hook: it refines the HTTP error from the
// FortiOS envelope when the body is one (HTML 403/429 pages are not).
func decodeError(base *rest.APIError, body []byte) error {
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '[' {
		var envs []Envelope
		if json.Unmarshal(b, &envs) == nil && len(envs) > 0 {
			return fromEnvelope(base, &envs[0])
		}
	}
	var env Envelope
	if len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &env) == nil {
		return fromEnvelope(base, &env)
	}
	e := &APIError{APIError: *base}
	if base.StatusCode == http.StatusFailedDependency {
		e.Kind = sitekit.ErrInvalid
	}
	if e.Message == "" && base.StatusCode == http.StatusTooManyRequests {
		e.Message = "access temporarily blocked (failed-login lockout)"
	}
	return e
}

func fromEnvelope(base *rest.APIError, env *Envelope) *APIError {
	e := &APIError{APIError: *base, CLIError: cliText(env.CLIError), MKey: env.MKeyString(), Version: env.Version, Build: env.Build}
	if env.Error != nil {
		e.Code = *env.Error
	}
	if base.StatusCode == http.StatusUnauthorized || base.StatusCode == http.StatusTooManyRequests {
		// authentication answers keep their meaning whatever code they carry
	} else if k := KindForCode(e.Code); k != nil {
		e.Kind = k
	} else if base.StatusCode == http.StatusFailedDependency {
		e.Kind = sitekit.ErrInvalid
	}
	if e.Message == "" && e.MKey != "" {
		e.Message = "mkey " + strconv.Quote(e.MKey)
	}
	return e
}
