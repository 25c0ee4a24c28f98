package truenastest

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// dataset is a simulated ZFS dataset. props holds locally set properties (upper-case values
// as the API shows them, sizes as byte counts).
type dataset struct {
	name      string
	typ       string
	props     map[string]string
	userProps map[string]string
	shareType string
	created   time.Time
}

// defaults of inheritable properties at the pool root.
var propDefaults = map[string]string{
	"compression": "LZ4", "sync": "STANDARD", "atime": "OFF", "exec": "ON", "readonly": "OFF", "deduplication": "OFF",
	"snapdir": "HIDDEN", "acltype": "POSIX", "aclmode": "DISCARD", "casesensitivity": "SENSITIVE", "copies": "1",
	"recordsize": "128K", "checksum": "ON", "xattr": "ON", "comments": "", "quota": "0", "refquota": "0",
	"reservation": "0", "refreservation": "0",
}

var inheritable = map[string]bool{"compression": true, "sync": true, "atime": true, "exec": true, "readonly": true,
	"deduplication": true, "snapdir": true, "acltype": true, "aclmode": true, "copies": true, "recordsize": true, "checksum": true, "xattr": true}

var sizeProps = map[string]bool{"quota": true, "refquota": true, "reservation": true, "refreservation": true, "volsize": true}

func parent(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return ""
}

func humanSize(n int64) string {
	units := []string{"B", "K", "M", "G", "T", "P"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if u == 0 {
		return strconv.FormatInt(n, 10)
	}
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimRight(s, "0"), "."), ".")
	return s + units[u]
}

func sizeBytes(s string) int64 {
	s = strings.ToUpper(s)
	mult := int64(1)
	for i, u := range []string{"K", "M", "G", "T"} {
		if strings.HasSuffix(s, u) {
			s = strings.TrimSuffix(s, u)
			mult = int64(1) << (10 * (i + 1))
		}
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n * mult
}

// prop renders one property object.
func (st *state) prop(d *dataset, key string) map[string]any {
	value, source, info := "", "DEFAULT", any(nil)
	if v, ok := d.props[key]; ok {
		value, source = v, "LOCAL"
	} else if inheritable[key] {
		value = propDefaults[key]
		for p := parent(d.name); p != ""; p = parent(p) {
			if pd, ok := st.datasets[p]; ok {
				if v, ok := pd.props[key]; ok {
					value, source, info = v, "INHERITED", p
					break
				}
			}
		}
	} else {
		value = propDefaults[key]
		if key == "comments" || sizeProps[key] {
			source = "NONE"
		}
	}
	if key == "comments" {
		if value == "" {
			return map[string]any{"parsed": "", "rawvalue": "", "value": "", "source": source, "source_info": info}
		}
		return map[string]any{"parsed": value, "rawvalue": value, "value": value, "source": source, "source_info": info}
	}
	if sizeProps[key] || key == "recordsize" || key == "volblocksize" {
		n := sizeBytes(value)
		human := humanSize(n)
		var v any = human
		if n == 0 && key != "recordsize" {
			v = nil
		}
		return map[string]any{"parsed": n, "rawvalue": strconv.FormatInt(n, 10), "value": v, "source": source, "source_info": info}
	}
	return map[string]any{"parsed": strings.ToLower(value), "rawvalue": strings.ToLower(value), "value": value, "source": source, "source_info": info}
}

func (st *state) datasetRow(d *dataset) map[string]any {
	row := map[string]any{
		"id": d.name, "type": d.typ, "name": d.name, "pool": strings.SplitN(d.name, "/", 2)[0],
		"encrypted": false, "encryption_root": nil, "key_loaded": false, "children": []any{}, "locked": false,
		"user_properties": map[string]any{},
	}
	if d.typ == "FILESYSTEM" {
		row["mountpoint"] = "/mnt/" + d.name
	} else {
		row["mountpoint"] = nil
	}
	keys := []string{"comments", "compression", "sync", "atime", "exec", "readonly", "deduplication", "snapdir", "copies",
		"checksum", "xattr", "reservation", "refreservation"}
	if d.typ == "FILESYSTEM" {
		keys = append(keys, "acltype", "aclmode", "casesensitivity", "quota", "refquota", "recordsize")
	} else {
		keys = append(keys, "volsize", "volblocksize")
	}
	for _, k := range keys {
		row[k] = st.prop(d, k)
	}
	row["used"] = map[string]any{"parsed": 98304, "rawvalue": "98304", "value": "96K", "source": "NONE", "source_info": nil}
	row["available"] = map[string]any{"parsed": 7681499881472, "rawvalue": "7681499881472", "value": "6.99T", "source": "NONE", "source_info": nil}
	row["compressratio"] = map[string]any{"parsed": "1.00", "rawvalue": "1.00", "value": "1.00x", "source": "NONE", "source_info": nil}
	up := map[string]any{}
	for k, v := range d.userProps {
		up[k] = map[string]any{"parsed": v, "rawvalue": v, "value": v, "source": "LOCAL", "source_info": nil}
	}
	row["user_properties"] = up
	return row
}

// datasetsChanged drops the cached rows of name and of its descendants, which inherit from
// it, and the sorted name list (under s.mu).
func (st *state) datasetsChanged(name string) {
	st.dsNames = nil
	delete(st.dsRows, name)
	delete(st.dsRaw, name)
	for n := range st.dsRows {
		if strings.HasPrefix(n, name+"/") {
			delete(st.dsRows, n)
			delete(st.dsRaw, n)
		}
	}
}

// cachedDatasetRow returns the rendered row of dataset name, rendering it once per change.
// Rows are shared: callers must not modify them.
func (st *state) cachedDatasetRow(name string) map[string]any {
	if r, ok := st.dsRows[name]; ok {
		return r
	}
	r := toRow(st.datasetRow(st.datasets[name]))
	if st.dsRows == nil {
		st.dsRows = map[string]map[string]any{}
	}
	st.dsRows[name] = r
	return r
}

// encodedDatasets replaces the cached rows in a query result by their cached JSON encoding,
// so a query does not encode the rows it returns again; selected (new) rows are kept.
func (st *state) encodedDatasets(res any) any {
	enc := func(r map[string]any) any {
		id, _ := r["id"].(string)
		cached, ok := st.dsRows[id]
		if !ok || reflect.ValueOf(cached).UnsafePointer() != reflect.ValueOf(r).UnsafePointer() {
			return r
		}
		raw, ok := st.dsRaw[id]
		if !ok {
			raw = mustJSON(r)
			if st.dsRaw == nil {
				st.dsRaw = map[string]json.RawMessage{}
			}
			st.dsRaw[id] = raw
		}
		return raw
	}
	switch v := res.(type) {
	case map[string]any:
		return enc(v)
	case []map[string]any:
		out := make([]any, len(v))
		for i, r := range v {
			out[i] = enc(r)
		}
		return out
	}
	return res
}

// datasetRows returns every dataset's row, ordered by name.
func (st *state) datasetRows() []map[string]any {
	if st.dsNames == nil {
		st.dsNames = make([]string, 0, len(st.datasets))
		for n := range st.datasets {
			st.dsNames = append(st.dsNames, n)
		}
		sort.Strings(st.dsNames)
	}
	out := make([]map[string]any, 0, len(st.dsNames))
	for _, n := range st.dsNames {
		out = append(out, st.cachedDatasetRow(n))
	}
	return out
}

// datasetByKey serves the common lookup [["id"|"name", "=", "<name>"]] without touching the
// other rows: it returns the matching rows and true, or false for any other filter.
func (st *state) datasetByKey(params []json.RawMessage) ([]map[string]any, bool) {
	if len(params) == 0 {
		return nil, false
	}
	var filters [][]json.RawMessage
	if json.Unmarshal(params[0], &filters) != nil || len(filters) != 1 || len(filters[0]) != 3 {
		return nil, false
	}
	var field, op, name string
	if json.Unmarshal(filters[0][0], &field) != nil || json.Unmarshal(filters[0][1], &op) != nil ||
		json.Unmarshal(filters[0][2], &name) != nil || op != "=" || field != "id" && field != "name" {
		return nil, false
	}
	if _, ok := st.datasets[name]; !ok {
		return []map[string]any{}, true
	}
	return []map[string]any{st.cachedDatasetRow(name)}, true
}

var (
	zfsName       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$`)
	enumValues    = map[string][]string{"sync": {"STANDARD", "ALWAYS", "DISABLED", "INHERIT"}, "atime": {"ON", "OFF", "INHERIT"}, "exec": {"ON", "OFF", "INHERIT"}, "readonly": {"ON", "OFF", "INHERIT"}, "deduplication": {"ON", "VERIFY", "OFF", "INHERIT"}, "snapdir": {"DISABLED", "VISIBLE", "HIDDEN", "INHERIT"}, "acltype": {"OFF", "NFSV4", "POSIX", "INHERIT"}, "aclmode": {"PASSTHROUGH", "RESTRICTED", "DISCARD", "INHERIT"}, "casesensitivity": {"SENSITIVE", "INSENSITIVE", "INHERIT"}, "share_type": {"GENERIC", "MULTIPROTOCOL", "NFS", "SMB", "APPS"}, "type": {"FILESYSTEM", "VOLUME"}}
	compressions  = regexp.MustCompile(`^(ON|OFF|LZ4|GZIP|GZIP-[1-9]|ZSTD|ZSTD-FAST|ZLE|LZJB|INHERIT|ZSTD-([1-9]|1[0-9])|ZSTD-FAST-([1-9]|10|20|30|40|50|60|70|80|90|100|500|1000))$`)
	allowedCreate = map[string]bool{"name": true, "type": true, "comments": true, "sync": true, "compression": true, "exec": true, "readonly": true,
		"copies": true, "snapdir": true, "deduplication": true, "checksum": true, "quota_warning": true, "quota_critical": true,
		"refquota_warning": true, "refquota_critical": true, "reservation": true, "refreservation": true, "special_small_block_size": true,
		"managedby": true, "share_type": true, "encryption": true, "encryption_options": true, "inherit_encryption": true,
		"user_properties": true, "create_ancestors": true, "aclmode": true, "acltype": true, "atime": true, "casesensitivity": true,
		"quota": true, "refquota": true, "recordsize": true, "volsize": true, "volblocksize": true, "sparse": true, "force_size": true}
	notUpdatable = map[string]bool{"name": true, "type": true, "casesensitivity": true, "share_type": true, "sparse": true,
		"volblocksize": true, "encryption": true, "encryption_options": true, "inherit_encryption": true, "create_ancestors": true}
)

// applyDatasetProps validates and applies data to d, collecting validation errors.
func applyDatasetProps(sch string, d *dataset, data map[string]any, create bool) []verr {
	var errs []verr
	for k := range data {
		if !allowedCreate[k] && k != "user_properties_update" {
			errs = append(errs, verr{attr: sch + "." + k, msg: "Extra inputs are not permitted"})
		} else if !create && notUpdatable[k] {
			errs = append(errs, verr{attr: sch + "." + k, msg: "Field cannot be changed"})
		}
	}
	for k, allowed := range enumValues {
		if v, ok := data[k]; ok {
			s, _ := v.(string)
			found := false
			for _, a := range allowed {
				found = found || a == s
			}
			if !found {
				errs = append(errs, verr{attr: sch + "." + k, msg: fmt.Sprintf("Input should be %s", quoteList(allowed))})
			}
		}
	}
	if v, ok := data["compression"]; ok {
		if s, _ := v.(string); !compressions.MatchString(s) {
			errs = append(errs, verr{attr: sch + ".compression", msg: "Input should be a valid compression algorithm"})
		}
	}
	for _, k := range []string{"quota", "refquota"} {
		if v, ok := data[k]; ok && v != nil {
			n, isNum := num(v)
			switch {
			case !isNum:
				errs = append(errs, verr{attr: sch + "." + k, msg: "Input should be a valid integer"})
			case n != 0 && n < 1<<30:
				errs = append(errs, verr{attr: sch + "." + k, msg: "Input should be greater than or equal to 1073741824"})
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	acltype, _ := data["acltype"].(string)
	aclmode, _ := data["aclmode"].(string)
	if (acltype == "POSIX" || acltype == "OFF") && aclmode != "" && aclmode != "DISCARD" {
		errs = append(errs, verr{attr: sch + ".aclmode", msg: "Must be set to DISCARD when acltype is POSIX or OFF"})
		return errs
	}
	if st, ok := data["share_type"].(string); ok && create {
		d.shareType = st
		if st == "SMB" || st == "MULTIPROTOCOL" {
			d.props["casesensitivity"] = "INSENSITIVE"
			d.props["acltype"] = "NFSV4"
			d.props["aclmode"] = "RESTRICTED"
		}
	}
	for k, v := range data {
		switch k {
		case "comments":
			s, _ := v.(string)
			d.props["comments"] = s
		case "quota", "refquota", "reservation", "refreservation", "volsize":
			n, _ := num(v)
			if v == nil || n == 0 {
				delete(d.props, k)
			} else {
				d.props[k] = strconv.FormatInt(int64(n), 10)
			}
		case "compression", "sync", "atime", "exec", "readonly", "deduplication", "snapdir", "acltype", "aclmode", "casesensitivity", "recordsize", "copies", "checksum", "volblocksize":
			s := fmt.Sprint(v)
			if s == "INHERIT" {
				delete(d.props, k)
			} else {
				d.props[k] = s
			}
		case "user_properties", "user_properties_update":
			var ups []struct {
				Key    string `json:"key"`
				Value  string `json:"value"`
				Remove bool   `json:"remove"`
			}
			_ = json.Unmarshal(mustJSON(v), &ups)
			for _, up := range ups {
				if !strings.Contains(up.Key, ":") {
					errs = append(errs, verr{attr: sch + "." + k, msg: "User property key must contain ':'"})
					continue
				}
				if up.Remove {
					delete(d.userProps, up.Key)
				} else {
					d.userProps[up.Key] = up.Value
				}
			}
		}
	}
	return errs
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "'" + v + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func init() {
	register("pool.query", method{fn: func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		rows := make([]map[string]any, 0, len(c.s.st.pools))
		for _, p := range c.s.st.pools {
			rows = append(rows, toRow(p))
		}
		return runQuery(rows, c.params)
	}})
	register("pool.dataset.query", method{fn: func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		rows, ok := c.s.st.datasetByKey(c.params)
		if !ok {
			rows = c.s.st.datasetRows()
		}
		res, err := runQuery(rows, c.params)
		return c.s.st.encodedDatasets(res), err
	}})
	register("pool.dataset.get_instance", method{fn: func(c *call) (any, error) {
		var id string
		if err := c.arg(0, &id); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		d, ok := c.s.st.datasets[id]
		if !ok {
			return nil, instanceNotFound(fmt.Sprintf("Dataset %s does not exist", id))
		}
		return c.s.st.cachedDatasetRow(d.name), nil
	}})
	register("pool.dataset.create", method{fn: func(c *call) (any, error) {
		var data map[string]any
		if err := c.arg(0, &data); err != nil || data == nil {
			return nil, badParams("data", "Input should be a valid dictionary")
		}
		sch := "pool_dataset_create"
		name, _ := data["name"].(string)
		if name == "" {
			return nil, validationError(verr{attr: sch + ".name", msg: "Field required"})
		}
		if !zfsName.MatchString(name) || !strings.Contains(name, "/") {
			return nil, validationError(verr{attr: sch + ".name", msg: "Invalid dataset name"})
		}
		typ, _ := data["type"].(string)
		if typ == "" {
			typ = "FILESYSTEM"
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		st := c.s.st
		pool := strings.SplitN(name, "/", 2)[0]
		if st.pool(pool) == nil {
			return nil, validationError(verr{attr: sch + ".name", msg: "Please specify a pool which exists for the dataset/volume to be created"})
		}
		if _, ok := st.datasets[name]; ok {
			return nil, validationError(verr{attr: sch + ".name", msg: fmt.Sprintf("Path /mnt/%s already exists", name)})
		}
		par := parent(name)
		ancestors, _ := data["create_ancestors"].(bool)
		if pd, ok := st.datasets[par]; !ok && !ancestors {
			return nil, validationError(verr{attr: sch + ".name", msg: fmt.Sprintf("Parent dataset %s does not exist", par)})
		} else if ok && pd.typ == "VOLUME" {
			return nil, validationError(verr{attr: sch + ".name", msg: "Parent dataset must not be a ZFS volume"})
		}
		if typ == "VOLUME" {
			if _, ok := data["volsize"]; !ok {
				return nil, validationError(verr{attr: sch + ".volsize", msg: "Field required"})
			}
			for _, k := range []string{"quota", "refquota", "recordsize", "acltype", "aclmode", "atime", "casesensitivity"} {
				if _, ok := data[k]; ok {
					return nil, validationError(verr{attr: sch + "." + k, msg: "Extra inputs are not permitted"})
				}
			}
		} else if _, ok := data["volsize"]; ok {
			return nil, validationError(verr{attr: sch + ".volsize", msg: "Extra inputs are not permitted"})
		}
		d := &dataset{name: name, typ: typ, props: map[string]string{}, userProps: map[string]string{}, created: st.now(), shareType: "GENERIC"}
		if errs := applyDatasetProps(sch, d, data, true); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		for p := parent(name); p != ""; p = parent(p) {
			if _, ok := st.datasets[p]; !ok {
				st.datasets[p] = &dataset{name: p, typ: "FILESYSTEM", props: map[string]string{}, userProps: map[string]string{}, created: st.now()}
			}
		}
		st.datasets[name] = d
		st.datasetsChanged(name)
		return toRow(st.datasetRow(d)), nil
	}})
	register("pool.dataset.update", method{fn: func(c *call) (any, error) {
		var id string
		var data map[string]any
		if err := c.args(&id, &data); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		d, ok := c.s.st.datasets[id]
		if !ok {
			return nil, instanceNotFound(fmt.Sprintf("Dataset %s does not exist", id))
		}
		cp := *d
		cp.props, cp.userProps = map[string]string{}, map[string]string{}
		maps.Copy(cp.props, d.props)
		maps.Copy(cp.userProps, d.userProps)
		if errs := applyDatasetProps("pool_dataset_update", &cp, data, false); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		*d = cp
		c.s.st.datasetsChanged(id)
		return toRow(c.s.st.datasetRow(d)), nil
	}})
	register("pool.dataset.delete", method{fn: func(c *call) (any, error) {
		var id string
		var opts struct {
			Recursive bool `json:"recursive"`
			Force     bool `json:"force"`
		}
		if err := c.args(&id, &opts); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		st := c.s.st
		if _, ok := st.datasets[id]; !ok || !strings.Contains(id, "/") {
			return nil, callError(2, fmt.Sprintf("Dataset %q does not exist.", id))
		}
		var children []string
		for n := range st.datasets {
			if strings.HasPrefix(n, id+"/") {
				children = append(children, n)
			}
		}
		if len(children) > 0 && !opts.Recursive {
			// plugins/pool_/dataset.py do_delete at TS-25.10.6: ENOTEMPTY.
			return nil, callError(39, fmt.Sprintf("Failed to delete dataset: cannot destroy '%s': filesystem has children", id))
		}
		for _, n := range append(children, id) {
			delete(st.datasets, n)
			st.datasetsChanged(n)
			for sid, s := range st.snaps {
				if s["dataset"] == n {
					delete(st.snaps, sid)
				}
			}
		}
		return true, nil
	}})

	snapQuery := func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		ids := make([]string, 0, len(c.s.st.snaps))
		for id := range c.s.st.snaps {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		rows := make([]map[string]any, 0, len(ids))
		for _, id := range ids {
			rows = append(rows, toRow(c.s.st.snaps[id]))
		}
		return runQuery(rows, c.params)
	}
	snapCreate := func(c *call) (any, error) {
		var data struct {
			Dataset      string `json:"dataset"`
			Name         string `json:"name"`
			NamingSchema string `json:"naming_schema"`
			Recursive    bool   `json:"recursive"`
		}
		if err := c.arg(0, &data); err != nil {
			return nil, err
		}
		sch := schema(c.method)
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		st := c.s.st
		if _, ok := st.datasets[data.Dataset]; !ok {
			return nil, validationError(verr{attr: sch + ".dataset", msg: "Dataset not found"})
		}
		name := data.Name
		if name == "" {
			if data.NamingSchema == "" {
				return nil, validationError(verr{attr: sch + ".naming_schema", msg: "You must specify either name or naming schema"})
			}
			name = strftime(data.NamingSchema, st.now())
		}
		id := data.Dataset + "@" + name
		if _, ok := st.snaps[id]; ok {
			return nil, callError(17, fmt.Sprintf("Failed to snapshot %s: dataset already exists", id))
		}
		st.snaps[id] = st.snapshot(data.Dataset, name)
		return st.snaps[id], nil
	}
	snapDelete := func(c *call) (any, error) {
		var id string
		if err := c.arg(0, &id); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		if _, ok := c.s.st.snaps[id]; !ok {
			return nil, instanceNotFound(fmt.Sprintf("Snapshot %s does not exist", id))
		}
		delete(c.s.st.snaps, id)
		return true, nil
	}
	// 25.04: zfs.snapshot.* public; 25.10+: pool.snapshot.* public, zfs.snapshot.* private.
	register("zfs.snapshot.query", method{fn: snapQuery, removedIn: "v25.10.0"})
	register("zfs.snapshot.create", method{fn: snapCreate, removedIn: "v25.10.0"})
	register("zfs.snapshot.delete", method{fn: snapDelete, removedIn: "v25.10.0"})
	register("pool.snapshot.query", method{fn: snapQuery, since: "v25.10.0"})
	register("pool.snapshot.create", method{fn: snapCreate, since: "v25.10.0"})
	register("pool.snapshot.delete", method{fn: snapDelete, since: "v25.10.0"})
}

func (st *state) snapshot(ds, name string) map[string]any {
	st.clock = st.clock.Add(time.Second) // distinct creation times, deterministic
	return map[string]any{"id": ds + "@" + name, "name": ds + "@" + name, "snapshot_name": name, "dataset": ds,
		"pool": strings.SplitN(ds, "/", 2)[0], "type": "SNAPSHOT", "createtxg": fmt.Sprint(1000 + len(st.snaps)),
		"properties": map[string]any{"creation": map[string]any{"parsed": ejDate(st.now()), "value": st.now().Format(time.ANSIC)}}}
}

func strftime(schema string, t time.Time) string {
	r := strings.NewReplacer("%Y", fmt.Sprintf("%04d", t.Year()), "%m", fmt.Sprintf("%02d", t.Month()), "%d", fmt.Sprintf("%02d", t.Day()),
		"%H", fmt.Sprintf("%02d", t.Hour()), "%M", fmt.Sprintf("%02d", t.Minute()), "%S", fmt.Sprintf("%02d", t.Second()))
	return r.Replace(schema)
}
