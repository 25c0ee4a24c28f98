package fortigatetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

type record = map[string]any

// tableDef describes one CMDB table the simulator serves.
type tableDef struct {
	path   string // "firewall/address", "system.dhcp/server"
	key    string // mkey attribute
	intKey bool
	fields map[string]*field // nil: no catalogue, stored as sent
}

// tableDefs lists every table: the catalogue's objects plus seed-only tables their
// datasources point at (schedules, profiles, VDOMs…), which hold the FortiOS factory entries.
var tableDefs = func() map[string]*tableDef {
	defs := map[string]*tableDef{}
	for path, fields := range catalog {
		d := &tableDef{path: path, fields: fields, key: "name"}
		for _, k := range []string{"policyid", "seq-num", "ems-id"} {
			if _, ok := fields[k]; ok {
				d.key = k
			}
		}
		if path == "system.dhcp/server" {
			d.key = "id"
		}
		d.intKey = fields[d.key] != nil && fields[d.key].Type == "integer"
		defs[path] = d
	}
	for _, p := range []string{"system/vdom", "firewall.schedule/recurring", "firewall.schedule/onetime", "firewall.schedule/group",
		"firewall/ippool", "antivirus/profile", "webfilter/profile", "ips/sensor", "application/list", "dnsfilter/profile",
		"firewall/ssl-ssh-profile", "firewall/profile-protocol-options", "firewall/access-proxy-virtual-host", "user/ldap",
		"user/radius", "user/saml", "user/peer", "certificate/ca", "vpn.certificate/ca", "system/accprofile",
		"firewall.service/category", "ztna/web-portal", "system.replacemsg/group"} {
		defs[p] = &tableDef{path: p, key: "name"}
	}
	return defs
}()

// dsTables maps a datasource prefix ("firewall.service.custom") to its table path.
var dsTables = func() map[string]string {
	m := map[string]string{}
	for p := range tableDefs {
		m[strings.ReplaceAll(p, "/", ".")] = p
	}
	return m
}()

// state is the whole CMDB: tables in order, plus the system/global singleton.
type state struct {
	tables map[string][]record
	global record
}

func newState() *state {
	st := &state{tables: map[string][]record{}, global: record{}}
	for p := range tableDefs {
		st.tables[p] = nil
	}
	return st
}

func (st *state) clone() *state {
	b, _ := json.Marshal(struct {
		T map[string][]record
		G record
	}{st.tables, st.global})
	var c struct {
		T map[string][]record
		G record
	}
	_ = json.Unmarshal(b, &c)
	if c.T == nil {
		c.T = map[string][]record{}
	}
	return &state{tables: c.T, global: c.G}
}

func keyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.0f", x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func (st *state) find(path, key string) (int, record) {
	d := tableDefs[path]
	for i, r := range st.tables[path] {
		if keyString(r[d.key]) == key {
			return i, r
		}
	}
	return -1, nil
}

// refExists reports whether value names an entry of one of the datasources. Datasources
// naming tables the simulator does not hold are accepted; "any" is the pseudo-interface.
func (st *state) refExists(datasources []string, value string) bool {
	known := false
	for _, ds := range datasources {
		i := strings.LastIndex(ds, ".")
		if i < 0 {
			continue
		}
		p, ok := dsTables[ds[:i]]
		if !ok {
			continue
		}
		known = true
		if p == "system/interface" && value == "any" {
			return true
		}
		for _, r := range st.tables[p] {
			if keyString(r[ds[i+1:]]) == value {
				return true
			}
		}
	}
	return !known
}

// reference is one attribute of one record that points at an entry.
type reference struct {
	table, key string
}

// referrers lists the records whose attributes reference (path, value).
func (st *state) referrers(path, value string) []reference {
	target := strings.ReplaceAll(path, "/", ".") + "."
	var out []reference
	for _, p := range sortedKeys(st.tables) {
		d := tableDefs[p]
		if d == nil || d.fields == nil {
			continue
		}
		for _, r := range st.tables[p] {
			if refersTo(d.fields, r, target, value) {
				out = append(out, reference{table: p, key: keyString(r[d.key])})
			}
		}
	}
	return out
}

func refersTo(fields map[string]*field, r record, target, value string) bool {
	for k, v := range r {
		f := fields[k]
		if f == nil {
			continue
		}
		if f.Type == "table" {
			rows, _ := v.([]any)
			for _, row := range rows {
				if m, ok := row.(map[string]any); ok && refersTo(f.Children, m, target, value) {
					return true
				}
			}
			continue
		}
		if s, ok := v.(string); ok && s == value && slices.ContainsFunc(f.Datasource, func(ds string) bool { return strings.HasPrefix(ds, target) }) {
			return true
		}
	}
	return false
}

// renameRefs rewrites references to (path, old) into new.
func (st *state) renameRefs(path, old, nu string) {
	target := strings.ReplaceAll(path, "/", ".") + "."
	for p, rows := range st.tables {
		d := tableDefs[p]
		if d == nil || d.fields == nil {
			continue
		}
		for _, r := range rows {
			renameIn(d.fields, r, target, old, nu)
		}
	}
}

func renameIn(fields map[string]*field, r record, target, old, nu string) {
	for k, v := range r {
		f := fields[k]
		if f == nil {
			continue
		}
		if f.Type == "table" {
			rows, _ := v.([]any)
			for _, row := range rows {
				if m, ok := row.(map[string]any); ok {
					renameIn(f.Children, m, target, old, nu)
				}
			}
			continue
		}
		if s, ok := v.(string); ok && s == old && slices.ContainsFunc(f.Datasource, func(ds string) bool { return strings.HasPrefix(ds, target) }) {
			r[k] = nu
		}
	}
}
