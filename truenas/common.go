package truenas

import (
	"bytes"
	"encoding/json"
	"net"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
)

// Ptr returns a pointer to v, for the optional fields of requests (partial updates).
func Ptr[T any](v T) *T { return &v }

// Property is a ZFS property object as pool.dataset.query returns it:
// {"parsed":…, "rawvalue":"…", "value":"…", "source":"LOCAL", "source_info":null}.
type Property struct {
	Parsed     json.RawMessage `json:"parsed,omitempty"`
	RawValue   string          `json:"rawvalue"`
	Value      string          `json:"value"`
	Source     string          `json:"source"` // NONE DEFAULT LOCAL TEMPORARY INHERITED RECEIVED
	SourceInfo string          `json:"source_info"`
}

// UnmarshalJSON accepts the property object or a bare value (older or flattened outputs).
func (p *Property) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		if q, ok := scanProperty(b); ok {
			*p = q
			return nil
		}
		type plain Property
		var q plain
		if err := json.Unmarshal(b, &q); err != nil {
			return err
		}
		*p = Property(q)
		return nil
	}
	*p = Property{Parsed: append(json.RawMessage(nil), b...)}
	var s string
	if json.Unmarshal(b, &s) == nil {
		p.Value, p.RawValue = s, s
	} else if string(b) != "null" {
		p.Value, p.RawValue = string(b), string(b)
	}
	return nil
}

// Int returns the parsed value as an integer (0 when unset or not numeric).
func (p Property) Int() int64 {
	var n lenient.Int
	if len(p.Parsed) > 0 && n.UnmarshalJSON(p.Parsed) == nil && n != 0 {
		return int64(n)
	}
	i, _ := strconv.ParseInt(p.RawValue, 10, 64)
	return i
}

// String returns the human value ("LZ4", "10G"), falling back to the raw value.
func (p Property) String() string {
	if p.Value != "" {
		return p.Value
	}
	return p.RawValue
}

var (
	zfsComponent = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*$`)
	userName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*\$?$`)
)

// validateDatasetName checks "pool/child[/…]".
func validateDatasetName(field, name string, allowPool bool) error {
	switch {
	case name == "":
		return sitekit.Invalid(field, name, "must not be empty")
	case strings.ContainsAny(name, " \t\n"):
		return sitekit.Invalid(field, name, "must not contain spaces")
	case len(name) > 200:
		return sitekit.Invalid(field, name, "must be at most 200 characters")
	case strings.HasPrefix(name, "/"):
		return sitekit.Invalid(field, name, `must be "pool/name", not a path`)
	case !allowPool && !strings.Contains(name, "/"):
		return sitekit.Invalid(field, name, `must be inside a pool ("pool/name")`)
	}
	for _, c := range strings.Split(name, "/") {
		if !zfsComponent.MatchString(c) {
			return sitekit.Invalid(field, name, "components must be non-empty and use only letters, digits, _ . : -")
		}
	}
	return nil
}

// validateMountPath checks a share path: absolute, under /mnt/, clean.
func validateMountPath(field, p string) error {
	switch {
	case p == "":
		return sitekit.Invalid(field, p, "must not be empty")
	case !strings.HasPrefix(p, "/mnt/") || len(p) <= len("/mnt/"):
		return sitekit.Invalid(field, p, "must be a dataset path under /mnt/")
	case path.Clean(p) != p:
		return sitekit.Invalid(field, p, "must be a clean path (no //, .., trailing /)")
	}
	return nil
}

func oneOf(field, v string, allowed ...string) error {
	if v == "" || slices.Contains(allowed, v) {
		return nil
	}
	return sitekit.Invalid(field, v, "must be one of "+strings.Join(allowed, ", "))
}

func validateCIDR(field, n string) error {
	if _, _, err := net.ParseCIDR(n); err == nil {
		return nil
	}
	if ip := net.ParseIP(n); ip != nil {
		return nil // a single address is accepted by TrueNAS
	}
	return sitekit.Invalid(field, n, "must be a network in CIDR notation (10.0.10.0/24)")
}

// Schedule is a cron-like schedule ({minute, hour, dom, month, dow, begin, end}); dow 1=Mon…7=Sun.
type Schedule struct {
	Minute string `json:"minute,omitempty"`
	Hour   string `json:"hour,omitempty"`
	Dom    string `json:"dom,omitempty"`
	Month  string `json:"month,omitempty"`
	Dow    string `json:"dow,omitempty"`
	Begin  string `json:"begin,omitempty"`
	End    string `json:"end,omitempty"`
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate checks each cron field (empty fields take the appliance's default; day of week 7 is
// Sunday, as croniter accepts) and the HH:MM window; field names are prefixed with prefix.
func (s Schedule) Validate(prefix string) error {
	fields := []struct {
		name, v string
		f       sitekit.CronField
	}{{"Minute", s.Minute, sitekit.CronMinute}, {"Hour", s.Hour, sitekit.CronHour}, {"Dom", s.Dom, sitekit.CronDayOfMonth},
		{"Month", s.Month, sitekit.CronMonth}, {"Dow", s.Dow, sitekit.CronDayOfWeek}}
	for _, f := range fields {
		if f.v == "" {
			continue
		}
		if err := sitekit.CheckCronField(f.f, f.v); err != nil {
			return sitekit.Invalid(prefix+"."+f.name, f.v, err.Error())
		}
	}
	if s.Begin != "" && !hhmm.MatchString(s.Begin) {
		return sitekit.Invalid(prefix+".Begin", s.Begin, "must be HH:MM")
	}
	if s.End != "" && !hhmm.MatchString(s.End) {
		return sitekit.Invalid(prefix+".End", s.End, "must be HH:MM")
	}
	return nil
}

// wire marshals a request struct to a JSON object map and adds extra members (secrets).
func wire(v any, extra map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	for k, x := range extra {
		m[k] = x
	}
	return m
}

// idOf decodes a reference that TrueNAS returns either as an id or as the expanded object.
func idOf(raw json.RawMessage) int64 {
	if len(raw) == 0 {
		return 0
	}
	if raw[0] == '{' {
		var o struct {
			ID lenient.Int `json:"id"`
		}
		_ = json.Unmarshal(raw, &o)
		return int64(o.ID)
	}
	var n lenient.Int
	_ = n.UnmarshalJSON(raw)
	return int64(n)
}

// scanProperty decodes a property object without reflection: the members are strings
// without escapes, null, or (for parsed) any value kept raw. encoding/json has validated b.
// It reports false for anything else, which the reflective decoder then handles.
func scanProperty(b []byte) (Property, bool) {
	var p Property
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == '}' {
		return p, true
	}
	for i < len(b) {
		if b[i] != '"' {
			return p, false
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 {
			return p, false
		}
		key := b[i+1 : i+1+end]
		i = skipSpace(b, i+2+end)
		if i >= len(b) || b[i] != ':' {
			return p, false
		}
		i = skipSpace(b, i+1)
		vEnd := valueEnd(b, i)
		if vEnd < 0 {
			return p, false
		}
		v := b[i:vEnd]
		if string(key) == "parsed" {
			p.Parsed = append(json.RawMessage(nil), v...)
		} else {
			var dst *string
			switch string(key) {
			case "rawvalue":
				dst = &p.RawValue
			case "value":
				dst = &p.Value
			case "source":
				dst = &p.Source
			case "source_info":
				dst = &p.SourceInfo
			}
			if dst != nil {
				switch {
				case v[0] == '"' && bytes.IndexByte(v[1:len(v)-1], '\\') < 0:
					*dst = string(v[1 : len(v)-1])
				case string(v) == "null":
				default:
					return p, false // escapes or a non-string: the reflective decoder decides
				}
			}
		}
		i = skipSpace(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		return p, i < len(b) && b[i] == '}'
	}
	return p, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i], -1 if malformed.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := valueEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
