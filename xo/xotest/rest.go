package xotest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// collections served generically (GET list / GET one).
var collections = map[string]string{
	"pools": "pool", "hosts": "host", "pifs": "PIF", "networks": "network", "srs": "SR",
	"vm-templates": "VM-template", "vms": "VM", "vm-snapshots": "VM-snapshot", "vifs": "VIF", "vdis": "VDI", "vbds": "VBD",
	"tasks": "task", "servers": "server", "backup-repositories": "backup-repository", "backup-jobs": "backup-job",
	"schedules": "schedule", "backup-logs": "backup-log", "alarms": "alarm",
}

func (s *Server) routes(mux *http.ServeMux) {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.Handle(pattern, s.auth(func(w http.ResponseWriter, r *http.Request) {
			if err := fn(w, r); err != nil {
				if e, ok := err.(*xoErr); ok {
					writeErr(w, e)
					return
				}
				writeErr(w, &xoErr{status: 500, msg: err.Error()})
			}
		}))
	}
	h("GET /rest/v0/{coll}", s.list)
	h("GET /rest/v0/{coll}/{id}", s.getOne)
	h("DELETE /rest/v0/{coll}/{id}", s.deleteOne)
	h("PUT /rest/v0/{coll}/{id}/tags/{tag}", s.tag)
	h("DELETE /rest/v0/{coll}/{id}/tags/{tag}", s.tag)
	h("PATCH /rest/v0/vms/{id}", s.patchVM)
	h("PATCH /rest/v0/backup-repositories/{id}", s.patchRepository)
	h("POST /rest/v0/{coll}/{id}/actions/{action}", s.actionRoute)
	h("POST /rest/v0/servers", s.createServer)
	h("POST /rest/v0/srs", s.createSR)
	h("POST /rest/v0/backup-repositories", s.createRepository)
	h("POST /rest/v0/users/{id}/authentication_tokens", s.createToken)
	h("GET /rest/v0/dashboard", s.dashboard)
	mux.HandleFunc("GET /rest/v0/ping", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"result": "pong", "timestamp": s.clock})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<pre>Cannot %s %s</pre>\n", r.Method, r.URL.Path)
	})
}

// auth applies XO's REST authentication rules (@xen-orchestra/rest-api authentication
// middleware): token cookie, Basic, both → 400, none or bad → 401.
func (s *Server) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var token string
		if c, err := r.Cookie("authenticationToken"); err == nil {
			token = c.Value
		} else if c, err := r.Cookie("token"); err == nil {
			token = c.Value
		}
		authz := r.Header.Get("Authorization")
		if token != "" && authz != "" {
			writeErr(w, &xoErr{status: 400, msg: "Having multiple authentication methods is not supported, please choose one"})
			return
		}
		invalid := &xoErr{status: 401, msg: "invalid credentials"}
		switch {
		case authz != "":
			scheme, cred, _ := strings.Cut(authz, " ")
			if !strings.EqualFold(scheme, "Basic") {
				writeErr(w, &xoErr{status: 400, msg: "unsupported authorization scheme"})
				return
			}
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
			user, pass, ok := strings.Cut(string(raw), ":")
			if err != nil || !ok {
				writeErr(w, &xoErr{status: 400, msg: "malformed Basic credentials"})
				return
			}
			if user != s.username || pass != s.password {
				writeErr(w, invalid)
				return
			}
		case token != "":
			s.mu.Lock()
			t := s.tokens[token]
			ok := t != nil && !t.Expired
			s.mu.Unlock()
			if !ok {
				writeErr(w, invalid)
				return
			}
		default:
			writeErr(w, invalid)
			return
		}
		next(w, r)
	})
}

// readBody decodes and validates a JSON body against the OpenAPI request schema of route.
func (s *Server) readBody(r *http.Request, route string, required bool) (map[string]any, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		if required {
			return nil, invalidParams(map[string]string{"body": "'body' is required"})
		}
		return map[string]any{}, nil
	}
	v, err := decodeAny(b)
	if err != nil {
		return nil, &xoErr{status: 400, msg: "Unexpected token in JSON: " + err.Error()}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalidParams(map[string]string{"body": "invalid object"})
	}
	if sc, ok := s.reqs[route]; ok {
		c := &schemaChecker{strict: true}
		if errs := c.validate(sc, m, "body"); len(errs) > 0 {
			return nil, invalidParams(errs)
		}
	}
	return m, nil
}

func (s *Server) collection(r *http.Request) (string, error) {
	coll := r.PathValue("coll")
	if _, ok := collections[coll]; !ok {
		return "", &xoErr{status: 404, msg: "Cannot " + r.Method + " " + r.URL.Path}
	}
	return coll, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	coll, err := s.collection(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ndjson, markdown := q.Get("ndjson") == "true", q.Get("markdown") == "true"
	if ndjson && markdown {
		return invalidParams(map[string]string{"markdown": "ndjson and markdown are exclusive"})
	}
	var m matcher
	if f := q.Get("filter"); f != "" {
		if m, err = parseMatcher(f); err != nil {
			return &xoErr{status: 400, msg: err.Error(), data: map[string]any{"stringToParse": f}}
		}
	}
	limit := -1
	if l := q.Get("limit"); l != "" {
		n, err := strconv.ParseFloat(l, 64)
		if err != nil || n < 0 {
			return invalidParams(map[string]string{"limit": "invalid float number"})
		}
		limit = int(n)
	}
	s.mu.Lock()
	var items []map[string]any
	for _, o := range s.objs[coll] {
		if m == nil || m.match(o) {
			if coll == "backup-repositories" {
				o = readRemote(o)
			}
			items = append(items, clone(o).(map[string]any))
		}
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return fmt.Sprint(items[i]["id"]) < fmt.Sprint(items[j]["id"]) })
	if limit >= 0 && len(items) > limit {
		items = items[:limit]
	}
	base := strings.TrimRight(r.URL.Path, "/")
	var out []any
	fields := q.Get("fields")
	for _, o := range items {
		href := base + "/" + fmt.Sprint(o["id"])
		switch fields {
		case "":
			out = append(out, href)
		case "*":
			o["href"] = href
			out = append(out, o)
		default:
			p := map[string]any{}
			for _, f := range strings.Split(fields, ",") {
				if v, ok := o[strings.TrimSpace(f)]; ok {
					p[strings.TrimSpace(f)] = v
				}
			}
			p["href"] = href
			out = append(out, p)
		}
	}
	if out == nil {
		out = []any{}
	}
	switch {
	case ndjson:
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(200)
		for _, o := range out {
			b, _ := json.Marshal(o)
			_, _ = w.Write(append(b, '\n'))
		}
	case markdown:
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.WriteHeader(200)
		fmt.Fprintln(w, "| href |\n| --- |")
		for _, o := range out {
			if mm, ok := o.(map[string]any); ok {
				fmt.Fprintf(w, "| %v |\n", mm["href"])
			} else {
				fmt.Fprintf(w, "| %v |\n", o)
			}
		}
	default:
		writeJSON(w, 200, out)
	}
	return nil
}

func (s *Server) getOne(w http.ResponseWriter, r *http.Request) error {
	coll, err := s.collection(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if coll == "tasks" {
		return s.getTask(w, r, id)
	}
	s.mu.Lock()
	o := s.get(coll, id)
	if o != nil && coll == "vms" {
		s.bootTick(id)
	}
	var out map[string]any
	if o != nil {
		out = clone(o).(map[string]any)
		if coll == "backup-repositories" {
			out = readRemote(o)
		}
	}
	s.mu.Unlock()
	if out == nil {
		return noSuch(collections[coll], id)
	}
	writeJSON(w, 200, out)
	return nil
}

func (s *Server) deleteOne(w http.ResponseWriter, r *http.Request) error {
	coll, err := s.collection(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.get(coll, id)
	if o == nil {
		return noSuch(collections[coll], id)
	}
	switch coll {
	case "vms":
		if b, _ := o["blockedOperations"].(map[string]any); b != nil && b["destroy"] != nil {
			return &xoErr{status: 403, msg: "operation blocked", data: map[string]any{"objectId": id, "code": "OPERATION_BLOCKED"}}
		}
		s.destroyVM(id)
	case "networks":
		for _, p := range s.objs["pifs"] {
			if p["$network"] == id {
				delete(s.objs["pifs"], p["id"].(string))
			}
		}
		delete(s.objs[coll], id)
	case "vdis":
		for _, vbd := range listOf(o["$VBDs"]) {
			delete(s.objs["vbds"], vbd)
		}
		s.removeFrom("srs", fmt.Sprint(o["$SR"]), "VDIs", id)
		delete(s.objs[coll], id)
	case "vifs":
		s.removeFrom("vms", fmt.Sprint(o["$VM"]), "VIFs", id)
		s.removeFrom("networks", fmt.Sprint(o["$network"]), "VIFs", id)
		delete(s.objs[coll], id)
	case "pools", "hosts", "pifs", "alarms", "backup-jobs", "schedules", "backup-logs", "backup-repositories":
		return &xoErr{status: 404, msg: "Cannot DELETE " + r.URL.Path}
	case "vm-templates":
		if def, _ := o["isDefaultTemplate"].(bool); def {
			return &xoErr{status: 409, msg: "incorrect state", data: map[string]any{"property": "isDefaultTemplate"}}
		}
		delete(s.objs[coll], id)
	default:
		delete(s.objs[coll], id)
	}
	s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func listOf(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

func (s *Server) tag(w http.ResponseWriter, r *http.Request) error {
	coll, err := s.collection(r)
	if err != nil {
		return err
	}
	id, tag := r.PathValue("id"), r.PathValue("tag")
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.get(coll, id)
	if o == nil {
		return noSuch(collections[coll], id)
	}
	tags := listOf(o["tags"])
	out := []any{}
	for _, t := range tags {
		if t != tag {
			out = append(out, t)
		}
	}
	if r.Method == http.MethodPut {
		out = append(out, tag)
	}
	o["tags"] = out
	s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.proto("dashboard")
	vms := map[string]float64{}
	for _, vm := range s.objs["vms"] {
		vms[fmt.Sprint(vm["power_state"])]++
	}
	total := float64(len(s.objs["vms"]))
	d["nPools"], d["nHosts"] = float64(len(s.objs["pools"])), float64(len(s.objs["hosts"]))
	d["poolsStatus"] = map[string]any{"connected": float64(len(s.objs["pools"])), "disconnected": 0.0, "unreachable": 0.0, "unknown": 0.0, "total": float64(len(s.objs["pools"]))}
	d["hostsStatus"] = map[string]any{"running": float64(len(s.objs["hosts"])), "halted": 0.0, "disabled": 0.0, "unknown": 0.0, "total": float64(len(s.objs["hosts"]))}
	d["vmsStatus"] = map[string]any{"active": vms["Running"] + vms["Paused"], "inactive": vms["Halted"] + vms["Suspended"], "running": vms["Running"], "halted": vms["Halted"], "paused": vms["Paused"], "suspended": vms["Suspended"], "unknown": 0.0, "total": total}
	var mem, cpus, srSize, srUsed float64
	for _, h := range s.objs["hosts"] {
		if m, ok := h["memory"].(map[string]any); ok {
			mem += m["size"].(float64)
		}
		if c, ok := h["cpus"].(map[string]any); ok {
			cpus += c["cores"].(float64)
		}
	}
	for _, sr := range s.objs["srs"] {
		srSize += sr["size"].(float64)
		srUsed += sr["physical_usage"].(float64)
	}
	d["resourcesOverview"] = map[string]any{"nCpus": cpus, "memorySize": mem, "srSize": srSize}
	d["storageRepositories"] = map[string]any{"size": map[string]any{"available": srSize - srUsed, "other": 0.0, "replicated": 0.0, "total": srSize, "used": srUsed}}
	writeJSON(w, 200, d)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("id") == "me" {
		target := strings.Replace(r.URL.Path, "/users/me/", "/users/"+s.UserID+"/", 1)
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
		return nil
	}
	if r.PathValue("id") != s.UserID {
		return &xoErr{status: 403, msg: "forbidden operation: create token for another user", data: map[string]any{"operation": "createAuthenticationToken"}}
	}
	body, err := s.readBody(r, "POST /users/{id}/authentication_tokens", true)
	if err != nil {
		return err
	}
	client := ""
	if c, ok := body["client"].(map[string]any); ok {
		client, _ = c["id"].(string)
	}
	desc, _ := body["description"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var t *tokenInfo
	if client != "" {
		for _, old := range s.tokens {
			if old.ClientID == client && !old.Expired {
				t = old
			}
		}
	}
	if t == nil {
		t = &tokenInfo{ID: "tk-" + strings.ReplaceAll(s.newID(), "-", ""), UserID: s.UserID, ClientID: client, Created: now}
		s.tokens[t.ID] = t
	}
	t.Description, t.Expiration = desc, now+30*24*3600*1000
	tok := map[string]any{"id": t.ID, "user_id": t.UserID, "created_at": float64(t.Created), "expiration": float64(t.Expiration), "description": t.Description}
	if client != "" {
		tok["client"] = map[string]any{"id": client}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok})
	return nil
}
