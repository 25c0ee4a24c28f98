package xotest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

type taskState struct {
	status    string
	result    any
	pollsLeft int
}

// execFn runs an action once its synchronous checks passed; it is called with s.mu held.
type execFn func() (result map[string]any, err *xoErr)

func (s *Server) actionRoute(w http.ResponseWriter, r *http.Request) error {
	coll, id, action := r.PathValue("coll"), r.PathValue("id"), r.PathValue("action")
	var exec execFn
	var err error
	var objType = collections[coll]
	switch coll {
	case "pools":
		exec, err = s.poolAction(r, id, action)
	case "vms":
		exec, err = s.vmAction(r, id, action)
	case "servers":
		exec, err = s.serverAction(id, action)
	case "schedules":
		exec, err = s.scheduleAction(id, action)
	case "tasks":
		if action != "abort" {
			return &xoErr{status: 404, msg: "Cannot POST " + r.URL.Path}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		t := s.get("tasks", id)
		if t == nil {
			return noSuch("task", id)
		}
		t["abortionRequestedAt"] = float64(s.now())
		w.WriteHeader(http.StatusNoContent)
		return nil
	default:
		return &xoErr{status: 404, msg: "Cannot POST " + r.URL.Path}
	}
	if err != nil {
		return err
	}
	if exec == nil {
		return &xoErr{status: 404, msg: "Cannot POST " + r.URL.Path}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Query().Get("sync") == "true" {
		res, xerr := exec()
		s.now()
		if xerr != nil {
			return xerr
		}
		if res == nil {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		if action == "snapshot" {
			w.Header().Set("Location", "/rest/v0/vm-snapshots/"+fmt.Sprint(res["id"]))
		}
		writeJSON(w, http.StatusCreated, res)
		return nil
	}
	tid := s.newTask("REST API: "+strings.ReplaceAll(action, "_", " "), objType, id, exec)
	loc := "/rest/v0/tasks/" + tid
	w.Header().Set("Location", loc)
	if s.cfg.legacyBody {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(loc))
		return nil
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"taskId": tid})
	return nil
}

// newTask records a REST task, runs exec and keeps the outcome until the task is read enough.
func (s *Server) newTask(name, objType, objID string, exec execFn) string {
	s.seq++
	tid := "0" + strconv.FormatUint(s.seq*2654435761%(1<<40), 36)
	start := s.now()
	t := map[string]any{
		"id": tid, "start": float64(start), "updatedAt": float64(start), "status": "pending",
		"properties": map[string]any{"name": name, "type": "xo:rest-api:action", "objectType": objType, "objectId": objID, "userId": s.UserID},
		"infos":      []any{}, "warnings": []any{}, "tasks": []any{},
	}
	s.put("tasks", t)
	st := &taskState{pollsLeft: s.cfg.taskPolls}
	res, xerr := exec()
	if xerr != nil {
		st.status = "failure"
		st.result = serializeErr(xerr)
	} else {
		st.status = "success"
		if res != nil {
			st.result = res
		}
	}
	s.tasks[tid] = st
	if st.pollsLeft == 0 {
		s.finishTask(tid)
	}
	return tid
}

func serializeErr(e *xoErr) map[string]any {
	out := map[string]any{"message": fmt.Sprint(e.msg), "name": "Error", "stack": "Error: " + fmt.Sprint(e.msg) + "\n    at xotest"}
	if e.xapi {
		out["name"], out["code"], out["params"] = "XapiError", e.xapiCode, e.xapiParams
	} else if d, ok := e.data.(map[string]any); ok {
		if c, ok := d["code"]; ok {
			out["code"] = c
		}
		if p, ok := d["params"]; ok {
			out["params"] = p
		}
	}
	return out
}

func (s *Server) finishTask(tid string) {
	st, t := s.tasks[tid], s.get("tasks", tid)
	if st == nil || t == nil || t["status"] != "pending" {
		return
	}
	now := float64(s.now())
	t["status"], t["end"], t["updatedAt"] = st.status, now, now
	if st.result != nil {
		t["result"] = clone(st.result)
	}
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request, id string) error {
	s.mu.Lock()
	t := s.get("tasks", id)
	if t == nil {
		s.mu.Unlock()
		return noSuch("task", id)
	}
	if st := s.tasks[id]; st != nil && t["status"] == "pending" {
		if r.URL.Query().Get("wait") == "true" && !s.cfg.ignoreWait {
			st.pollsLeft = 0
		}
		if st.pollsLeft > 0 {
			st.pollsLeft--
		} else {
			s.finishTask(id)
		}
	}
	out := clone(t)
	s.mu.Unlock()
	writeJSON(w, 200, out)
	return nil
}

func (s *Server) poolAction(r *http.Request, id, action string) (execFn, error) {
	switch action {
	case "create_vm":
		body, err := s.readBody(r, "POST /pools/{id}/actions/create_vm", true)
		if err != nil {
			return nil, err
		}
		return s.prepareCreateVM(id, body)
	case "create_network":
		body, err := s.readBody(r, "POST /pools/{id}/actions/create_network", true)
		if err != nil {
			return nil, err
		}
		return s.prepareCreateNetwork(id, body)
	}
	return nil, nil
}

// prepareCreateNetwork: name, pif, vlan required; VLAN PIFs on each host with that device;
// duplicate (device, VLAN) → XAPI PIF_VLAN_EXISTS.
func (s *Server) prepareCreateNetwork(pool string, body map[string]any) (execFn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.get("pools", pool) == nil {
		return nil, noSuch("pool", pool)
	}
	pifID := fmt.Sprint(body["pif"])
	pif := s.get("pifs", pifID)
	if pif == nil {
		return nil, noSuch("PIF", pifID)
	}
	return func() (map[string]any, *xoErr) {
		vlan := body["vlan"].(float64)
		device := pif["device"]
		for _, p := range s.objs["pifs"] {
			if p["device"] == device && p["vlan"] == vlan && p["$pool"] == pool {
				return nil, xapiErr("PIF_VLAN_EXISTS", fmt.Sprint(p["_xapiRef"]))
			}
		}
		if vlan == 0 {
			return nil, xapiErr("VLAN_TAG_INVALID", "0")
		}
		n := s.base("network", "networks")
		nid := n["id"].(string)
		n["name_label"] = body["name"]
		n["name_description"] = "Created with Xen Orchestra"
		if d, ok := body["description"].(string); ok {
			n["name_description"] = d
		}
		n["MTU"] = 1500.0
		if m, ok := body["mtu"].(float64); ok {
			n["MTU"] = m
		}
		n["nbd"], _ = body["nbd"].(bool)
		n["bridge"] = "xapi" + strconv.FormatUint(s.seq%100, 10)
		n["other_config"] = map[string]any{"automatic": "false"}
		n["VIFs"], n["PIFs"] = []any{}, []any{}
		s.put("networks", n)
		for _, phys := range s.objs["pifs"] {
			if phys["device"] != device || phys["physical"] != true || phys["$pool"] != pool {
				continue
			}
			v := clone(phys).(map[string]any)
			vid := s.newID()
			v["id"], v["uuid"], v["_xapiRef"] = vid, vid, "OpaqueRef:"+s.newID()
			v["vlan"], v["physical"], v["management"], v["$network"] = vlan, false, false, nid
			v["mode"], v["ip"], v["netmask"], v["gateway"], v["dns"] = "None", "", "", "", ""
			s.put("pifs", v)
			s.appendTo("networks", nid, "PIFs", vid)
			s.appendTo("hosts", fmt.Sprint(phys["$host"]), "PIFs", vid)
			s.appendTo("hosts", fmt.Sprint(phys["$host"]), "$PIFs", vid)
		}
		return map[string]any{"id": nid}, nil
	}, nil
}

func (s *Server) serverAction(id, action string) (execFn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	srv := s.get("servers", id)
	if srv == nil {
		return nil, noSuch("server", id)
	}
	switch action {
	case "connect":
		return func() (map[string]any, *xoErr) {
			srv["status"], srv["poolId"] = "connected", s.PoolID
			srv["poolNameLabel"] = s.get("pools", s.PoolID)["name_label"]
			srv["master"] = s.HostID
			return nil, nil
		}, nil
	case "disconnect":
		return func() (map[string]any, *xoErr) {
			srv["status"] = "disconnected"
			return nil, nil
		}, nil
	}
	return nil, nil
}

func (s *Server) createServer(w http.ResponseWriter, r *http.Request) error {
	body, err := s.readBody(r, "POST /servers", true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.objs["servers"] {
		if o["host"] == body["host"] {
			return &xoErr{status: 409, msg: "server already exists", data: map[string]any{"objectId": o["id"], "objectType": "server"}}
		}
	}
	srv := s.proto("server")
	id := s.newID()
	srv["id"], srv["host"], srv["username"] = id, body["host"], body["username"]
	srv["label"], _ = body["label"].(string)
	srv["allowUnauthorized"], _ = body["allowUnauthorized"].(bool)
	srv["readOnly"], _ = body["readOnly"].(bool)
	srv["enabled"], srv["status"] = true, "disconnected"
	delete(srv, "poolId")
	delete(srv, "poolNameLabel")
	s.put("servers", srv)
	s.now()
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
	return nil
}

func (s *Server) createSR(w http.ResponseWriter, r *http.Request) error {
	body, err := s.readBody(r, "POST /srs", true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	host := fmt.Sprint(body["hostId"])
	if s.get("hosts", host) == nil {
		return noSuch("host", host)
	}
	typ := body["SR_type"].(string)
	if typ == "linstor" {
		return &xoErr{status: 501, msg: "not implemented"}
	}
	dc, _ := body["device_config"].(map[string]any)
	if typ == "nfs" && (dc["server"] == nil || dc["serverpath"] == nil) {
		return xapiErr("SR_BACKEND_FAILURE_140", "", "Incorrect DNS name, unable to resolve.")
	}
	sr := s.base("SR", "srs")
	id := sr["id"].(string)
	sr["name_label"] = body["name_label"]
	sr["name_description"], _ = body["name_description"].(string)
	sr["SR_type"] = typ
	sr["content_type"] = "user"
	if ct, ok := body["content_type"].(string); ok {
		sr["content_type"] = ct
	}
	shared := typ == "nfs" || typ == "smb" || typ == "lvmoiscsi" || typ == "lvmohba" || typ == "cephfs" || typ == "glusterfs" || typ == "moosefs"
	sr["shared"] = shared
	sr["size"], sr["physical_usage"], sr["usage"] = float64(8<<40), 0.0, 0.0
	sr["VDIs"], sr["$PBDs"] = []any{}, strs(s.newID())
	sr["$container"] = host
	if shared {
		sr["$container"] = s.PoolID
	}
	sr["sm_config"], sr["other_config"] = map[string]any{}, map[string]any{}
	s.put("srs", sr)
	s.now()
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
	return nil
}

// remote URL schemes accepted by xo-remote-parser.
func validRemoteURL(u string) bool {
	switch {
	case strings.HasPrefix(u, "nfs://"):
		rest := strings.TrimPrefix(u, "nfs://")
		host, path, ok := strings.Cut(rest, ":")
		if !ok || host == "" {
			return false
		}
		if p, after, ok := strings.Cut(path, ":"); ok {
			if _, err := strconv.Atoi(p); err != nil {
				return false
			}
			path = after
		}
		return strings.HasPrefix(path, "/") && !strings.HasSuffix(strings.TrimRight(path, "/"), "xo-vm-backups")
	case strings.HasPrefix(u, "file:///"), strings.HasPrefix(u, "smb://"), strings.HasPrefix(u, "s3://"), strings.HasPrefix(u, "s3+http://"), strings.HasPrefix(u, "azure://"):
		return true
	}
	return false
}

// obfuscate hides credentials in a remote URL as XO does on read.
func obfuscate(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return u
	}
	cred := rest[:at]
	user, _, hasPass := strings.Cut(cred, ":")
	if !hasPass {
		return u
	}
	return scheme + "://" + user + ":obfuscated-" + "********" + rest[at:]
}

func (s *Server) newRemote(body map[string]any) (map[string]any, *xoErr) {
	url, _ := body["url"].(string)
	if !validRemoteURL(url) {
		return nil, &xoErr{status: 422, msg: "invalid parameters", data: map[string]any{"errors": []any{map[string]any{"instancePath": "/url", "message": "invalid remote URL"}}}}
	}
	id := s.newID()
	rem := map[string]any{"id": id, "name": body["name"], "url": url, "enabled": true, "benchmarks": []any{}}
	if o, ok := body["options"].(string); ok && o != "" {
		rem["options"] = o
	}
	if p, ok := body["proxy"].(string); ok && p != "" {
		rem["proxy"] = p
	}
	s.put("backup-repositories", rem)
	s.now()
	return rem, nil
}

func (s *Server) createRepository(w http.ResponseWriter, r *http.Request) error {
	body, err := s.readBody(r, "POST /backup-repositories", true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rem, xerr := s.newRemote(body)
	if xerr != nil {
		return xerr
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": rem["id"]})
	return nil
}

func (s *Server) patchRepository(w http.ResponseWriter, r *http.Request) error {
	body, err := s.readBody(r, "PATCH /backup-repositories/{id}", true)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	rem := s.get("backup-repositories", id)
	if rem == nil {
		return noSuch("backup-repository", id)
	}
	if u, ok := body["url"].(string); ok && !validRemoteURL(u) {
		return invalidParams(map[string]string{"body.url": "invalid remote URL"})
	}
	for k, v := range body {
		if v == nil {
			delete(rem, k)
		} else {
			rem[k] = v
		}
	}
	s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readRemote is a repository as XO shows it (credentials obfuscated).
func readRemote(o map[string]any) map[string]any {
	c := clone(o).(map[string]any)
	c["url"] = obfuscate(fmt.Sprint(c["url"]))
	return c
}
