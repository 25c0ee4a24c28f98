package xotest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// schema is the JSON Schema subset used by XO's OpenAPI document (tsoa output): $ref, type,
// nullable, enum, properties, required, items, anyOf, allOf, additionalProperties, minimum,
// maximum. It validates request bodies (strict: unknown properties are rejected unless
// additionalProperties allows them, like tsoa's throw-on-extras) and, in tests, responses
// (lenient on extras).
type schema map[string]any

// schemaChecker resolves $ref against components (may be nil when schemas are inlined).
type schemaChecker struct {
	components map[string]schema
	strict     bool
}

func (c *schemaChecker) resolve(s schema) schema {
	for i := 0; i < 32; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name := ref[strings.LastIndex(ref, "/")+1:]
		next, ok := c.components[name]
		if !ok {
			return schema{}
		}
		s = next
	}
	return s
}

func asSchema(v any) schema {
	switch m := v.(type) {
	case map[string]any:
		return schema(m)
	case schema:
		return m
	}
	return nil
}

// validate returns the problems of v against s, keyed by JSON path ("body.vlan").
func (c *schemaChecker) validate(s schema, v any, path string) map[string]string {
	errs := map[string]string{}
	c.check(s, v, path, errs)
	return errs
}

func (c *schemaChecker) check(s schema, v any, path string, errs map[string]string) {
	s = c.resolve(s)
	if s == nil {
		return
	}
	if v == nil {
		if nb, _ := s["nullable"].(bool); nb {
			return
		}
		if _, typed := s["type"]; typed {
			errs[path] = "invalid null value"
		}
		return
	}
	if any_, ok := s["anyOf"].([]any); ok {
		var first map[string]string
		for _, alt := range any_ {
			e := map[string]string{}
			c.check(asSchema(alt), v, path, e)
			if len(e) == 0 {
				return
			}
			if first == nil {
				first = e
			}
		}
		errs[path] = "Could not match the union against any of the items" + summary(first)
		return
	}
	if all, ok := s["allOf"].([]any); ok {
		merged := c.mergeAllOf(all)
		c.check(merged, v, path, errs)
		return
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) && sameKind(e, v) {
				found = true
			}
		}
		if !found {
			errs[path] = fmt.Sprintf("should be one of the following; %v", enum)
			return
		}
	}
	switch t, _ := s["type"].(string); t {
	case "string":
		if _, ok := v.(string); !ok {
			errs[path] = "invalid string value"
		}
	case "number", "integer":
		n, ok := v.(float64)
		if !ok {
			errs[path] = "invalid float number"
			return
		}
		if t == "integer" && n != float64(int64(n)) {
			errs[path] = "invalid integer number"
		}
		if min, ok := s["minimum"].(float64); ok && n < min {
			errs[path] = fmt.Sprintf("min %v", min)
		}
		if max, ok := s["maximum"].(float64); ok && n > max {
			errs[path] = fmt.Sprintf("max %v", max)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs[path] = "invalid boolean value"
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			errs[path] = "invalid array"
			return
		}
		if items := asSchema(s["items"]); items != nil {
			for i, it := range a {
				c.check(items, it, fmt.Sprintf("%s.%d", path, i), errs)
			}
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			errs[path] = "invalid object"
			return
		}
		props, _ := s["properties"].(map[string]any)
		for _, ri := range asList(s["required"]) {
			r := fmt.Sprint(ri)
			if _, ok := m[r]; !ok {
				errs[path+"."+r] = fmt.Sprintf("'%s' is required", r)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps := asSchema(props[k]); ps != nil {
				c.check(ps, m[k], path+"."+k, errs)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case nil:
				if c.strict {
					errs[path+"."+k] = fmt.Sprintf("\"%s\" is an excess property and therefore is not allowed", k)
				}
			case bool:
				if !ap {
					errs[path+"."+k] = fmt.Sprintf("\"%s\" is an excess property and therefore is not allowed", k)
				}
			default:
				c.check(asSchema(ap), m[k], path+"."+k, errs)
			}
		}
	}
}

// mergeAllOf folds allOf parts into one object schema (properties and required united;
// additionalProperties kept from the part that has one).
func (c *schemaChecker) mergeAllOf(parts []any) schema {
	props := map[string]any{}
	var req []any
	out := schema{"type": "object"}
	for _, p := range parts {
		ps := c.resolve(asSchema(p))
		if inner, ok := ps["allOf"].([]any); ok {
			ps = c.mergeAllOf(inner)
		}
		if t, ok := ps["type"].(string); ok && t != "object" {
			return ps
		}
		if pp, ok := ps["properties"].(map[string]any); ok {
			for k, v := range pp {
				props[k] = v
			}
		}
		req = append(req, asList(ps["required"])...)
		if ap, ok := ps["additionalProperties"]; ok {
			out["additionalProperties"] = ap
		}
	}
	out["properties"] = props
	out["required"] = req
	return out
}

func asList(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	return nil
}

func sameKind(a, b any) bool {
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	case float64:
		_, ok := b.(float64)
		return ok
	}
	return false
}

func summary(e map[string]string) string {
	if len(e) == 0 {
		return ""
	}
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return ": " + keys[0] + ": " + e[keys[0]]
}

// decodeAny decodes JSON into generic values (numbers as float64).
func decodeAny(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	return v, err
}
