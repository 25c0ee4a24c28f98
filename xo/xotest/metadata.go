package xotest

import (
	"fmt"
	"sort"
	"strings"
)

// Metadata backup jobs (metadataBackup.* over JSON-RPC), mirroring xo/metadata.go. The
// parameter schemas are those of xo-server's api/metadata-backup.mjs; createJob creates the
// schedules and re-keys the settings like xo-mixins/metadata-backups.mjs and returns the job
// object; a run applies the checks of @xen-orchestra/backups/_runners/Metadata.mjs and
// records a backup log with one task per pool and one for the XO configuration, each with
// an "export" task per repository (the log shape is inferred, see xo/metadata.go).
// deleteJob deletes the job's schedules with it (xo-server's removeJob).

const metadataJobType = "metadataBackup"

func init() {
	rpcParams["metadataBackup.createJob"] = []param{{name: "name", kind: "string", optional: true}, {name: "pools", kind: "object", optional: true},
		{name: "proxy", kind: "string", optional: true}, {name: "remotes", kind: "object"}, {name: "schedules", kind: "object"},
		{name: "settings", kind: "object"}, {name: "xoMetadata", kind: "boolean", optional: true}}
	rpcParams["metadataBackup.editJob"] = []param{{name: "id", kind: "string"}, {name: "name", kind: "string", optional: true},
		{name: "pools", kind: "any", optional: true}, {name: "proxy", kind: "any", optional: true}, {name: "settings", kind: "object", optional: true},
		{name: "remotes", kind: "object", optional: true}, {name: "xoMetadata", kind: "boolean", optional: true}}
	rpcParams["metadataBackup.getAllJobs"] = []param{}
	rpcParams["metadataBackup.getJob"] = []param{{name: "id", kind: "string"}}
	rpcParams["metadataBackup.deleteJob"] = []param{{name: "id", kind: "string"}}
	rpcParams["metadataBackup.runJob"] = []param{{name: "id", kind: "string"}, {name: "schedule", kind: "string"}}
}

// storeNewJob finishes a createJob call (backupNg or metadataBackup) as xo-server does
// (xo-mixins/backups-ng/index.mjs createBackupNgJob, metadata-backups.mjs
// createMetadataBackupJob): it stores the job, creates the schedules declared under
// temporary ids and re-keys their settings to the real schedule ids, and returns the changed
// objects (schedules and job). Without settings, re-keying fails after the schedules were
// created (xo-server reads settings[tmpId] of undefined), and so does the call.
func (s *Server) storeNewJob(job, p map[string]any) (map[string]any, error) {
	settings, hasSettings := p["settings"].(map[string]any)
	changed := map[string]any{}
	scheds, _ := p["schedules"].(map[string]any)
	s.put("backup-jobs", job)
	changed[job["id"].(string)] = job
	for _, tmp := range sortedKeys(scheds) {
		spec, ok := scheds[tmp].(map[string]any)
		if !ok {
			return changed, rpcInvalid("/schedules/"+tmp, "must be object")
		}
		sc, err := s.createSchedule(job["id"].(string), spec)
		if err != nil {
			return changed, err
		}
		changed[sc["id"].(string)] = sc
		if !hasSettings {
			return changed, rpcErr(-32000, "Cannot read properties of undefined (reading '"+tmp+"')", nil)
		}
		if v, ok := settings[tmp]; ok {
			settings[sc["id"].(string)] = v
			delete(settings, tmp)
		}
	}
	s.now()
	return changed, nil
}

// metadataRPC handles metadataBackup.* with s.mu held.
func (s *Server) metadataRPC(method string, p map[string]any) (any, map[string]any, error) {
	id, _ := p["id"].(string)
	switch method {
	case "metadataBackup.createJob":
		// The properties given and no others (api/metadata-backup.mjs createJob).
		job := map[string]any{"id": s.newID(), "type": metadataJobType, "userId": s.UserID}
		for _, k := range []string{"name", "pools", "proxy", "remotes", "settings", "xoMetadata"} {
			if v, ok := p[k]; ok {
				job[k] = v
			}
		}
		changed, err := s.storeNewJob(job, p)
		if err != nil {
			return nil, changed, err
		}
		return clone(job), changed, nil
	case "metadataBackup.getAllJobs":
		out := []any{}
		for _, j := range sortedObjs(s.objs["backup-jobs"]) {
			if j["type"] == metadataJobType {
				out = append(out, j)
			}
		}
		return out, nil, nil
	case "metadataBackup.getJob":
		j := s.metadataJob(id)
		if j == nil {
			return nil, nil, notFound("job", id)
		}
		return clone(j), nil, nil
	case "metadataBackup.editJob":
		// xo-server's updateJob: any job type, props replaced one level deep, null deletes.
		j := s.get("backup-jobs", id)
		if j == nil {
			return nil, nil, notFound("job", id)
		}
		if v, ok := p["pools"]; ok && v != nil {
			if _, isObj := v.(map[string]any); !isObj {
				return nil, nil, rpcInvalid("/pools", "must be object,null")
			}
		}
		if v, ok := p["proxy"]; ok && v != nil {
			if _, isStr := v.(string); !isStr {
				return nil, nil, rpcInvalid("/proxy", "must be string,null")
			}
		}
		delete(p, "id")
		patch(j, p)
		s.now()
		return true, map[string]any{id: j}, nil
	case "metadataBackup.deleteJob":
		if s.metadataJob(id) == nil {
			return nil, nil, notFound("job", id)
		}
		s.removeJob(id)
		return true, nil, nil
	case "metadataBackup.runJob":
		sched, _ := p["schedule"].(string)
		log, err := s.runJob(id, sched, nil, nil)
		if err != nil {
			return nil, nil, err
		}
		return true, map[string]any{log["id"].(string): log}, nil
	}
	return nil, nil, rpcErr(-32601, "method not found: "+method, method)
}

// metadataJob returns the metadata backup job id, or nil (also for jobs of other types).
func (s *Server) metadataJob(id string) map[string]any {
	j := s.get("backup-jobs", id)
	if j == nil || j["type"] != metadataJobType {
		return nil
	}
	return j
}

// patch applies an edit as xo-server's updateJob does (src/patch.mjs, xen-orchestra 9ef5389):
// one level deep. Each property given replaces the stored one whole (settings included),
// null deletes it.
func patch(dst, props map[string]any) {
	for k, v := range props {
		if v == nil {
			delete(dst, k)
			continue
		}
		dst[k] = v
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func intSetting(m map[string]any, k string) int {
	f, _ := m[k].(float64)
	return int(f)
}

// runMetadataJob runs a metadata backup job with a schedule and records its backup log.
// Called with s.mu held by runJob.
func (s *Server) runMetadataJob(job map[string]any, schedID string) (map[string]any, error) {
	jobID := fmt.Sprint(job["id"])
	settings, _ := job["settings"].(map[string]any)
	ret, _ := settings[schedID].(map[string]any)
	keepPool, keepXO := intSetting(ret, "retentionPoolMetadata"), intSetting(ret, "retentionXoMetadata")
	remotes := listOf(orList(job["remotes"]))
	pools := listOf(orList(job["pools"]))
	xoMeta, _ := job["xoMetadata"].(bool)
	switch {
	case len(remotes) == 0:
		return nil, rpcErr(-32000, "metadata backup job cannot run without remotes", nil)
	case !xoMeta && len(pools) == 0:
		return nil, rpcErr(-32000, "no metadata mode found", nil)
	case (keepPool == 0 && keepXO == 0) || (!xoMeta && keepPool == 0) || (len(pools) == 0 && keepXO == 0):
		return nil, rpcErr(-32000, "no retentions corresponding to the metadata modes found", nil)
	}
	start := s.now()
	reportWhen := "failure"
	if g, ok := settings[""].(map[string]any); ok {
		if rw, ok := g["reportWhen"].(string); ok && rw != "" {
			reportWhen = rw
		}
	}
	log := map[string]any{"id": fmt.Sprint(start), "jobId": jobID, "jobName": job["name"], "scheduleId": schedID, "message": "backup",
		"start": float64(start), "status": "success", "data": map[string]any{"reportWhen": reportWhen}}
	var fail error
	if s.backupFn != nil {
		fail = s.backupFn(clone(job).(map[string]any))
	}
	failed := false
	exports := func() ([]any, bool) {
		var out []any
		ok := true
		for _, r := range remotes {
			t := map[string]any{"id": fmt.Sprint(s.now()), "message": "export", "data": map[string]any{"type": "remote", "id": r},
				"start": float64(s.clock), "status": "success"}
			switch {
			case s.get("backup-repositories", r) == nil:
				t["status"], ok = "failure", false
				t["result"] = map[string]any{"message": "no such remote " + r, "name": "Error"}
			case fail != nil:
				t["status"], ok = "failure", false
				t["result"] = map[string]any{"message": fail.Error(), "name": "Error", "stack": "Error: " + fail.Error()}
			}
			t["end"] = float64(s.now())
			out = append(out, t)
		}
		return out, ok
	}
	var tasks []any
	if keepPool > 0 {
		for _, pool := range pools {
			t0 := float64(s.now())
			t := map[string]any{"id": fmt.Sprint(int64(t0)), "start": t0, "status": "success"}
			if s.get("pools", pool) == nil {
				t["message"], t["data"] = "get pool record", map[string]any{"type": "pool", "id": pool}
				t["status"], t["result"] = "failure", map[string]any{"message": "no such pool " + pool, "name": "Error"}
				failed = true
			} else {
				t["message"] = "Starting metadata backup for the pool (" + pool + "). (" + jobID + ")"
				t["data"] = map[string]any{"type": "pool", "id": pool}
				sub, ok := exports()
				t["tasks"] = sub
				if !ok {
					t["status"], failed = "failure", true
				}
			}
			t["end"] = float64(s.now())
			tasks = append(tasks, t)
		}
	}
	if xoMeta && keepXO > 0 {
		t0 := float64(s.now())
		sub, ok := exports()
		t := map[string]any{"id": fmt.Sprint(int64(t0)), "message": "Starting XO metadata backup. (" + jobID + ")", "data": map[string]any{"type": "xo"},
			"start": t0, "status": "success", "tasks": sub, "end": float64(s.now())}
		if !ok {
			t["status"], failed = "failure", true
		}
		tasks = append(tasks, t)
	}
	if failed {
		log["status"] = "failure"
	}
	log["tasks"] = tasks
	log["end"] = float64(s.now())
	s.put("backup-logs", log)
	return log, nil
}

// MetadataJobs returns deep copies of the metadata backup jobs (inspection helper).
func (s *Server) MetadataJobs() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, j := range sortedObjs(s.objs["backup-jobs"]) {
		if j["type"] == metadataJobType {
			out = append(out, j)
		}
	}
	return out
}

// isMetadataMethod reports whether method belongs to metadataBackup.*.
func isMetadataMethod(method string) bool { return strings.HasPrefix(method, "metadataBackup.") }
