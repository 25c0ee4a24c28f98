package fortigate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// PerVDOM is one VDOM's part of a multi-VDOM answer. FortiOS answers a request sent with
// vdom=* (every VDOM the administrator may reach), a VDOM list (vdom=a,b) or global=1
// with a JSON array holding one envelope per VDOM; on a FortiGate without VDOMs the array
// has one element, for root. One VDOM's error does not fail the others: it is in Err.
type PerVDOM[T any] struct {
	// VDOM is the VDOM this element answers for (the envelope's vdom).
	VDOM string
	// Value holds the VDOM's decoded results (the zero value when Err is set).
	Value T
	// Err is the VDOM's error answer (an *APIError), nil on success.
	Err error
}

// vdomQuery returns the base query of a multi-VDOM request: vdom=* when vdoms is empty,
// else the comma-separated list.
func vdomQuery(vdoms []string) (url.Values, error) {
	for i, v := range vdoms {
		if v == "" || len(v) > 31 || strings.ContainsAny(v, " ,*/") {
			return nil, sitekit.Invalid(fmt.Sprintf("vdoms[%d]", i), v, "must be a VDOM name of 1 to 31 characters")
		}
	}
	q := url.Values{"vdom": {"*"}}
	if len(vdoms) > 0 {
		q.Set("vdom", strings.Join(vdoms, ","))
	}
	return q, nil
}

// doPerVDOM sends one request and returns every envelope of the answer, error envelopes
// included (a single envelope is returned as a one-element list).
func (c *conn) doPerVDOM(ctx context.Context, method, path string, q url.Values, body any) ([]*Envelope, error) {
	resp, err := c.rc.Do(ctx, rest.Request{Method: method, Path: path, Query: q, Body: body})
	if err != nil {
		return nil, err
	}
	envs, err := splitEnvelopes(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fortigate: %s %s: %w", method, path, err)
	}
	return envs, nil
}

// splitEnvelopes decodes an array of envelopes or a single one, keeping error envelopes.
func splitEnvelopes(body []byte) ([]*Envelope, error) {
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
	}
	return envs, nil
}

// perVDOM decodes each envelope's results with decode.
func perVDOM[T any](envs []*Envelope, decode func(*Envelope, *T) error) []PerVDOM[T] {
	out := make([]PerVDOM[T], len(envs))
	for i, e := range envs {
		out[i].VDOM = e.VDOM
		if e.Status == "error" {
			out[i].Err = envelopeError(e)
			continue
		}
		if err := decode(e, &out[i].Value); err != nil {
			out[i].Err = err
		}
	}
	return out
}

func decodeInto[T any](e *Envelope, v *T) error { return decodeResults(e, v) }

// listPerVDOM lists the table in several VDOMs with one request.
func (s *table[K, T]) listPerVDOM(ctx context.Context, opts *ListOptions, vdoms []string) ([]PerVDOM[[]T], error) {
	q, err := vdomQuery(vdoms)
	if err != nil {
		return nil, err
	}
	lq := opts.query(s.c)
	lq.Del("vdom")
	for k, vs := range lq {
		q[k] = vs
	}
	envs, err := s.c.doPerVDOM(ctx, http.MethodGet, cmdbPath(s.path), q, nil)
	if err != nil {
		return nil, err
	}
	return perVDOM(envs, decodeInto[[]T]), nil
}

// RawPerVDOM sends a request to any FortiOS REST path and returns the answer split per
// VDOM, for requests that select several VDOMs: query carries vdom=*, vdom=a,b or
// global=1 (then the client's own VDOM is not sent). A single-envelope answer gives a
// one-element list.
func (c *Client) RawPerVDOM(ctx context.Context, method, path string, query url.Values, body any) ([]PerVDOM[*Envelope], error) {
	q := c.conn.query()
	for k, vs := range query {
		q[k] = vs
	}
	if query.Has("global") && !query.Has("vdom") {
		q.Del("vdom")
	}
	envs, err := c.conn.doPerVDOM(ctx, method, path, q, body)
	if err != nil {
		return nil, err
	}
	return perVDOM(envs, func(e *Envelope, v **Envelope) error { *v = e; return nil }), nil
}

// StatusPerVDOM returns system/status as each VDOM answers it (vdom=*, or the VDOMs
// named), in one request.
func (s *MonitorService) StatusPerVDOM(ctx context.Context, vdoms ...string) ([]PerVDOM[SystemStatus], error) {
	q, err := vdomQuery(vdoms)
	if err != nil {
		return nil, err
	}
	envs, err := s.c.doPerVDOM(ctx, http.MethodGet, monitorPath("system/status"), q, nil)
	if err != nil {
		return nil, err
	}
	return perVDOM(envs, func(e *Envelope, st *SystemStatus) error {
		if err := decodeResults(e, st); err != nil {
			return err
		}
		st.Serial, st.Version, st.Build = e.Serial, e.Version, e.Build
		return nil
	}), nil
}
