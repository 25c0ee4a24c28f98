package fortigatetest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The FortiOS 7.6.5 field catalogue (catalog/fortios-7.6.5-cmdb-key-objects.fields.json,
// derived from the hfortix-fortios 7.6.5 models): per object and attribute the type, max_length, min/max, enum options,
// default and datasources. It drives the simulator's validation.
//
//go:embed catalog/fortios-7.6.5-cmdb-key-objects.fields.json
var catalogJSON []byte

type field struct {
	Name       string            `json:"-"`
	Type       string            `json:"type"`
	MaxLength  *int              `json:"max_length"`
	Min        *float64          `json:"min"`
	Max        *float64          `json:"max"`
	Default    any               `json:"default"`
	Options    []string          `json:"options"`
	Datasource []string          `json:"datasource"`
	Children   map[string]*field `json:"children"`
	Help       string            `json:"description"`
}

var catalog = mustCatalog()

func mustCatalog() map[string]map[string]*field {
	var c struct {
		Objects map[string]map[string]*field `json:"objects"`
	}
	if err := json.Unmarshal(catalogJSON, &c); err != nil {
		panic("fortigatetest: catalogue: " + err.Error())
	}
	var name func(m map[string]*field)
	name = func(m map[string]*field) {
		for k, f := range m {
			f.Name = k
			name(f.Children)
		}
	}
	for _, o := range c.Objects {
		name(o)
	}
	return c.Objects
}

// simErr is a FortiOS error answer: HTTP status, internal code and CLI text.
type simErr struct {
	status int
	code   int
	cli    string
}

func errInvalid(code int, format string, a ...any) *simErr {
	msg := fmt.Sprintf(format, a...)
	return &simErr{status: 500, code: code, cli: msg + "\nCommand fail. Return code " + strconv.Itoa(code) + "\n"}
}

var secretFields = map[string]bool{"passwd": true, "password": true, "api-key": true, "psksecret": true, "passphrase": true,
	"cloud-authentication-access-key": true, "ppk-secret": true}

// isIPMaskField and isIPField recognise address attributes from their catalogue default.
func isIPMaskField(f *field) bool { return f.Type == "string" && f.Default == "0.0.0.0 0.0.0.0" }
func isIPField(f *field) bool     { return f.Type == "string" && f.Default == "0.0.0.0" }

// checkValue validates v against f and returns the canonical stored value.
func (st *state) checkValue(f *field, v any, where string) (any, *simErr) {
	switch f.Type {
	case "string":
		s, ok := scalarString(v)
		if !ok {
			return nil, errInvalid(-651, "node_check_object fail! for %s\n\nvalue parse error before '%v'", where, v)
		}
		if f.MaxLength != nil && len(s) > *f.MaxLength {
			return nil, errInvalid(-1, "node_check_object fail! for %s %s\n\ninvalid length of value (max %d)", where, s, *f.MaxLength)
		}
		if isIPMaskField(f) && s != "" {
			c, code := canonIPMask(s, f.Name == "wildcard")
			if code != 0 {
				return nil, errInvalid(code, "node_check_object fail! for %s %s\n\nvalue parse error before '%s'", where, s, s)
			}
			s = c
		}
		if isIPField(f) && s != "" {
			if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
				return nil, errInvalid(-8, "node_check_object fail! for %s %s\n\ninvalid IP address", where, s)
			}
		}
		if s != "" && len(f.Datasource) > 0 && !st.refExists(f.Datasource, s) {
			return nil, errInvalid(-651, "node_check_object fail! for %s %s\n\nentry not found in datasource\n\nvalue parse error before '%s'", where, s, s)
		}
		return s, nil
	case "integer":
		n, ok := scalarNumber(v)
		if !ok {
			return nil, errInvalid(-651, "node_check_object fail! for %s\n\nvalue parse error before '%v'", where, v)
		}
		if (f.Min != nil && n < *f.Min) || (f.Max != nil && n > *f.Max) {
			return nil, errInvalid(-650, "node_check_object fail! for %s %v\n\nvalue parse error before '%v'", where, n, n)
		}
		return n, nil
	case "option":
		s, ok := v.(string)
		if !ok || !slices.Contains(f.Options, s) {
			return nil, errInvalid(-651, "node_check_object fail! for %s %v\n\nvalue parse error before '%v'", where, v, v)
		}
		return s, nil
	case "multi-option":
		s, ok := v.(string)
		if !ok {
			return nil, errInvalid(-651, "node_check_object fail! for %s\n\nvalue parse error before '%v'", where, v)
		}
		toks := strings.Fields(s)
		for _, t := range toks {
			if !slices.Contains(f.Options, t) {
				return nil, errInvalid(-651, "node_check_object fail! for %s %s\n\nvalue parse error before '%s'", where, t, t)
			}
		}
		// FortiOS stores multi-options in its own order (the catalogue's), not the caller's.
		sort.SliceStable(toks, func(i, j int) bool { return slices.Index(f.Options, toks[i]) < slices.Index(f.Options, toks[j]) })
		return strings.Join(slices.Compact(toks), " "), nil
	case "table":
		arr, ok := v.([]any)
		if !ok {
			return nil, errInvalid(-651, "node_check_object fail! for %s: a table must be a JSON array", where)
		}
		out := make([]any, 0, len(arr))
		nextID := 1.0
		for _, e := range arr {
			if m, ok := e.(map[string]any); ok {
				if id, ok := scalarNumber(m["id"]); ok && id >= nextID {
					nextID = id + 1
				}
			}
		}
		for i, e := range arr {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, errInvalid(-651, "node_check_object fail! for %s[%d]: entries must be objects", where, i)
			}
			row := map[string]any{}
			for _, k := range sortedKeys(m) {
				if k == "q_origin_key" {
					continue
				}
				cf := f.Children[k]
				if cf == nil {
					return nil, errInvalid(-651, "node_check_object fail! for %s: unknown attribute '%s'", where, k)
				}
				cv, err := st.checkValue(cf, m[k], where+"."+k)
				if err != nil {
					return nil, err
				}
				row[k] = cv
			}
			if idf, ok := f.Children["id"]; ok && idf.Type == "integer" {
				if id, _ := scalarNumber(row["id"]); id == 0 {
					row["id"] = nextID
					nextID++
				}
			}
			out = append(out, row)
		}
		return out, nil
	default: // string-list, object, list[int]: stored as sent
		return v, nil
	}
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case nil:
		return "", true
	}
	return "", false
}

func scalarNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return n, err == nil
	}
	return 0, false
}

// canonIPMask turns "a.b.c.d/n" or "a.b.c.d m.m.m.m" into FortiOS's "a.b.c.d m.m.m.m";
// it returns -8 (bad address) or -9 (bad netmask) on failure.
func canonIPMask(s string, wildcard bool) (string, int) {
	s = strings.TrimSpace(s)
	var addr, mask string
	if a, m, ok := strings.Cut(s, "/"); ok {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > 32 {
			return "", -9
		}
		v := uint32(0)
		if n > 0 {
			v = ^uint32(0) << (32 - n)
		}
		addr, mask = a, netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
	} else if a, m, ok := strings.Cut(s, " "); ok {
		addr, mask = a, strings.TrimSpace(m)
	} else {
		addr, mask = s, "255.255.255.255"
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil || !ip.Is4() {
		return "", -8
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return "", -9
	}
	if !wildcard {
		b := m.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if v != 0 && (^v)&((^v)+1) != 0 {
			return "", -9
		}
	}
	return ip.String() + " " + m.String(), 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
