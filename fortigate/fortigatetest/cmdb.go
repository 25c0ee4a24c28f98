package fortigatetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit/fortigate"
)

// cmdbOp is one CMDB request, kept to replay transactions.
type cmdbOp struct {
	Method string
	Table  string
	MKey   string
	HasKey bool
	Query  url.Values
	Body   any
}

// opResult is a successful CMDB answer.
type opResult struct {
	mkey    any
	results any
	list    *listMeta
	changed bool
}

type listMeta struct {
	size, matched, nextIdx int
	limit                  bool
}

// notFound is the answer to a write (PUT, DELETE, move, clone) naming a missing key:
// 404 with error -3 "entry not found".
func notFound(key string) *simErr { return &simErr{status: http.StatusNotFound, code: -3} }

// apply runs op against st (the live state or a transaction's copy).
func (s *Server) apply(st *state, op cmdbOp) (*opResult, *simErr) {
	d := tableDefs[op.Table]
	switch {
	case op.Method == http.MethodGet && !op.HasKey:
		return s.list(st, d, op.Query)
	case op.Method == http.MethodGet:
		_, r := st.find(d.path, op.MKey)
		if r == nil {
			// A GET of a missing key answers 404 without an internal error code.
			return nil, &simErr{status: http.StatusNotFound}
		}
		return &opResult{results: []any{s.present(d, r)}}, nil
	case op.Method == http.MethodPost && op.HasKey && op.Query.Get("action") == "clone":
		return s.clone(st, d, op.MKey, op.Query.Get("nkey"))
	case op.Method == http.MethodPost && !op.HasKey:
		body, ok := op.Body.(map[string]any)
		if !ok {
			return nil, &simErr{status: http.StatusBadRequest, code: -651, cli: "request body must be a JSON object"}
		}
		return s.create(st, d, body)
	case op.Method == http.MethodPut && op.HasKey && op.Query.Get("action") == "move":
		return s.move(st, d, op.MKey, op.Query)
	case op.Method == http.MethodPut && op.HasKey:
		body, ok := op.Body.(map[string]any)
		if !ok {
			return nil, &simErr{status: http.StatusBadRequest, code: -651, cli: "request body must be a JSON object"}
		}
		return s.update(st, d, op.MKey, body)
	case op.Method == http.MethodDelete && op.HasKey:
		return s.delete(st, d, op.MKey)
	}
	return nil, &simErr{status: http.StatusMethodNotAllowed}
}

// present is a record as FortiOS returns it: q_origin_key on the record and its table rows.
func (s *Server) present(d *tableDef, r record) record {
	out := make(record, len(r)+1)
	for k, v := range r {
		if rows, ok := v.([]any); ok {
			cp := make([]any, len(rows))
			for i, row := range rows {
				if m, ok := row.(map[string]any); ok {
					m2 := make(map[string]any, len(m)+1)
					for k2, v2 := range m {
						m2[k2] = v2
					}
					for _, kk := range []string{"name", "interface-name", "id", "range", "macaddr"} {
						if x, ok := m[kk]; ok {
							m2["q_origin_key"] = x
							break
						}
					}
					cp[i] = m2
				} else {
					cp[i] = row
				}
			}
			v = cp
		}
		out[k] = v
	}
	out["q_origin_key"] = r[d.key]
	return out
}

func (s *Server) list(st *state, d *tableDef, q url.Values) (*opResult, *simErr) {
	rows := st.tables[d.path]
	var matched []int
	filters := q["filter"]
	for i, r := range rows {
		ok := true
		for _, f := range filters {
			m, err := matchFilter(r, f)
			if err != nil {
				return nil, &simErr{status: http.StatusBadRequest, code: -651, cli: err.Error()}
			}
			if !m {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, i)
		}
	}
	for _, sk := range q["sort"] {
		key, dir, _ := strings.Cut(sk, ",")
		sort.SliceStable(matched, func(a, b int) bool {
			less := compareValues(rows[matched[a]][key], rows[matched[b]][key]) < 0
			if dir == "dsc" || dir == "desc" {
				return compareValues(rows[matched[a]][key], rows[matched[b]][key]) > 0
			}
			return less
		})
	}
	start, _ := strconv.Atoi(q.Get("start"))
	count, _ := strconv.Atoi(q.Get("count"))
	n := len(matched)
	if start < 0 || count < 0 || (start == 0 && count == 0) {
		start, count = 0, 0
	}
	if start > n || count > n {
		return nil, &simErr{status: http.StatusBadRequest, code: -2, cli: fmt.Sprintf("start %d / count %d out of range (%d entries)", start, count, n)}
	}
	end := n
	if count > 0 && start+count < n {
		end = start + count
	}
	page := matched[start:end]
	var format []string
	if f := q.Get("format"); f != "" {
		format = strings.Split(f, "|")
		for _, k := range format {
			if d.fields != nil && d.fields[k] == nil {
				format = nil // an unknown attribute returns everything
				break
			}
		}
	}
	results := make([]any, 0, len(page))
	for _, i := range page {
		r := s.present(d, rows[i])
		if format != nil {
			slim := record{"q_origin_key": r["q_origin_key"], d.key: r[d.key]}
			for _, k := range format {
				if v, ok := r[k]; ok {
					slim[k] = v
				}
			}
			r = slim
		}
		results = append(results, r)
	}
	meta := &listMeta{size: len(rows), matched: n, limit: end < n, nextIdx: -1}
	if len(page) > 0 {
		meta.nextIdx = page[len(page)-1]
	}
	return &opResult{results: results, list: meta}, nil
}

// validate checks body's attributes against the catalogue and merges them into base.
func (st *state) validate(d *tableDef, base, body record) (record, *simErr) {
	out := make(record, len(base)+len(body))
	for k, v := range base {
		out[k] = v
	}
	for _, k := range sortedKeys(body) {
		if k == "q_origin_key" {
			continue
		}
		v := body[k]
		if d.fields == nil {
			out[k] = v
			continue
		}
		f := d.fields[k]
		if f == nil {
			return nil, errInvalid(-651, "node_check_object fail! for %s: unknown attribute '%s'", d.path, k)
		}
		if secretFields[k] {
			s, _ := v.(string)
			if f.MaxLength != nil && len(s) > *f.MaxLength {
				return nil, errInvalid(-1, "node_check_object fail! for %s\n\ninvalid length of value", k)
			}
			if strings.HasPrefix(s, "ENC ") {
				continue // an echoed ENC value leaves the secret unchanged
			}
			sum := sha256.Sum256([]byte(s))
			out[k] = "ENC " + hex.EncodeToString(sum[:12])
			continue
		}
		cv, err := st.checkValue(f, v, k)
		if err != nil {
			return nil, err
		}
		out[k] = cv
	}
	return out, nil
}

func (s *Server) create(st *state, d *tableDef, body record) (*opResult, *simErr) {
	key := body[d.key]
	if d.intKey {
		n, _ := scalarNumber(key)
		if n == 0 {
			n = nextIntKey(st, d)
			if n < 0 {
				return nil, errInvalid(-4, "reached the maximum number of entries")
			}
		}
		body[d.key] = n
		key = n
	} else if ks, _ := key.(string); ks == "" {
		return nil, errInvalid(-651, "node_check_object fail! for %s: name is required", d.path)
	}
	ks := keyString(key)
	if i, _ := st.find(d.path, ks); i >= 0 {
		return nil, &simErr{status: 500, code: -5, cli: "A duplicate entry already exists.\nCommand fail. Return code -5\n"}
	}
	if err := st.nameClash(d.path, ks); err != nil {
		return nil, err
	}
	r, err := st.validate(d, record{}, body)
	if err != nil {
		return nil, err
	}
	if err := st.semantic(d, nil, r); err != nil {
		return nil, err
	}
	s.fillDefaults(d, r)
	st.tables[d.path] = append(st.tables[d.path], r)
	return &opResult{mkey: key, changed: true}, nil
}

func nextIntKey(st *state, d *tableDef) float64 {
	max := 0.0
	used := map[float64]bool{}
	for _, r := range st.tables[d.path] {
		n, _ := scalarNumber(r[d.key])
		used[n] = true
		if n > max {
			max = n
		}
	}
	if f := d.fields[d.key]; f != nil && f.Max != nil && *f.Max <= 64 {
		for i := 1.0; i <= *f.Max; i++ {
			if !used[i] {
				return i
			}
		}
		return -1
	}
	return max + 1
}

// nameClash enforces that addresses, address groups and VIPs share one namespace.
func (st *state) nameClash(path, name string) *simErr {
	codes := map[string]int{"firewall/addrgrp": -163, "firewall/vip": -164, "firewall/address": -163}
	if _, ok := codes[path]; !ok {
		return nil
	}
	for _, other := range []string{"firewall/address", "firewall/addrgrp", "firewall/vip"} {
		if other == path {
			continue
		}
		if i, _ := st.find(other, name); i >= 0 {
			code := codes[other]
			if path == "firewall/vip" || other == "firewall/vip" {
				code = -164
			}
			return errInvalid(code, "name %q is already used by %s", name, other)
		}
	}
	return nil
}

// checkOverlap refuses an interface address whose subnet overlaps another interface's, as
// FortiOS does (-506) unless system/settings allow-subnet-overlap is enabled.
func (st *state) checkOverlap(r record) *simErr {
	mine, ok := ifacePrefix(r["ip"])
	if !ok {
		return nil
	}
	for _, o := range st.tables["system/interface"] {
		if o["name"] == r["name"] {
			continue
		}
		if theirs, ok := ifacePrefix(o["ip"]); ok && theirs.Overlaps(mine) {
			return errInvalid(-506, "%s: subnet %s overlaps the subnet of interface %v (%s)", r["name"], mine, o["name"], theirs)
		}
	}
	return nil
}

// ifacePrefix parses an interface "ip" attribute; ok is false for an unset address.
func ifacePrefix(v any) (netip.Prefix, bool) {
	s, _ := v.(string)
	m, err := fortigate.ParseIPMask(s)
	if err != nil || !m.IsValid() || m.Addr().IsUnspecified() {
		return netip.Prefix{}, false
	}
	return m.Masked(), true
}

// semantic enforces the cross-attribute rules the catalogue cannot express.
func (st *state) semantic(d *tableDef, old, r record) *simErr {
	switch d.path {
	case "system/interface":
		if err := st.checkOverlap(r); err != nil {
			return err
		}
		if old == nil {
			if v, _ := r["vdom"].(string); v == "" {
				return errInvalid(-651, "node_check_object fail! for vdom\n\nvdom is required")
			}
		}
		if r["type"] == "vlan" {
			if p, _ := r["interface"].(string); p == "" {
				return errInvalid(-651, "node_check_object fail! for interface\n\na VLAN needs its parent interface")
			}
			if n, _ := scalarNumber(r["vlanid"]); n < 1 {
				return errInvalid(-158, "invalid VLAN ID")
			}
			if old != nil && (keyString(old["vlanid"]) != keyString(r["vlanid"]) || old["interface"] != r["interface"]) {
				return errInvalid(-522, "VLAN ID or parent interface cannot be changed after creation")
			}
		}
	case "system.dhcp/server":
		rows, _ := r["ip-range"].([]any)
		for _, row := range rows {
			m, _ := row.(map[string]any)
			if m != nil && ipLess(m["end-ip"], m["start-ip"]) {
				return errInvalid(-40, "invalid DHCP range: start-ip %v > end-ip %v", m["start-ip"], m["end-ip"])
			}
		}
	case "firewall/addrgrp", "firewall.service/group":
		if rows, ok := r["member"].([]any); ok && len(rows) == 0 && old != nil {
			return errInvalid(-651, "node_check_object fail! for member\n\nmember cannot be empty")
		}
	}
	return nil
}

func ipLess(a, b any) bool {
	pa, pb := ipKey(a), ipKey(b)
	return pa < pb
}

func ipKey(v any) uint64 {
	s, _ := v.(string)
	var out uint64
	for _, p := range strings.Split(s, ".") {
		n, _ := strconv.Atoi(p)
		out = out<<8 | uint64(n)
	}
	return out
}

func (s *Server) fillDefaults(d *tableDef, r record) {
	for k, f := range d.fields {
		if _, ok := r[k]; ok || f.Type == "table" || f.Default == nil {
			continue
		}
		r[k] = f.Default
	}
	if _, ok := d.fields["uuid"]; ok {
		if u, _ := r["uuid"].(string); u == "" || strings.HasPrefix(u, "00000000") {
			r["uuid"] = s.newUUID()
		}
	}
}

func (s *Server) update(st *state, d *tableDef, key string, body record) (*opResult, *simErr) {
	i, old := st.find(d.path, key)
	if old == nil {
		return nil, notFound(key)
	}
	r, err := st.validate(d, old, body)
	if err != nil {
		return nil, err
	}
	if err := st.semantic(d, old, r); err != nil {
		return nil, err
	}
	newKey := keyString(r[d.key])
	if newKey == "" {
		return nil, errInvalid(-651, "node_check_object fail! for %s: empty key", d.key)
	}
	if newKey != key {
		if j, _ := st.find(d.path, newKey); j >= 0 {
			return nil, &simErr{status: 500, code: -5, cli: "A duplicate entry already exists.\nCommand fail. Return code -5\n"}
		}
		if err := st.nameClash(d.path, newKey); err != nil {
			return nil, err
		}
		st.renameRefs(d.path, key, newKey)
	}
	changed := !equalJSON(old, r)
	st.tables[d.path][i] = r
	return &opResult{mkey: r[d.key], changed: changed}, nil
}

func (s *Server) delete(st *state, d *tableDef, key string) (*opResult, *simErr) {
	i, r := st.find(d.path, key)
	if r == nil {
		return nil, notFound(key)
	}
	if refs := st.referrers(d.path, key); len(refs) > 0 {
		code := -23
		if d.path == "user/group" && slices.ContainsFunc(refs, func(x reference) bool { return x.table == "firewall/policy" }) {
			code = -94
		}
		return nil, errInvalid(code, "The entry is used by other %d entries", len(refs))
	}
	if d.path == "system/interface" && (r["type"] == "physical" || r["type"] == "hard-switch") {
		return nil, errInvalid(-651, "physical interface %q cannot be deleted", key)
	}
	st.tables[d.path] = slices.Delete(st.tables[d.path], i, i+1)
	return &opResult{mkey: r[d.key], changed: true}, nil
}

func (s *Server) clone(st *state, d *tableDef, key, nkey string) (*opResult, *simErr) {
	_, r := st.find(d.path, key)
	if r == nil {
		return nil, notFound(key)
	}
	if nkey == "" {
		return nil, errInvalid(-651, "nkey is required to clone")
	}
	if i, _ := st.find(d.path, nkey); i >= 0 {
		return nil, &simErr{status: 500, code: -5, cli: "A duplicate entry already exists.\nCommand fail. Return code -5\n"}
	}
	cp := st.clone().tables[d.path]
	_, nr := (&state{tables: map[string][]record{d.path: cp}}).find(d.path, key)
	var nk any = nkey
	if d.intKey {
		n, ok := scalarNumber(nkey)
		if !ok {
			return nil, errInvalid(-651, "nkey %q is not a number", nkey)
		}
		nk = n
	}
	nr[d.key] = nk
	if _, ok := nr["uuid"]; ok {
		nr["uuid"] = s.newUUID()
	}
	st.tables[d.path] = append(st.tables[d.path], nr)
	return &opResult{mkey: nk, changed: true}, nil
}

func (s *Server) move(st *state, d *tableDef, key string, q url.Values) (*opResult, *simErr) {
	i, r := st.find(d.path, key)
	if r == nil {
		return nil, notFound(key)
	}
	ref, after := q.Get("before"), false
	if ref == "" {
		ref, after = q.Get("after"), true
	}
	if ref == "" {
		return nil, errInvalid(-651, "move needs before= or after=")
	}
	if j, _ := st.find(d.path, ref); j < 0 {
		return nil, notFound(ref)
	}
	rows := slices.Delete(slices.Clone(st.tables[d.path]), i, i+1)
	j, _ := (&state{tables: map[string][]record{d.path: rows}}).find(d.path, ref)
	if after {
		j++
	}
	rows = slices.Insert(rows, j, r)
	changed := !slices.EqualFunc(rows, st.tables[d.path], func(a, b record) bool { return keyString(a[d.key]) == keyString(b[d.key]) })
	st.tables[d.path] = rows
	return &opResult{mkey: r[d.key], changed: changed}, nil
}
