package truenastest

import (
	"fmt"
	"github.com/sitekit/sitekit"
	"regexp"
	"slices"
	"strings"
)

// cronFields are the schedule members croniter validates, in the order errors are reported.
var cronFields = []struct {
	key   string
	field sitekit.CronField
}{{"minute", sitekit.CronMinute}, {"hour", sitekit.CronHour}, {"dom", sitekit.CronDayOfMonth}, {"month", sitekit.CronMonth}, {"dow", sitekit.CronDayOfWeek}}

func checkSchedule(attr string, v any) []verr {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return []verr{{attr: attr, msg: "Input should be a valid dictionary"}}
	}
	var errs []verr
	for _, c := range cronFields {
		s, ok := m[c.key].(string)
		if !ok {
			continue
		}
		if sitekit.CheckCronField(c.field, s) != nil {
			errs = append(errs, verr{attr: attr + "." + c.key, msg: fmt.Sprintf("Invalid %s value %q", c.key, s)})
		}
	}
	for _, k := range []string{"begin", "end"} {
		if s, ok := m[k].(string); ok && !regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`).MatchString(s) {
			errs = append(errs, verr{attr: attr + "." + k, msg: "Invalid time"})
		}
	}
	return errs
}

func defaultSchedule(v any, withWindow bool) map[string]any {
	out := map[string]any{"minute": "00", "hour": "*", "dom": "*", "month": "*", "dow": "*"}
	if withWindow {
		out["begin"], out["end"] = "00:00", "23:59"
	}
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			out[k] = x
		}
	}
	return out
}

func idleState() map[string]any {
	return map[string]any{"state": "PENDING", "datetime": nil, "last_snapshot": nil, "error": nil}
}

// writer is the rowWriter of the simple CRUD tables below: build fills and checks the row
// (a copy of the stored one on update) under the schema name "<table>_create" or
// "<table>_update"; the stored row is answered through ct.render.
func (ct crudTable) writer(build func(c *call, sch string, row, data map[string]any, id int64) []verr) rowWriter {
	tbl, what, render := ct.name, ct.what, ct.render
	return func(c *call, id int64, data map[string]any) (any, error) {
		t := c.s.st.tables[tbl]
		sch := strings.ReplaceAll(tbl, ".", "_") + "_create"
		row := map[string]any{}
		if id != 0 {
			sch = strings.ReplaceAll(tbl, ".", "_") + "_update"
			old, err := t.get(id, what)
			if err != nil {
				return nil, err
			}
			row = toRow(old)
		}
		if errs := build(c, sch, row, data, id); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		if id != 0 {
			row["id"] = id
			t.rows[id] = row
		} else {
			t.insert(row)
		}
		return render(c, row), nil
	}
}

func copyFields(row, data map[string]any, allowed []string, sch string) []verr {
	for k, v := range data {
		if !slices.Contains(allowed, k) {
			return []verr{{attr: sch + "." + k, msg: "Extra inputs are not permitted"}}
		}
		row[k] = v
	}
	return nil
}

func required(row map[string]any, sch string, fields ...string) []verr {
	var errs []verr
	for _, f := range fields {
		if v, ok := row[f]; !ok || v == nil || v == "" {
			errs = append(errs, verr{attr: sch + "." + f, msg: "Field required"})
		}
	}
	return errs
}

func init() {
	// Periodic snapshot tasks.
	snapFields := []string{"dataset", "recursive", "exclude", "lifetime_value", "lifetime_unit", "naming_schema", "allow_empty",
		"enabled", "schedule", "fixate_removal_date"}
	snapTasks := crudTable{name: "pool.snapshottask", what: "Periodic snapshot task", render: plain}
	snapTasks.write = snapTasks.writer(func(c *call, sch string, row, data map[string]any, id int64) []verr {
		if id == 0 {
			for k, v := range map[string]any{"recursive": false, "exclude": []any{}, "lifetime_value": 2, "lifetime_unit": "WEEK",
				"naming_schema": "auto-%Y-%m-%d_%H-%M", "allow_empty": true, "enabled": true, "vmware_sync": false} {
				row[k] = v
			}
		}
		if errs := copyFields(row, data, snapFields, sch); errs != nil {
			return errs
		}
		delete(row, "fixate_removal_date")
		row["schedule"] = defaultSchedule(row["schedule"], true)
		if errs := required(row, sch, "dataset"); errs != nil {
			return errs
		}
		errs := checkSchedule(sch+".schedule", row["schedule"])
		if ds, _ := row["dataset"].(string); c.s.st.datasets[ds] == nil {
			errs = append(errs, verr{attr: sch + ".dataset", msg: "Dataset not found"})
		}
		if u, _ := row["lifetime_unit"].(string); !slices.Contains([]string{"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}, u) {
			errs = append(errs, verr{attr: sch + ".lifetime_unit", msg: "Input should be 'HOUR', 'DAY', 'WEEK', 'MONTH' or 'YEAR'"})
		}
		if n, _ := row["naming_schema"].(string); !strings.Contains(n, "%Y") || !strings.Contains(n, "%M") {
			errs = append(errs, verr{attr: sch + ".naming_schema", msg: "Naming schema must contain %Y, %m, %d, %H and %M"})
		}
		if row["state"] == nil {
			row["state"] = idleState()
		}
		return errs
	})
	snapTasks.register()
	// pool.snapshottask.run (plugins/snapshot.py at TS-25.10.6): a disabled task is a
	// CallError "Task is not enabled"; otherwise the run is queued with zettarepl and the
	// call answers null. The simulator takes queued snapshots when its clock moves
	// (Server.AdvanceJobs, or the job ticker).
	register("pool.snapshottask.run", method{fn: snapTasks.withRow(func(c *call, id int64, task map[string]any) (any, error) {
		if task["enabled"] != true {
			return nil, callError(14, "Task is not enabled")
		}
		c.s.st.queued = append(c.s.st.queued, id)
		return nil, nil
	})})

	// Keychain credentials.
	creds := crudTable{name: "keychaincredential", what: "Keychain credential", render: plain}
	creds.write = creds.writer(func(c *call, sch string, row, data map[string]any, id int64) []verr {
		if errs := copyFields(row, data, []string{"name", "type", "attributes"}, sch); errs != nil {
			return errs
		}
		if errs := required(row, sch, "name", "type", "attributes"); errs != nil {
			return errs
		}
		if other := c.s.st.tables["keychaincredential"].find("name", row["name"]); other != nil && other["id"] != id {
			return []verr{{attr: sch + ".name", msg: "Credential with this name already exists", errno: 17}}
		}
		attrs, _ := row["attributes"].(map[string]any)
		switch row["type"] {
		case "SSH_KEY_PAIR":
			if s, _ := attrs["private_key"].(string); !strings.Contains(s, "PRIVATE KEY") {
				return []verr{{attr: sch + ".attributes.private_key", msg: "Invalid private key"}}
			}
		case "SSH_CREDENTIALS":
			var errs []verr
			for _, f := range []string{"host", "username", "private_key", "remote_host_key"} {
				if v, ok := attrs[f]; !ok || v == "" || v == nil {
					errs = append(errs, verr{attr: sch + ".attributes." + f, msg: "Field required"})
				}
			}
			if len(errs) > 0 {
				return errs
			}
			kp := c.s.st.tables["keychaincredential"].rows[int64(numOr(attrs["private_key"]))]
			if kp == nil || kp["type"] != "SSH_KEY_PAIR" {
				return []verr{{attr: sch + ".attributes.private_key", msg: "This field should reference an SSH key pair"}}
			}
			if attrs["port"] == nil {
				attrs["port"] = 22
			}
			if attrs["connect_timeout"] == nil {
				attrs["connect_timeout"] = 10
			}
		default:
			return []verr{{attr: sch + ".type", msg: "Input should be 'SSH_KEY_PAIR' or 'SSH_CREDENTIALS'"}}
		}
		return nil
	})
	// keychaincredential.delete and used_by follow keychain.py at TS-25.10.6: a credential
	// in use is refused without cascade (ValidationError on options.cascade); with cascade,
	// replication tasks using SSH credentials are disabled and lose them, and SSH credentials
	// using a key pair are deleted (themselves with cascade). The result is null.
	creds.del = creds.withRow(func(c *call, id int64, _ map[string]any) (any, error) {
		var opts struct {
			Cascade bool `json:"cascade"`
		}
		if err := c.arg(1, &opts); err != nil {
			return nil, err
		}
		st := c.s.st
		if len(st.credentialUsers(id)) > 0 && !opts.Cascade {
			return nil, validationError(verr{attr: "options.cascade", msg: "This credential is used and no cascade option is specified"})
		}
		st.deleteCredential(id)
		return nil, nil
	})
	register("keychaincredential.used_by", method{fn: creds.withRow(func(c *call, id int64, _ map[string]any) (any, error) {
		out := []any{}
		for _, u := range c.s.st.credentialUsers(id) {
			out = append(out, map[string]any{"title": u.title, "unbind_method": u.unbind})
			if u.cred != 0 {
				for _, sub := range c.s.st.credentialUsers(u.cred) {
					out = append(out, map[string]any{"title": sub.title, "unbind_method": sub.unbind})
				}
			}
		}
		return out, nil
	})})
	creds.register()
	register("keychaincredential.generate_ssh_key_pair", method{fn: func(c *call) (any, error) {
		c.s.mu.Lock()
		k := c.s.st.hex(24)
		c.s.mu.Unlock()
		return map[string]any{"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\n" + k + "\n-----END OPENSSH PRIVATE KEY-----\n",
			"public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5" + k[:20] + " truenas-sim"}, nil
	}})
	register("keychaincredential.remote_ssh_host_key_scan", method{fn: func(c *call) (any, error) {
		var data struct {
			Host string `json:"host"`
		}
		if err := c.arg(0, &data); err != nil || data.Host == "" {
			return nil, validationError(verr{attr: "keychain_remote_ssh_host_key_scan.host", msg: "Field required"})
		}
		return data.Host + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOf" + strings.ReplaceAll(data.Host, ".", ""), nil
	}})

	// Replication.
	replFields := []string{"name", "direction", "transport", "ssh_credentials", "netcat_active_side", "source_datasets", "target_dataset",
		"recursive", "exclude", "properties", "properties_exclude", "periodic_snapshot_tasks", "naming_schema", "also_include_naming_schema",
		"name_regex", "auto", "schedule", "restrict_schedule", "only_matching_schedule", "allow_from_scratch", "readonly",
		"hold_pending_snapshots", "retention_policy", "lifetime_value", "lifetime_unit", "compression", "speed_limit",
		"large_block", "embed", "compressed", "retries", "logging_level", "enabled", "encryption", "sudo"}
	replRender := func(c *call, row map[string]any) map[string]any {
		out := toRow(row)
		kc := c.s.st.tables["keychaincredential"]
		if id := numOr(row["ssh_credentials"]); id != 0 {
			if cred := kc.rows[int64(id)]; cred != nil {
				out["ssh_credentials"] = toRow(cred)
			}
		}
		var tasks []any
		for _, t := range anyList(row["periodic_snapshot_tasks"]) {
			if task := c.s.st.tables["pool.snapshottask"].rows[int64(numOr(t))]; task != nil {
				tasks = append(tasks, toRow(task))
			}
		}
		if tasks == nil {
			tasks = []any{}
		}
		out["periodic_snapshot_tasks"] = tasks
		return out
	}
	repl := crudTable{name: "replication", what: "Replication task", render: replRender}
	repl.write = repl.writer(func(c *call, sch string, row, data map[string]any, id int64) []verr {
		st := c.s.st
		if id == 0 {
			for k, v := range map[string]any{"exclude": []any{}, "properties": true, "periodic_snapshot_tasks": []any{}, "naming_schema": []any{},
				"also_include_naming_schema": []any{}, "schedule": nil, "readonly": "SET", "allow_from_scratch": false, "hold_pending_snapshots": false,
				"lifetime_value": nil, "lifetime_unit": nil, "compression": nil, "speed_limit": nil, "large_block": true, "compressed": true,
				"retries": 5, "enabled": true, "encryption": false, "ssh_credentials": nil, "state": idleState(), "job": nil} {
				row[k] = v
			}
		}
		if errs := copyFields(row, data, replFields, sch); errs != nil {
			return errs
		}
		if errs := required(row, sch, "name", "direction", "transport", "source_datasets", "target_dataset", "recursive", "auto", "retention_policy"); errs != nil {
			return errs
		}
		var errs []verr
		if other := st.tables["replication"].find("name", row["name"]); other != nil && other["id"] != id {
			errs = append(errs, verr{attr: sch + ".name", msg: "A replication task with this name already exists", errno: 17})
		}
		transport, _ := row["transport"].(string)
		direction, _ := row["direction"].(string)
		if !slices.Contains([]string{"SSH", "SSH+NETCAT", "LOCAL"}, transport) {
			errs = append(errs, verr{attr: sch + ".transport", msg: "Input should be 'SSH', 'SSH+NETCAT' or 'LOCAL'"})
		}
		if !slices.Contains([]string{"PUSH", "PULL"}, direction) {
			errs = append(errs, verr{attr: sch + ".direction", msg: "Input should be 'PUSH' or 'PULL'"})
		}
		if transport == "LOCAL" && row["ssh_credentials"] != nil {
			errs = append(errs, verr{attr: sch + ".ssh_credentials", msg: "Remote credentials are not allowed for local transport"})
		}
		if transport != "LOCAL" {
			cred := st.tables["keychaincredential"].rows[int64(numOr(row["ssh_credentials"]))]
			if cred == nil || cred["type"] != "SSH_CREDENTIALS" {
				errs = append(errs, verr{attr: sch + ".ssh_credentials", msg: "This field is required and must reference SSH credentials"})
			}
		}
		if len(anyList(row["source_datasets"])) == 0 {
			errs = append(errs, verr{attr: sch + ".source_datasets", msg: "List should have at least 1 item after validation"})
		}
		if direction == "PUSH" {
			for i, d := range anyList(row["source_datasets"]) {
				if st.datasets[fmt.Sprint(d)] == nil {
					errs = append(errs, verr{attr: fmt.Sprintf("%s.source_datasets.%d", sch, i), msg: "Dataset does not exist"})
				}
			}
		}
		tasks := anyList(row["periodic_snapshot_tasks"])
		if direction == "PULL" && len(tasks) > 0 {
			errs = append(errs, verr{attr: sch + ".periodic_snapshot_tasks", msg: "Pull replication can't be bound to periodic snapshot task"})
		}
		if direction == "PULL" && len(anyList(row["naming_schema"])) == 0 {
			errs = append(errs, verr{attr: sch + ".naming_schema", msg: "You must at least provide either naming schema or name regex"})
		}
		for i, t := range tasks {
			if st.tables["pool.snapshottask"].rows[int64(numOr(t))] == nil {
				errs = append(errs, verr{attr: fmt.Sprintf("%s.periodic_snapshot_tasks.%d", sch, i), msg: "Periodic snapshot task does not exist"})
			}
		}
		if rp, _ := row["retention_policy"].(string); rp == "CUSTOM" && (row["lifetime_value"] == nil || row["lifetime_unit"] == nil) {
			errs = append(errs, verr{attr: sch + ".lifetime_value", msg: "This field is required for custom retention policy"})
		}
		errs = append(errs, checkSchedule(sch+".schedule", row["schedule"])...)
		return errs
	})
	repl.register()
	register("replication.run", method{fn: repl.withRow(func(c *call, id int64, task map[string]any) (any, error) {
		st := c.s.st
		// plugins/replication.py at TS-25.10.6: CallError (EFAULT) for a disabled task.
		if task["enabled"] != true {
			return nil, callError(14, "Task is not enabled")
		}
		task["state"] = map[string]any{"state": "RUNNING", "datetime": ejDate(st.now()), "last_snapshot": nil, "error": nil}
		jid := c.startJob([]any{id}, true, func() (any, error) {
			last := ""
			if task["transport"] == "LOCAL" {
				target := fmt.Sprint(task["target_dataset"])
				if st.pool(strings.SplitN(target, "/", 2)[0]) == nil {
					task["state"] = map[string]any{"state": "ERROR", "datetime": ejDate(st.now()), "last_snapshot": nil, "error": "target pool does not exist"}
					return nil, callError(2, fmt.Sprintf("Target dataset %s does not exist", target))
				}
				for p := target; p != ""; p = parent(p) {
					if st.datasets[p] == nil {
						st.datasets[p] = &dataset{name: p, typ: "FILESYSTEM", props: map[string]string{}, userProps: map[string]string{}, created: st.now()}
						st.datasetsChanged(p)
					}
				}
				for _, src := range anyList(task["source_datasets"]) {
					for sid, snap := range st.snaps {
						if snap["dataset"] == src {
							name := snap["snapshot_name"].(string)
							if _, ok := st.snaps[target+"@"+name]; !ok {
								st.snaps[target+"@"+name] = st.snapshot(target, name)
							}
							if sid > last {
								last = sid
							}
						}
					}
				}
			}
			task["state"] = map[string]any{"state": "FINISHED", "datetime": ejDate(st.now()), "last_snapshot": last, "error": nil}
			return nil, nil
		})
		task["job"] = map[string]any{"id": jid}
		return jid, nil
	})})

	// Cloud sync credentials.
	cloudCreds := crudTable{name: "cloudsync.credentials", what: "Cloud credential", render: plain}
	cloudCreds.write = cloudCreds.writer(func(c *call, sch string, row, data map[string]any, id int64) []verr {
		if errs := copyFields(row, data, []string{"name", "provider"}, sch); errs != nil {
			return errs
		}
		if errs := required(row, sch, "name", "provider"); errs != nil {
			return errs
		}
		if other := c.s.st.tables["cloudsync.credentials"].find("name", row["name"]); other != nil && other["id"] != id {
			return []verr{{attr: sch + ".name", msg: "Cloud credential with this name already exists", errno: 17}}
		}
		return checkProvider(sch+".provider", row["provider"])
	})
	cloudCreds.register()
	register("cloudsync.credentials.verify", method{fn: func(c *call) (any, error) {
		var p map[string]any
		if err := c.arg(0, &p); err != nil {
			return nil, err
		}
		if errs := checkProvider("cloudsync_credentials_verify.provider", p); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		if msg, bad := c.s.st.verify[fmt.Sprint(p["access_key_id"])]; bad {
			return map[string]any{"valid": false, "error": msg, "excerpt": msg}, nil
		}
		return map[string]any{"valid": true, "error": nil, "excerpt": nil}, nil
	}})

	// Cloud sync tasks.
	csFields := []string{"description", "path", "credentials", "attributes", "direction", "transfer_mode", "snapshot", "schedule",
		"encryption", "filename_encryption", "encryption_password", "encryption_salt", "transfers", "bwlimit", "pre_script",
		"post_script", "include", "exclude", "follow_symlinks", "create_empty_src_dirs", "enabled", "args"}
	csRender := func(c *call, row map[string]any) map[string]any {
		out := toRow(row)
		if cred := c.s.st.tables["cloudsync.credentials"].rows[int64(numOr(row["credentials"]))]; cred != nil {
			out["credentials"] = toRow(cred)
		}
		return out
	}
	cloudTasks := crudTable{name: "cloudsync", what: "Cloud sync task", render: csRender}
	cloudTasks.write = cloudTasks.writer(func(c *call, sch string, row, data map[string]any, id int64) []verr {
		if id == 0 {
			for k, v := range map[string]any{"description": "", "snapshot": false, "encryption": false, "filename_encryption": false,
				"transfers": nil, "bwlimit": []any{}, "pre_script": "", "post_script": "", "include": []any{}, "exclude": []any{},
				"follow_symlinks": false, "create_empty_src_dirs": false, "enabled": true, "job": nil, "locked": false} {
				row[k] = v
			}
		}
		if errs := copyFields(row, data, csFields, sch); errs != nil {
			return errs
		}
		row["schedule"] = defaultSchedule(row["schedule"], false)
		if errs := required(row, sch, "path", "credentials", "attributes", "direction", "transfer_mode"); errs != nil {
			return errs
		}
		var errs []verr
		if p, _ := row["path"].(string); !c.s.st.underMountpoint(p) {
			errs = append(errs, verr{attr: sch + ".path", msg: "The path must reside within a pool mount point"})
		}
		if c.s.st.tables["cloudsync.credentials"].rows[int64(numOr(row["credentials"]))] == nil {
			errs = append(errs, verr{attr: sch + ".credentials", msg: "This field should reference existing cloud credentials"})
		}
		if a, _ := row["attributes"].(map[string]any); a == nil || a["bucket"] == nil || a["bucket"] == "" {
			errs = append(errs, verr{attr: sch + ".attributes.bucket", msg: "Field required"})
		}
		if d, _ := row["direction"].(string); d != "PUSH" && d != "PULL" {
			errs = append(errs, verr{attr: sch + ".direction", msg: "Input should be 'PUSH' or 'PULL'"})
		}
		if m, _ := row["transfer_mode"].(string); !slices.Contains([]string{"SYNC", "COPY", "MOVE"}, m) {
			errs = append(errs, verr{attr: sch + ".transfer_mode", msg: "Input should be 'SYNC', 'COPY' or 'MOVE'"})
		}
		if row["encryption"] == true && (row["encryption_password"] == nil || row["encryption_password"] == "") {
			errs = append(errs, verr{attr: sch + ".encryption_password", msg: "This field is required when encryption is enabled"})
		}
		errs = append(errs, checkSchedule(sch+".schedule", row["schedule"])...)
		return errs
	})
	cloudTasks.register()
	register("cloudsync.sync", method{fn: cloudTasks.withRow(func(c *call, id int64, task map[string]any) (any, error) {
		jid := c.startJob([]any{id}, true, func() (any, error) { return nil, nil })
		task["job"] = map[string]any{"id": jid}
		return jid, nil
	})})
}

// SetCredentialInvalid makes cloudsync.credentials.verify report accessKeyID as invalid.
func (s *Server) SetCredentialInvalid(accessKeyID, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.verify[accessKeyID] = msg
}

func checkProvider(attr string, v any) []verr {
	p, ok := v.(map[string]any)
	if !ok {
		return []verr{{attr: attr, msg: "Input should be a valid dictionary"}}
	}
	switch p["type"] {
	case "S3":
		return required(p, attr, "access_key_id", "secret_access_key")
	case "B2":
		return required(p, attr, "account", "key")
	case nil:
		return []verr{{attr: attr + ".type", msg: "Field required"}}
	}
	return nil
}

func numOr(v any) float64 {
	n, _ := num(v)
	if m, ok := v.(map[string]any); ok {
		n, _ = num(m["id"])
	}
	return n
}

// credentialUser is one user of a keychain credential (keychain.py's used-by delegates).
type credentialUser struct {
	title  string
	unbind string // "disable" or "delete"
	repl   int64  // replication task to disable
	cred   int64  // SSH credentials to delete
}

// credentialUsers lists what uses keychain credential id (under s.mu).
func (st *state) credentialUsers(id int64) []credentialUser {
	row := st.tables["keychaincredential"].rows[id]
	var out []credentialUser
	switch row["type"] {
	case "SSH_KEY_PAIR":
		for _, r := range st.tables["keychaincredential"].list() {
			if a, _ := r["attributes"].(map[string]any); r["type"] == "SSH_CREDENTIALS" && numOr(a["private_key"]) == float64(id) {
				out = append(out, credentialUser{title: fmt.Sprintf("SSH credentials %v", r["name"]), unbind: "delete", cred: int64(numOr(r["id"]))})
			}
		}
	case "SSH_CREDENTIALS":
		for _, r := range st.tables["replication"].list() {
			if numOr(r["ssh_credentials"]) == float64(id) {
				out = append(out, credentialUser{title: fmt.Sprintf("Replication task %v", r["name"]), unbind: "disable", repl: int64(numOr(r["id"]))})
			}
		}
	}
	return out
}

// deleteCredential unbinds the users of credential id and deletes it (under s.mu).
func (st *state) deleteCredential(id int64) {
	for _, u := range st.credentialUsers(id) {
		if u.repl != 0 {
			r := st.tables["replication"].rows[u.repl]
			r["enabled"], r["ssh_credentials"] = false, nil
		}
		if u.cred != 0 {
			st.deleteCredential(u.cred)
		}
	}
	delete(st.tables["keychaincredential"].rows, id)
}

// runQueued takes the snapshots of the queued periodic snapshot task runs (under s.mu).
func (st *state) runQueued() {
	for _, id := range st.queued {
		task := st.tables["pool.snapshottask"].rows[id]
		if task == nil {
			continue
		}
		ds, _ := task["dataset"].(string)
		schema, _ := task["naming_schema"].(string)
		name := strftime(schema, st.now())
		if _, ok := st.snaps[ds+"@"+name]; !ok && st.datasets[ds] != nil {
			st.snaps[ds+"@"+name] = st.snapshot(ds, name)
		}
		task["state"] = map[string]any{"state": "FINISHED", "datetime": ejDate(st.now()), "last_snapshot": ds + "@" + name, "error": nil}
	}
	st.queued = nil
}
