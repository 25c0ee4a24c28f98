package engine

import (
	"encoding/json"
	"strings"
)

// Redacted replaces the value of a secret-looking field in a plan's [FieldChange].
const Redacted = "[redacted]"

// FieldChange is one changed field of an update: the value observed on the appliance
// and the value the update writes, as JSON. A field whose name looks like a secret
// (password, secret, token, private key, API or access key, passphrase) shows [Redacted]
// on both sides. Before and After are null for a change that is not a field of the state
// (duplicates to remove, a reference known only after apply).
type FieldChange struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// secretWords are the parts of field names whose values plans never show.
var secretWords = []string{"password", "passwd", "secret", "token", "private", "passphrase", "apikey", "api_key", "api-key",
	"access_key", "accesskey", "access-key", "psk", "credential"}

// IsSecretField reports whether a field's value is redacted from plans.
func IsSecretField(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// fieldChanges pairs each changed field with its observed and desired values.
func fieldChanges(fields []string, observed any, desired json.RawMessage) []FieldChange {
	var want, have map[string]json.RawMessage
	_ = json.Unmarshal(desired, &want)
	if b, err := json.Marshal(observed); err == nil {
		_ = json.Unmarshal(b, &have)
	}
	redacted, _ := json.Marshal(Redacted)
	out := make([]FieldChange, 0, len(fields))
	for _, f := range fields {
		c := FieldChange{Field: f}
		w, inWant := want[f]
		h, inHave := have[f]
		switch {
		case !inWant && !inHave:
		case IsSecretField(f):
			c.Before, c.After = redacted, redacted
		default:
			c.Before, c.After = orNull(h), orNull(w)
		}
		out = append(out, c)
	}
	return out
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}

// showValue renders a JSON value for the text plan (long values are cut).
func showValue(v json.RawMessage) string {
	s := string(v)
	if s == "" {
		s = "null"
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
