package fortigatetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

type policyCounters struct {
	hits, bytes, packets, sessions int64
	first, last                    int64
}

// atLeast compares the configured firmware version with major.minor.patch.
func (s *Server) atLeast(major, minor, patch int) bool {
	var a, b, c int
	fmt.Sscanf(strings.TrimPrefix(s.cfg.version, "v"), "%d.%d.%d", &a, &b, &c)
	if a != major {
		return a > major
	}
	if b != minor {
		return b > minor
	}
	return c >= patch
}

func (s *Server) serveMonitor(w http.ResponseWriter, r *http.Request, path string) {
	i := strings.Index(path, "/")
	if i < 0 {
		i = len(path)
	}
	env := s.newEnvelope(r, path[:i], strings.TrimPrefix(path[i:], "/"))
	env.Action = "select"
	q := r.URL.Query()
	if v := s.unknownVDOM(q); v != "" {
		s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3, cli: "vdom " + v + " not found"})
		return
	}
	get := r.Method == http.MethodGet
	switch path {
	case "system/status", "system/status/select":
		if !get {
			break
		}
		env.Name, env.Action = "status", ""
		env.Results = map[string]any{"model_name": "FortiGate", "model_number": "80F", "model": "FGT80F",
			"hostname": s.st.global["hostname"], "log_disk_status": "available"}
		writeJSON(w, 200, env)
		return
	case "system/resource/usage":
		if !get {
			break
		}
		env.Results = s.resourceUsage(q.Get("resource"), q.Get("interval"))
		writeJSON(w, 200, env)
		return
	case "system/interface", "system/interface/select":
		if !get {
			break
		}
		env.Name = "interface"
		env.Results = s.interfaceStatus(q.Get("interface_name"), q.Get("include_vlan") == "true", q.Get("include_aggregate") == "true")
		writeJSON(w, 200, env)
		return
	case "firewall/policy", "firewall/policy/select":
		if !get {
			break
		}
		env.Name = "policy"
		env.Results = s.policyStats(q.Get("policyid"))
		writeJSON(w, 200, env)
		return
	case "license/status", "license/status/select":
		if !get {
			break
		}
		env.Name = "status"
		env.Results = s.licenses()
		writeJSON(w, 200, env)
		return
	case "endpoint-control/ems/status":
		if !get {
			break
		}
		n, _ := strconv.Atoi(q.Get("ems_id"))
		res, ok := s.emsState(n)
		if !ok {
			s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3})
			return
		}
		env.Results = []any{res}
		writeJSON(w, 200, env)
		return
	case "endpoint-control/ems/verify-cert":
		if r.Method != http.MethodPost {
			break
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		n, _ := scalarNumber(body["ems_id"])
		if _, row := s.st.find("endpoint-control/fctems", strconv.Itoa(int(n))); row == nil {
			s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3})
			return
		}
		s.emsCert[int(n)] = true
		env.Action = "verify-cert"
		writeJSON(w, 200, env)
		return
	case "system/config/backup":
		if r.Method == http.MethodGet && s.atLeast(7, 4, 5) {
			s.writeError(w, env, &simErr{status: http.StatusMethodNotAllowed})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			break
		}
		if r.Method == http.MethodPost {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="FGT80F_backup.conf"`)
		w.WriteHeader(200)
		_, _ = io.WriteString(w, s.renderConfig())
		return
	default:
		s.writeError(w, env, &simErr{status: http.StatusNotFound})
		return
	}
	s.writeError(w, env, &simErr{status: http.StatusMethodNotAllowed})
}

// resourceUsage derives plausible, deterministic figures from the state: memory grows with
// the number of objects, sessions are the sum of the policies' active sessions, CPU follows
// the number of API calls served.
func (s *Server) resourceUsage(resource, interval string) map[string]any {
	objects := 0
	for _, rows := range s.st.tables {
		objects += len(rows)
	}
	var sessions int64
	for _, c := range s.hits {
		sessions += c.sessions
	}
	current := map[string]float64{
		"cpu":     float64(2 + s.inj.TotalCalls()%7),
		"mem":     float64(28 + objects/20),
		"disk":    3,
		"session": float64(sessions),
	}
	intervals := []string{"1-min", "10-min", "30-min", "1-hour", "12-hour", "24-hour"}
	if interval != "" {
		intervals = []string{interval}
	}
	now := time.Now().UnixMilli()
	out := map[string]any{}
	for _, name := range sortedKeys(current) {
		if resource != "" && resource != name {
			continue
		}
		v := current[name]
		hist := map[string]any{}
		for _, iv := range intervals {
			vals := make([][2]float64, 5)
			for k := range vals {
				vals[k] = [2]float64{float64(now - int64(4-k)*60000), v}
			}
			hist[iv] = map[string]any{"values": vals, "start": now - 4*60000, "end": now, "min": v, "max": v, "average": v}
		}
		out[name] = []any{map[string]any{"current": v, "historical": hist}}
	}
	return out
}

func (s *Server) interfaceStatus(only string, vlans, aggregates bool) map[string]any {
	out := map[string]any{}
	for i, r := range s.st.tables["system/interface"] {
		name := keyString(r["name"])
		typ, _ := r["type"].(string)
		if only != "" && name != only {
			continue
		}
		if typ == "tunnel" || (typ == "vlan" && !vlans) || (typ == "aggregate" && !aggregates) {
			continue
		}
		ip, bits := "0.0.0.0", 0
		if v, _ := r["ip"].(string); v != "" {
			if a, m, ok := strings.Cut(v, " "); ok {
				ip = a
				if mm, err := netip.ParseAddr(m); err == nil {
					b := mm.As4()
					for _, x := range b {
						for ; x != 0; x <<= 1 {
							bits++
						}
					}
				}
			}
		}
		link, set := s.links[name]
		if !set {
			link = r["status"] != "down" && name != "modem" && name != "wan2"
		}
		c := s.hits[-1-i]
		var tx, rx int64
		if c != nil {
			tx, rx = c.packets, c.bytes
		}
		out[name] = map[string]any{"id": strconv.Itoa(i + 1), "name": name, "alias": r["alias"], "mac": macOf(i), "ip": ip,
			"mask": bits, "link": link, "speed": 1000.0, "duplex": 1, "tx_packets": tx, "rx_packets": rx, "tx_bytes": tx * 800,
			"rx_bytes": rx * 800, "tx_errors": 0, "rx_errors": 0}
	}
	return out
}

func macOf(i int) string { return fmt.Sprintf("04:d5:90:12:34:%02x", i+1) }

func (s *Server) policyStats(only string) []any {
	var out []any
	now := time.Now().Unix()
	add := func(id int, uuid any) {
		if only != "" && only != strconv.Itoa(id) {
			return
		}
		c := s.hits[id]
		if c == nil {
			c = &policyCounters{}
		}
		m := map[string]any{"policyid": id, "active_sessions": c.sessions, "bytes": c.bytes, "packets": c.packets,
			"software_bytes": c.bytes, "software_packets": c.packets, "asic_bytes": 0, "asic_packets": 0, "nturbo_bytes": 0,
			"nturbo_packets": 0, "hit_count": c.hits, "session_count": c.hits}
		if uuid != nil {
			m["uuid"] = uuid
		}
		if c.hits > 0 {
			m["first_used"], m["last_used"] = c.first, c.last
			if c.last == 0 {
				m["last_used"] = now
			}
		}
		out = append(out, m)
	}
	for _, r := range s.st.tables["firewall/policy"] {
		n, _ := scalarNumber(r["policyid"])
		add(int(n), r["uuid"])
	}
	add(0, nil) // implicit deny
	return out
}

func (s *Server) licenses() map[string]any {
	exp := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC).Unix()
	fds := func(v string) map[string]any {
		return map[string]any{"type": "downloaded_fds_object", "status": "licensed", "version": v, "expires": exp, "last_update": exp - 400*86400}
	}
	return map[string]any{
		"fortiguard": map[string]any{"type": "cloud_service_status", "status": "licensed", "connected": true},
		"forticare": map[string]any{"type": "forticare", "status": "registered", "registration_status": "registered",
			"support": map[string]any{"hardware": map[string]any{"status": "licensed", "support_level": "Advanced HW", "expires": exp}}},
		"antivirus": fds("92.01234"), "ips": fds("29.00876"), "appctrl": fds("29.00876"),
		"forticloud": map[string]any{"type": "forticloud", "status": "licensed", "connected": true},
		"vdom":       map[string]any{"type": "platform", "status": "licensed", "used": 1, "max": 10},
	}
}

// emsState answers endpoint-control/ems/status from the fctems row and the status hook.
func (s *Server) emsState(id int) (map[string]any, bool) {
	_, row := s.st.find("endpoint-control/fctems", strconv.Itoa(id))
	if row == nil {
		return nil, false
	}
	name, _ := row["name"].(string)
	server, _ := row["server"].(string)
	serial, _ := row["serial-number"].(string)
	status := "not_auth"
	switch {
	case row["status"] != "enable":
		status = "disabled"
	case s.emsFunc != nil:
		status = s.emsFunc(id, server, serial)
	case s.emsStatus[id] != "":
		status = s.emsStatus[id]
	}
	ids := map[string]int{"success": 1, "disabled": 99, "not_auth": -1, "auth_pending": -2, "auth_denied": -3, "not_reachable": -4,
		"cert_untrusted": -5}
	sid, ok := ids[status]
	if !ok {
		sid = -9999
	}
	return map[string]any{"ems_id": id, "ems_name": name, "ems_serial": serial, "ems_tenant_id": row["tenant-id"],
		"ems_status_id": sid, "ems_status": status, "ems_is_connected": status == "success", "ems_is_verified": s.emsCert[id]}, true
}

// renderConfig renders the state as a FortiOS configuration file.
func (s *Server) renderConfig() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#config-version=FGT80F-%s-FW-build%d-250101:opmode=0:vdom=0:user=sitekit\n#conf_file_ver=1\n#buildno=%d\n#global_vdom=1\n",
		strings.TrimPrefix(s.cfg.version, "v"), s.cfg.build, s.cfg.build)
	b.WriteString("config system global\n")
	for _, k := range sortedKeys(s.st.global) {
		fmt.Fprintf(&b, "    set %s %s\n", k, cliValue(s.st.global[k]))
	}
	b.WriteString("end\n")
	paths := sortedKeys(s.st.tables)
	sort.Strings(paths)
	for _, p := range paths {
		rows := s.st.tables[p]
		d := tableDefs[p]
		if len(rows) == 0 || d == nil {
			continue
		}
		fmt.Fprintf(&b, "config %s\n", cliPath(p))
		for _, r := range rows {
			fmt.Fprintf(&b, "    edit %s\n", cliValue(r[d.key]))
			for _, k := range sortedKeys(r) {
				if k == d.key {
					continue
				}
				if f := d.fields[k]; f != nil && f.Default != nil && equalJSON(f.Default, r[k]) {
					continue
				}
				fmt.Fprintf(&b, "        set %s %s\n", k, cliValue(r[k]))
			}
			b.WriteString("    next\n")
		}
		b.WriteString("end\n")
	}
	return b.String()
}

func cliPath(p string) string { return strings.NewReplacer(".", " ", "/", " ").Replace(p) }

func cliValue(v any) string {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, " ") && !strings.HasPrefix(x, "ENC ") && strings.Count(x, ".") != 6 {
			return strconv.Quote(x)
		}
		if x == "" {
			return `""`
		}
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		var parts []string
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				for _, k := range []string{"name", "interface-name", "range"} {
					if n, ok := m[k].(string); ok {
						parts = append(parts, strconv.Quote(n))
						break
					}
				}
			}
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprint(v)
}
