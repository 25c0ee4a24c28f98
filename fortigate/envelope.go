package fortigate

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
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
	envs, err := splitEnvelopes(body)
	if err != nil {
		return nil, err
	}
	for _, e := range envs {
		if e.Status == "error" {
			return nil, envelopeError(e)
		}
	}
	return envs, nil
}

// envelopeError is the *APIError an envelope with status "error" stands for.
func envelopeError(e *Envelope) error {
	st := e.HTTPStatus
	if st == 0 {
		st = http.StatusInternalServerError
	}
	return fromEnvelope(&APIError{Method: e.HTTPMethod, Path: e.Path + "/" + e.Name, StatusCode: st}, e)
}
