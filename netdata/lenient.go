package netdata

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Int is an integer that Netdata sends either as a JSON number or as a JSON string holding a
// number (1.37's "cores_total":"2", "warn_repeat_every":"0"). null, "" and non-numeric strings
// ("unknown") decode as 0. It encodes as a number.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	s, ok := scalar(b)
	if !ok {
		*n = 0
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = Int(v)
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		*n = Int(f)
		return nil
	}
	*n = 0
	return nil
}

// Float is a number that Netdata sends as a JSON number, a string holding a number, or null.
// Valid is false for null, absent or non-numeric values (an uninitialized alarm's value).
type Float struct {
	Value float64
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	*f = Float{}
	s, ok := scalar(b)
	if !ok {
		return nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		*f = Float{Value: v, Valid: true}
	}
	return nil
}

// MarshalJSON encodes the number, or null when not Valid.
func (f Float) MarshalJSON() ([]byte, error) {
	if !f.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(f.Value)
}

// Ptr returns a pointer to the value, nil when not Valid.
func (f Float) Ptr() *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Value
	return &v
}

// Bool is a boolean that Netdata sends as a JSON bool or as a string ("true"/"false", 1.37's
// "is_k8s_node" and the alarm log's "silenced"); also accepts 0/1. null decodes as false.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s, ok := scalar(b)
	if !ok {
		*v = false
		return nil
	}
	switch strings.ToLower(s) {
	case "true", "yes", "1", "on":
		*v = true
	default:
		*v = false
	}
	return nil
}

// scalar returns the text of a JSON number, bool or string; ok is false for null, objects,
// arrays and empty input.
func scalar(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) || b[0] == '{' || b[0] == '[' {
		return "", false
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false
		}
		s = strings.TrimSpace(s)
		return s, s != ""
	}
	return string(b), true
}

// lenientMap decodes a JSON object into m, leaving m nil when the value is anything else
// (null, an array in another agent version).
func lenientMap[V any](b []byte, m *map[string]V) {
	*m = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return
	}
	var out map[string]V
	if json.Unmarshal(b, &out) == nil {
		*m = out
	}
}
