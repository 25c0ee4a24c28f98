package lenient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Int is an integer decoded from a JSON number, a numeric string, a bool (1/0) or null
// (0); see the package documentation for the exact rules. It encodes as a JSON number.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	s, err := scalar(b, "lenient.Int")
	if err != nil {
		return err
	}
	*n = Int(parseInt(s))
	return nil
}

// Float is a number decoded from a JSON number, a numeric string, a bool (1/0) or null.
// Valid is false for null, "" and strings that hold no finite number (an uninitialized
// Netdata alarm value), true otherwise.
type Float struct {
	Value float64
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	s, err := scalar(b, "lenient.Float")
	if err != nil {
		return err
	}
	v, ok := parseFloat(s)
	*f = Float{Value: v, Valid: ok}
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

// Bool is a boolean decoded from a JSON bool, a number (non-zero is true), a string
// ("true"/"yes"/"on" or a non-zero number are true, any case) or null (false). It encodes
// as a JSON bool.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s, err := scalar(b, "lenient.Bool")
	if err != nil {
		return err
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		*v = true
	default:
		f, ok := parseFloat(s)
		*v = Bool(ok && f != 0)
	}
	return nil
}

// scalar returns the text of a JSON scalar: a number's literal, a string's trimmed
// content, "1"/"0" for true/false and "" for null. Objects, arrays and malformed input are
// an error naming typ.
func scalar(b []byte, typ string) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", fmt.Errorf("%s: empty JSON value", typ)
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", fmt.Errorf("%s: %w", typ, err)
		}
		return strings.TrimSpace(s), nil
	case c == 'n' && string(b) == "null":
		return "", nil
	case c == 't' && string(b) == "true":
		return "1", nil
	case c == 'f' && string(b) == "false":
		return "0", nil
	case (c == '-' || c >= '0' && c <= '9') && json.Valid(b):
		return string(b), nil
	case c == '{':
		return "", fmt.Errorf("%s: cannot decode a JSON object", typ)
	case c == '[':
		return "", fmt.Errorf("%s: cannot decode a JSON array", typ)
	}
	return "", fmt.Errorf("%s: invalid JSON value %.40q", typ, b)
}

// parseFloat parses s as strconv does; ok is false for "", junk, NaN and ±Inf (including
// out-of-range values such as 1e999).
func parseFloat(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseInt parses s exactly when it is an integer literal, else through parseFloat
// (truncated toward zero); junk and values outside int64's range give 0.
func parseInt(s string) int64 {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	f, ok := parseFloat(s)
	if !ok || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0
	}
	return int64(f)
}
