package truenastest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// state is the simulated appliance, guarded by Server.mu.
type state struct {
	rng          *rand.Rand
	versionShort string
	bootID       string
	clock        time.Time

	pools    []map[string]any
	datasets map[string]*dataset
	// dsRows caches each dataset's rendered row; dsNames the sorted names (nil: stale).
	dsRows   map[string]map[string]any
	dsRaw    map[string]json.RawMessage // the JSON encoding of dsRows
	dsNames  []string
	snaps    map[string]map[string]any
	tables   map[string]*table
	services []map[string]any
	alerts   []map[string]any

	queued   []int64 // periodic snapshot task runs waiting for the clock
	jobs     map[int64]*job
	jobOrder []int64
	nextJob  int64
	failNext map[string]string
	verify   map[string]string // cloud credential access key → error returned by verify
}

// table is a collection of rows with integer ids.
type table struct {
	next int64
	rows map[int64]map[string]any
}

func (t *table) insert(row map[string]any) map[string]any {
	t.next++
	row["id"] = t.next
	t.rows[t.next] = row
	return row
}

func (t *table) list() []map[string]any {
	ids := make([]int64, 0, len(t.rows))
	for id := range t.rows {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, t.rows[id])
	}
	return out
}

func (t *table) find(field string, v any) map[string]any {
	for _, r := range t.list() {
		if compare(r[field], v) == 0 {
			return r
		}
	}
	return nil
}

// newState returns the appliance's state; factory adds the pool "tank".
func newState(versionShort string, rng *rand.Rand, factory bool) *state {
	st := &state{
		versionShort: versionShort,
		rng:          rng,
		bootID:       randomHex(rng, 16),
		clock:        time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC),
		datasets:     map[string]*dataset{},
		snaps:        map[string]map[string]any{},
		tables:       map[string]*table{},
		jobs:         map[int64]*job{},
		failNext:     map[string]string{},
		verify:       map[string]string{},
	}
	for _, n := range []string{"sharing.nfs", "sharing.smb", "pool.snapshottask", "keychaincredential", "replication",
		"cloudsync.credentials", "cloudsync", "user"} {
		st.tables[n] = &table{rows: map[int64]map[string]any{}}
	}
	if factory {
		st.addPool("tank")
	}
	for i, name := range []string{"cifs", "ftp", "iscsitarget", "nfs", "snmp", "ssh", "ups", "nvmet"} {
		st.services = append(st.services, map[string]any{"id": int64(i + 1), "service": name, "enable": false, "state": "STOPPED", "pids": []any{}})
	}
	users := st.tables["user"]
	users.insert(map[string]any{"uid": int64(0), "username": "root", "full_name": "root", "home": "/root", "shell": "/usr/bin/zsh",
		"email": nil, "builtin": true, "locked": false, "password_disabled": true, "smb": false, "sshpubkey": nil, "sudo_commands": []any{}})
	users.insert(map[string]any{"uid": int64(950), "username": "truenas_admin", "full_name": "Local Administrator", "home": "/home/truenas_admin",
		"shell": "/usr/bin/zsh", "email": nil, "builtin": false, "locked": false, "password_disabled": false, "smb": false, "sshpubkey": nil, "sudo_commands": []any{}})
	return st
}

func (st *state) now() time.Time { return st.clock }

// hex returns n random bytes in hex from a seeded random source.
func (st *state) hex(n int) string { return randomHex(st.rng, n) }

// addPool creates a pool and its root dataset.
func (st *state) addPool(name string) {
	st.pools = append(st.pools, map[string]any{
		"id": int64(len(st.pools) + 1), "name": name, "guid": fmt.Sprint(1234567890123 + len(st.pools)), "status": "ONLINE",
		"path": "/mnt/" + name, "scan": nil, "expand": nil, "is_upgraded": true, "healthy": true, "warning": false,
		"status_code": "HEALTHY", "status_detail": nil, "size": int64(7681501126656), "allocated": int64(1245184),
		"free": int64(7681499881472), "freeing": int64(0), "fragmentation": "0", "topology": map[string]any{"data": []any{}},
		"autotrim": map[string]any{"parsed": "off", "rawvalue": "off", "value": "off", "source": "DEFAULT", "source_info": nil},
	})
	st.datasets[name] = &dataset{name: name, typ: "FILESYSTEM", props: map[string]string{}, created: st.now()}
	st.datasetsChanged(name)
}

func (st *state) pool(name string) map[string]any {
	for _, p := range st.pools {
		if p["name"] == name {
			return p
		}
	}
	return nil
}

// mountpointExists reports whether path is the mountpoint of a filesystem dataset.
func (st *state) mountpointExists(path string) bool {
	name, ok := strings.CutPrefix(path, "/mnt/")
	if !ok {
		return false
	}
	d, ok := st.datasets[name]
	return ok && d.typ == "FILESYSTEM"
}

// underMountpoint reports whether path is inside some filesystem dataset.
func (st *state) underMountpoint(path string) bool {
	name, ok := strings.CutPrefix(path, "/mnt/")
	if !ok {
		return false
	}
	for name != "" {
		if d, ok := st.datasets[name]; ok && d.typ == "FILESYSTEM" {
			return true
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			break
		}
		name = name[:i]
	}
	return false
}
