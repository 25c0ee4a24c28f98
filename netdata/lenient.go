package netdata

import (
	"bytes"
	"encoding/json"

	"github.com/sitekit/sitekit/internal/lenient"
)

// Int is an integer that Netdata sends either as a JSON number or as a JSON string holding a
// number (1.37's "cores_total":"2", "warn_repeat_every":"0"). null, "" and non-numeric strings
// ("unknown") decode as 0. It encodes as a number. The rules are [lenient.Int]'s.
type Int = lenient.Int

// Float is a number that Netdata sends as a JSON number, a string holding a number, or null.
// Valid is false for null, absent or non-numeric values (an uninitialized alarm's value).
// It encodes as the number, or null when not Valid; Ptr returns nil when not Valid.
type Float = lenient.Float

// Bool is a boolean that Netdata sends as a JSON bool or as a string ("true"/"false", 1.37's
// "is_k8s_node" and the alarm log's "silenced"); also accepts 0/1, "yes"/"on". null decodes
// as false.
type Bool = lenient.Bool

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
