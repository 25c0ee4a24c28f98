package xotest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/simkit"
)

// XO error codes used by the JSON-RPC API.
const (
	codeNotImplemented     = 0
	codeNoSuchObject       = 1
	codeUnauthorized       = 2
	codeInvalidCredentials = 3
	codeInvalidParameters  = 10
	codeNoMatchingVM       = 27
)

func rpcErr(code int, msg string, data any) *jsonrpc.Error {
	e := &jsonrpc.Error{Code: code, Message: msg}
	if data != nil {
		e.Data, _ = json.Marshal(data)
	}
	return e
}

func rpcInvalid(path, msg string) *jsonrpc.Error {
	return rpcErr(codeInvalidParameters, "invalid parameters", map[string]any{"errors": []any{map[string]any{"instancePath": path, "message": msg}}})
}

// param describes a JSON-RPC parameter in XO's schema dialect: required unless optional,
// strings non-empty unless empty is allowed.
type param struct {
	name     string
	kind     string // string, number, boolean, object, array, any
	optional bool
	empty    bool  // a string may be "" (minLength: 0)
	null     bool  // null is accepted (type: [..., 'null'])
	enum     []any // allowed values
	// check validates the value further (nested schemas such as backup settings).
	check func(v any) *jsonrpc.Error
}

// backupSettings is SCHEMA_SETTINGS of xo-server's api/backup-ng.mjs (xen-orchestra
// 9ef5389): an object whose every entry ("" job-wide, schedule ids, target ids) is an
// object; the known keys are typed, numbers have minimums, other keys pass.
var backupSettings = param{name: "settings", kind: "object", optional: true, check: func(v any) *jsonrpc.Error {
	for key, entry := range v.(map[string]any) {
		e, ok := entry.(map[string]any)
		if !ok {
			return rpcInvalid("/settings/"+key, "must be object")
		}
		for k, x := range e {
			path := "/settings/" + key + "/" + k
			switch k {
			case "concurrency", "maxExportRate", "nRetriesVmBackupFailures", "nbdConcurrency":
				n, ok := x.(float64)
				min := 0.0
				if k == "nbdConcurrency" {
					min = 1
				}
				if !ok {
					return rpcInvalid(path, "must be number")
				}
				if n < min {
					return rpcInvalid(path, fmt.Sprintf("must be >= %g", min))
				}
			case "cbtDestroySnapshotData", "preferNbd", "distributeBackups", "distributeReplications":
				if _, ok := x.(bool); !ok {
					return rpcInvalid(path, "must be boolean")
				}
			case "timezone":
				if s, ok := x.(string); !ok || s == "" {
					return rpcInvalid(path, "must be a non-empty string")
				}
			case "longTermRetention":
				if _, ok := x.(map[string]any); !ok {
					return rpcInvalid(path, "must be object")
				}
			}
		}
	}
	return nil
}}

// compressions are the backup job compressions xo-server accepts.
var compressions = []any{"", "native", "zstd"}

var rpcParams = map[string][]param{
	"session.signIn":          {{name: "token", kind: "string", optional: true}, {name: "email", kind: "string", optional: true}, {name: "username", kind: "string", optional: true}, {name: "password", kind: "string", optional: true}, {name: "otp", kind: "string", optional: true}},
	"system.getServerVersion": {},
	"backupNg.createJob": {{name: "mode", kind: "string", enum: []any{"full", "delta"}}, {name: "vms", kind: "object"}, {name: "name", kind: "string", optional: true},
		{name: "compression", kind: "string", optional: true, empty: true, enum: compressions}, {name: "proxy", kind: "string", optional: true},
		{name: "remotes", kind: "object", optional: true}, {name: "srs", kind: "object", optional: true}, {name: "schedules", kind: "object", optional: true}, backupSettings},
	"backupNg.editJob": {{name: "id", kind: "string"}, {name: "mode", kind: "string", optional: true, enum: []any{"full", "delta"}}, {name: "vms", kind: "object", optional: true},
		{name: "name", kind: "string", optional: true}, {name: "compression", kind: "string", optional: true, empty: true, enum: compressions},
		{name: "proxy", kind: "string", optional: true, null: true}, {name: "remotes", kind: "object", optional: true}, {name: "srs", kind: "object", optional: true}, backupSettings},
	"backupNg.getAllJobs": {},
	"backupNg.getJob":     {{name: "id", kind: "string"}},
	"backupNg.deleteJob":  {{name: "id", kind: "string"}},
	"backupNg.runJob": {{name: "id", kind: "string"}, {name: "schedule", kind: "string"}, {name: "vm", kind: "string", optional: true},
		{name: "vms", kind: "array", optional: true}, backupSettings},
	"backupNg.getAllLogs": {{name: "ndjson", kind: "boolean", optional: true}},
	"schedule.create": {{name: "cron", kind: "string"}, {name: "jobId", kind: "string"}, {name: "enabled", kind: "boolean", optional: true},
		{name: "name", kind: "string", optional: true, empty: true}, {name: "timezone", kind: "string", optional: true}},
	"schedule.set": {{name: "id", kind: "string"}, {name: "cron", kind: "string", optional: true}, {name: "enabled", kind: "boolean", optional: true},
		{name: "jobId", kind: "string", optional: true}, {name: "name", kind: "string", optional: true, empty: true, null: true}, {name: "timezone", kind: "string", optional: true}},
	"schedule.delete": {{name: "id", kind: "string"}},
	"schedule.get":    {{name: "id", kind: "string"}},
	"schedule.getAll": {},
	"remote.create":   {{name: "name", kind: "string"}, {name: "url", kind: "string"}, {name: "options", kind: "string", optional: true}, {name: "proxy", kind: "string", optional: true}},
	"remote.set":      {{name: "id", kind: "string"}, {name: "name", kind: "string", optional: true}, {name: "url", kind: "string", optional: true}, {name: "options", kind: "any", optional: true}, {name: "proxy", kind: "any", optional: true}, {name: "enabled", kind: "boolean", optional: true}},
	"remote.test":     {{name: "id", kind: "string"}},
	"remote.delete":   {{name: "id", kind: "string"}},
	"remote.get":      {{name: "id", kind: "string"}},
	"remote.getAll":   {},
}

// checkParams applies XO's parameter rules (xo-server src/xo-mixins/_xoJsonSchema.mjs):
// required unless optional, strings non-empty, no unknown properties ("key?" is dropped).
func checkParams(method string, raw json.RawMessage) (map[string]any, *jsonrpc.Error) {
	spec, ok := rpcParams[method]
	if !ok {
		return nil, rpcErr(jsonrpc.CodeMethodNotFound, "method not found: "+method, method)
	}
	p := map[string]any{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, rpcErr(jsonrpc.CodeInvalidParams, "invalid params: must be an object", nil)
		}
	}
	known := map[string]param{}
	for _, sp := range spec {
		known[sp.name] = sp
	}
	// Namespace alias: {vm: …} for id.
	ns := method[:strings.Index(method, ".")]
	if _, hasID := known["id"]; hasID {
		if v, ok := p[ns]; ok {
			if _, dup := p["id"]; !dup {
				p["id"] = v
				delete(p, ns)
			}
		}
	}
	for k, v := range p {
		name := strings.TrimSuffix(k, "?")
		sp, ok := known[name]
		if !ok {
			if strings.HasSuffix(k, "?") {
				delete(p, k)
				continue
			}
			return nil, rpcInvalid("", "must NOT have additional properties: "+k)
		}
		if name != k {
			delete(p, k)
			p[name] = v
		}
		if v == nil && sp.null {
			continue
		}
		switch sp.kind {
		case "string":
			s, ok := v.(string)
			if !ok {
				return nil, rpcInvalid("/"+name, "must be string")
			}
			if s == "" && !sp.empty {
				return nil, rpcInvalid("/"+name, "must NOT have fewer than 1 characters")
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				return nil, rpcInvalid("/"+name, "must be boolean")
			}
		case "number":
			if _, ok := v.(float64); !ok {
				return nil, rpcInvalid("/"+name, "must be number")
			}
		case "object":
			if _, ok := v.(map[string]any); !ok {
				return nil, rpcInvalid("/"+name, "must be object")
			}
		case "array":
			if _, ok := v.([]any); !ok {
				return nil, rpcInvalid("/"+name, "must be array")
			}
		}
		if sp.enum != nil && !slices.Contains(sp.enum, v) {
			return nil, rpcInvalid("/"+name, "must be equal to one of the allowed values")
		}
		if sp.check != nil {
			if err := sp.check(v); err != nil {
				return nil, err
			}
		}
	}
	for _, sp := range spec {
		if _, ok := p[sp.name]; !ok && !sp.optional {
			return nil, rpcInvalid("", "must have required property '"+sp.name+"'")
		}
	}
	return p, nil
}

type rpcSession struct{ userID string }

func (s *Server) handleRPC(ctx context.Context, peer *jsonrpc.Peer, req *jsonrpc.Request) (any, error) {
	d := s.inj.Decide("RPC "+req.Method, !strings.Contains(req.Method, ".get") && req.Method != "session.signIn")
	defer d.Release()
	switch d.Action {
	case simkit.Fail:
		return nil, rpcErr(-32000, fmt.Sprintf("injected failure (%d)", d.Status), nil)
	case simkit.Reset:
		peer.Drop()
		return nil, jsonrpc.ErrNoResponse
	}
	params, perr := checkParams(req.Method, req.Params)
	if perr != nil {
		return nil, perr
	}
	if req.Method == "session.signIn" {
		return s.signIn(peer, params)
	}
	if res, err, ok := s.publicRPC(peer, req.Method, params); ok {
		return res, err
	}
	if peer.Session() == nil {
		return nil, rpcErr(codeUnauthorized, "not enough permissions", nil)
	}
	res, err := s.dispatchRPC(req.Method, params)
	if d.Action == simkit.Ambiguous {
		peer.Drop()
		return nil, jsonrpc.ErrNoResponse
	}
	return res, err
}

func (s *Server) signIn(peer *jsonrpc.Peer, p map[string]any) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := false
	if tok, _ := p["token"].(string); tok != "" {
		t := s.tokens[tok]
		ok = t != nil && !t.Expired
	} else {
		user, _ := p["email"].(string)
		if user == "" {
			user, _ = p["username"].(string)
		}
		pass, _ := p["password"].(string)
		ok = user == s.username && pass == s.password
	}
	if !ok {
		return nil, rpcErr(codeInvalidCredentials, "invalid credentials", nil)
	}
	peer.SetSession(&rpcSession{userID: s.UserID})
	return map[string]any{"id": s.UserID, "email": s.username, "permission": "admin", "groups": []any{}, "preferences": map[string]any{}, "authProviders": map[string]any{}}, nil
}

// notify sends an "all" enter notification for objs to every signed-in connection.
func (s *Server) notify(kind string, items map[string]any) {
	for _, p := range s.rpc.Peers() {
		if p.Session() == nil {
			continue
		}
		_ = p.Notify(context.Background(), "all", map[string]any{"type": kind, "items": items})
	}
}

func (s *Server) dispatchRPC(method string, p map[string]any) (any, error) {
	s.mu.Lock()
	res, changed, err := s.rpcLocked(method, p)
	s.mu.Unlock()
	if err == nil && len(changed) > 0 {
		s.notify("enter", changed)
	}
	return res, err
}

func notFound(kind, id string) *jsonrpc.Error {
	return rpcErr(codeNoSuchObject, "no such "+kind+" "+id, map[string]any{"id": id, "type": kind})
}

func (s *Server) rpcLocked(method string, p map[string]any) (any, map[string]any, error) {
	id, _ := p["id"].(string)
	switch method {
	case "backupNg.createJob":
		// xo-server stores the properties given and no others (api/backup-ng.mjs createJob →
		// createBackupNgJob → createJob({...props, type, userId})).
		job := map[string]any{"id": s.newID(), "type": "backup", "userId": s.UserID}
		for _, k := range []string{"mode", "vms", "name", "compression", "proxy", "remotes", "srs", "settings"} {
			if v, ok := p[k]; ok {
				job[k] = v
			}
		}
		changed, err := s.storeNewJob(job, p)
		if err != nil {
			return nil, changed, err
		}
		return job["id"], changed, nil
	case "backupNg.getAllJobs":
		out := []any{}
		for _, j := range sortedObjs(s.objs["backup-jobs"]) {
			if j["type"] == "backup" { // getAllJobs('backup'): other types are not VM jobs
				out = append(out, j)
			}
		}
		return out, nil, nil
	case "backupNg.getJob":
		j := s.get("backup-jobs", id)
		if j == nil || j["type"] != "backup" {
			return nil, nil, notFound("job", id)
		}
		return j, nil, nil
	case "backupNg.editJob":
		j := s.get("backup-jobs", id)
		if j == nil {
			return nil, nil, notFound("job", id)
		}
		// xo-server's updateJob: props replaced one level deep, null deletes.
		delete(p, "id")
		patch(j, p)
		s.now()
		return true, map[string]any{id: j}, nil
	case "backupNg.deleteJob":
		if j := s.get("backup-jobs", id); j == nil || j["type"] != "backup" {
			return nil, nil, notFound("job", id)
		}
		s.removeJob(id)
		return true, nil, nil
	case "backupNg.runJob":
		sched, _ := p["schedule"].(string)
		log, err := s.runJob(id, sched, asAnyList(p["vms"]), p["vm"])
		var changed map[string]any
		if log != nil {
			changed = map[string]any{log["id"].(string): log}
		}
		if err != nil {
			return nil, changed, err
		}
		return true, changed, nil // a method answering undefined answers true
	case "xo.getAllObjects":
		res, err := s.getAllObjects(p)
		return res, nil, err
	case "backupNg.getAllLogs":
		// getBackupNgLogs answers the consolidated logs keyed by id (xo-mixins/backups-ng-logs.mjs).
		out := map[string]any{}
		for id, l := range s.objs["backup-logs"] {
			out[id] = clone(l)
		}
		return out, nil, nil
	case "schedule.create":
		jobID, _ := p["jobId"].(string)
		sc, err := s.createSchedule(jobID, p)
		if err != nil {
			return nil, nil, err
		}
		return sc, map[string]any{sc["id"].(string): sc}, nil
	case "schedule.set":
		// scheduling.mjs updateSchedule: the schedule must exist; patch deletes a key given
		// null (only name accepts null).
		sc := s.get("schedules", id)
		if sc == nil {
			return nil, nil, notFound("schedule", id)
		}
		if c, ok := p["cron"].(string); ok && !validCron(c) {
			return nil, nil, rpcInvalid("/cron", "invalid cron pattern")
		}
		delete(p, "id")
		patch(sc, p)
		s.now()
		return true, map[string]any{id: sc}, nil
	case "schedule.delete":
		// scheduling.mjs deleteSchedule removes the id without checking that it exists.
		delete(s.objs["schedules"], id)
		return true, nil, nil
	case "schedule.get":
		sc := s.get("schedules", id)
		if sc == nil {
			return nil, nil, notFound("schedule", id)
		}
		return sc, nil, nil
	case "schedule.getAll":
		return sortedObjs(s.objs["schedules"]), nil, nil
	case "remote.create":
		rem, xerr := s.newRemote(p)
		if xerr != nil {
			return nil, nil, rpcInvalid("/url", "invalid remote URL")
		}
		return readRemote(rem), nil, nil
	case "remote.set":
		rem := s.get("backup-repositories", id)
		if rem == nil {
			return nil, nil, notFound("remote", id)
		}
		if u, ok := p["url"].(string); ok && !validRemoteURL(u) {
			return nil, nil, rpcInvalid("/url", "invalid remote URL")
		}
		for k, v := range p {
			if k != "id" {
				rem[k] = v
			}
		}
		return true, nil, nil
	case "remote.test":
		rem := s.get("backup-repositories", id)
		if rem == nil {
			return nil, nil, notFound("remote", id)
		}
		bench := map[string]any{"readRate": 104857600.0, "writeRate": 52428800.0, "timestamp": float64(s.now())}
		rem["benchmarks"] = append(asAnyList(rem["benchmarks"]), bench)
		return map[string]any{"success": true, "readRate": bench["readRate"], "writeRate": bench["writeRate"]}, nil, nil
	case "remote.delete":
		// api/remote.mjs delete → remotes.mjs removeRemote: the id is removed without
		// checking that it exists or that a job uses it.
		delete(s.objs["backup-repositories"], id)
		return true, nil, nil
	case "remote.get":
		rem := s.get("backup-repositories", id)
		if rem == nil {
			return nil, nil, notFound("remote", id)
		}
		return readRemote(rem), nil, nil
	case "remote.getAll":
		out := []any{}
		for _, r := range sortedObjs(s.objs["backup-repositories"]) {
			out = append(out, readRemote(r))
		}
		return out, nil, nil
	}
	if isMetadataMethod(method) {
		return s.metadataRPC(method, p)
	}
	return nil, nil, rpcErr(jsonrpc.CodeMethodNotFound, "method not found: "+method, method)
}

// removeJob deletes a job and its schedules, as xo-server's removeJob does
// (xo-mixins/jobs/index.mjs, since 2018: "job.delete: delete related schedules").
func (s *Server) removeJob(id string) {
	delete(s.objs["backup-jobs"], id)
	for sid, sc := range s.objs["schedules"] {
		if sc["jobId"] == id {
			delete(s.objs["schedules"], sid)
		}
	}
	s.now()
}

func sortedObjs(m map[string]map[string]any) []map[string]any {
	out := make([]map[string]any, 0, len(m))
	for _, o := range m {
		out = append(out, clone(o).(map[string]any))
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]["id"]) < fmt.Sprint(out[j]["id"]) })
	return out
}

func validCron(cron string) bool {
	n := len(strings.Fields(cron))
	return n == 5 || n == 6
}

// createSchedule stores a schedule as scheduling.mjs createSchedule does: the properties
// given, name defaulting to "".
func (s *Server) createSchedule(jobID string, spec map[string]any) (map[string]any, error) {
	cron, _ := spec["cron"].(string)
	if !validCron(cron) {
		return nil, rpcInvalid("/cron", "invalid cron pattern")
	}
	sc := map[string]any{"id": s.newID(), "jobId": jobID, "cron": cron, "name": "", "userId": s.UserID}
	for _, k := range []string{"enabled", "name", "timezone"} {
		if v, ok := spec[k]; ok {
			sc[k] = v
		}
	}
	s.put("schedules", sc)
	s.now()
	return sc, nil
}

// matchPattern evaluates an XO value-matcher pattern ({"id":…}, {"__or":[…]}, {"__not":…},
// arrays = contains all) against an object.
func matchPattern(pattern, v any) bool {
	switch p := pattern.(type) {
	case map[string]any:
		if or, ok := p["__or"].([]any); ok {
			for _, alt := range or {
				if matchPattern(alt, v) {
					return true
				}
			}
			return false
		}
		if not, ok := p["__not"]; ok {
			return !matchPattern(not, v)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for k, sub := range p {
			if !matchPattern(sub, obj[k]) {
				return false
			}
		}
		return true
	case []any:
		have, ok := v.([]any)
		if !ok {
			return false
		}
		for _, want := range p {
			found := false
			for _, h := range have {
				if fmt.Sprint(h) == fmt.Sprint(want) {
					found = true
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return fmt.Sprint(pattern) == fmt.Sprint(v)
}

// runJob runs a job with a schedule, as backupNg.runJob does, and records its backup log,
// which it returns with the run's error. Called with s.mu held. vms (or vm) restricts the
// run to those VM ids.
//
// xen-orchestra 9ef5389: api/backup-ng.mjs runJob reads the schedule before the job
// (getSchedule, then runJobSequence → getJob); xo-mixins/jobs/index.mjs refuses a job
// already running; the executor of xo-mixins/backups-ng/index.mjs takes the ids of a
// simple {"id": …} pattern as they are, and matches a smart pattern against the VMs (type
// VM, without an xo:no-bak tag): none matching throws noMatchingVm({jobId, runJobId,
// scheduleId}) after the run's log was started, and backups-ng-logs.mjs reports that log as
// "skipped".
func (s *Server) runJob(jobID, schedID string, only []any, vm any) (map[string]any, error) {
	if s.get("schedules", schedID) == nil {
		return nil, notFound("schedule", schedID)
	}
	job := s.get("backup-jobs", jobID)
	if job == nil {
		return nil, notFound("job", jobID)
	}
	if s.running[jobID] {
		return nil, rpcErr(-32000, "the job ("+jobID+") is already running", nil)
	}
	if job["type"] == metadataJobType {
		return s.runMetadataJob(job, schedID)
	}
	if vm != nil && only == nil {
		only = []any{vm}
	}
	var vms []map[string]any
	var missing []string
	ids := only
	if ids == nil {
		ids = simpleIDs(job["vms"])
	}
	switch {
	case ids != nil:
		for _, id := range ids {
			if o := s.get("vms", fmt.Sprint(id)); o != nil {
				vms = append(vms, clone(o).(map[string]any))
			} else {
				missing = append(missing, fmt.Sprint(id))
			}
		}
	default:
		pattern := map[string]any{"type": "VM"}
		if m, ok := job["vms"].(map[string]any); ok {
			maps.Copy(pattern, m)
		}
		for _, o := range sortedObjs(s.objs["vms"]) {
			if matchPattern(pattern, o) && !noBak(o) {
				vms = append(vms, o)
			}
		}
		if len(vms) == 0 {
			start := s.now()
			runID := fmt.Sprint(start)
			data := map[string]any{"jobId": jobID, "runJobId": runID, "scheduleId": schedID}
			log := map[string]any{"id": runID, "jobId": jobID, "jobName": job["name"], "scheduleId": schedID, "message": "backup",
				"start": float64(start), "end": float64(s.now()), "status": "skipped", "data": s.runData(job),
				"result": map[string]any{"message": "no VMs match this pattern", "name": "Error", "code": float64(codeNoMatchingVM), "data": data}}
			s.put("backup-logs", log)
			return log, rpcErr(codeNoMatchingVM, "no VMs match this pattern", data)
		}
	}
	start := s.now()
	log := map[string]any{"id": fmt.Sprint(start), "jobId": jobID, "jobName": job["name"], "scheduleId": schedID, "message": "backup",
		"start": float64(start), "status": "success", "data": s.runData(job)}
	runIDs := []any{}
	for _, vm := range vms {
		runIDs = append(runIDs, vm["id"])
	}
	for _, id := range missing {
		runIDs = append(runIDs, id)
	}
	log["infos"] = []any{map[string]any{"message": "vms", "data": map[string]any{"vms": runIDs}}}
	var fail error
	if s.backupFn != nil {
		fail = s.backupFn(clone(job).(map[string]any))
	}
	var tasks []any
	targets := []map[string]any{}
	for _, r := range listOf(orList(job["remotes"])) {
		targets = append(targets, map[string]any{"type": "remote", "id": r})
	}
	for _, r := range listOf(orList(job["srs"])) {
		targets = append(targets, map[string]any{"type": "SR", "id": r})
	}
	for _, vm := range vms {
		t0 := float64(s.now())
		var sub []any
		for _, tg := range targets {
			tg["isFull"] = job["mode"] == "full"
			tr := map[string]any{"properties": map[string]any{}, "id": fmt.Sprint(s.now()), "message": "transfer", "start": float64(s.clock), "status": "success", "end": float64(s.now()), "result": map[string]any{"size": 298260992.0}}
			sub = append(sub, map[string]any{"properties": map[string]any{}, "id": fmt.Sprint(s.now()), "message": "export", "data": tg, "start": float64(s.clock), "status": "success", "tasks": []any{tr}, "end": float64(s.now())})
		}
		sub = append(sub, map[string]any{"properties": map[string]any{}, "id": fmt.Sprint(s.now()), "message": "clean-vm", "start": float64(s.clock), "status": "success", "end": float64(s.now()), "result": map[string]any{"merge": false}})
		vt := map[string]any{"properties": map[string]any{}, "id": fmt.Sprint(int64(t0)), "message": "backup VM", "data": map[string]any{"type": "VM", "id": vm["id"], "name_label": vm["name_label"]},
			"start": t0, "status": "success", "tasks": sub, "end": float64(s.now())}
		if fail != nil {
			vt["status"] = "failure"
			vt["result"] = map[string]any{"message": fail.Error(), "name": "Error", "stack": "Error: " + fail.Error()}
			log["status"] = "failure"
		}
		tasks = append(tasks, vt)
	}
	// A VM id that no longer exists fails its own task (inferred: the runner cannot get the
	// VM's record).
	for _, id := range missing {
		t0 := float64(s.now())
		tasks = append(tasks, map[string]any{"properties": map[string]any{}, "id": fmt.Sprint(int64(t0)), "message": "backup VM",
			"data": map[string]any{"type": "VM", "id": id}, "start": t0, "status": "failure", "end": float64(s.now()),
			"result": map[string]any{"message": "no such VM " + id, "name": "Error", "code": float64(codeNoSuchObject), "data": map[string]any{"id": id, "type": "VM"}}})
		log["status"] = "failure"
	}
	log["tasks"] = tasks
	log["end"] = float64(s.now())
	s.put("backup-logs", log)
	return log, nil
}

// runData is the data of a run's log (xo-mixins/jobs/index.mjs runJob jobData.data).
func (s *Server) runData(job map[string]any) map[string]any {
	d := map[string]any{"mode": job["mode"], "reportWhen": "failure"}
	if settings, ok := job["settings"].(map[string]any); ok {
		if g, ok := settings[""].(map[string]any); ok && g["reportWhen"] != nil {
			d["reportWhen"] = g["reportWhen"]
		}
	}
	return d
}

// simpleIDs returns the ids of a simple pattern ({"id": x} or {"id": {"__or": [...]}}, and
// nothing else), or nil (extractIdsFromSimplePattern of xo-mixins/backups-ng/index.mjs).
func simpleIDs(p any) []any {
	m, ok := p.(map[string]any)
	if !ok || len(m) != 1 {
		return nil
	}
	switch id := m["id"].(type) {
	case string:
		return []any{id}
	case map[string]any:
		l, ok := id["__or"].([]any)
		if !ok || len(id) != 1 {
			return nil
		}
		for _, x := range l {
			if _, ok := x.(string); !ok {
				return nil
			}
		}
		return l
	}
	return nil
}

// noBak reports a VM tagged xo:no-bak or xo:no-bak=<reason>, which smart backups skip.
func noBak(vm map[string]any) bool {
	for _, t := range asAnyList(vm["tags"]) {
		name, _, _ := strings.Cut(fmt.Sprint(t), "=")
		if name == "xo:no-bak" {
			return true
		}
	}
	return false
}

// orList extracts ids from {"id": x} or {"id":{"__or":[…]}}.
func orList(p any) any {
	m, _ := p.(map[string]any)
	switch id := m["id"].(type) {
	case string:
		return []any{id}
	case map[string]any:
		return id["__or"]
	}
	return nil
}

// scheduleAction: POST /schedules/<id>/actions/run.
func (s *Server) scheduleAction(id, action string) (execFn, error) {
	if action != "run" {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.get("schedules", id)
	if sc == nil {
		return nil, noSuch("schedule", id)
	}
	return func() (map[string]any, *xoErr) {
		if _, err := s.runJob(fmt.Sprint(sc["jobId"]), id, nil, nil); err != nil {
			return nil, &xoErr{status: 500, msg: err.Error()}
		}
		return nil, nil
	}, nil
}
