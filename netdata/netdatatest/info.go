package netdatatest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
)

// writeJSON writes v as the agent does (tab-indented JSON, application/json; charset=utf-8).
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		textError(w, http.StatusInternalServerError, "text/plain; charset=utf-8", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// num renders a number the way the configured version does: a JSON string on 1.37
// ("cores_total":"2"), a JSON number on 2.x.
func (s *Server) num(n int64) any {
	if s.v2 {
		return n
	}
	return fmt.Sprint(n)
}

func (s *Server) boolean(b bool) any {
	if s.v2 {
		return b
	}
	return fmt.Sprint(b)
}

func (s *Server) info(h *host) map[string]any {
	var normal, warning, critical int
	for _, a := range h.alarms {
		switch {
		case a.status == "WARNING":
			warning++
		case a.status == "CRITICAL":
			critical++
		default:
			normal++
		}
	}
	hosts := []string{h.name}
	status := []map[string]any{{"guid": h.guid, "hostname": h.name, "reachable": true, "hops": 0, "claim_id": nil, "node_id": nil}}
	if h == s.self {
		for _, c := range s.children {
			hosts = append(hosts, c.name)
			status = append(status, map[string]any{"guid": c.guid, "hostname": c.name, "reachable": c.reachable, "hops": c.hops, "claim_id": nil, "node_id": nil})
		}
	}
	labels := map[string]string{"_cloud_provider_type": "unknown", "_cloud_instance_type": "unknown", "_cloud_instance_region": "unknown",
		"_os_name": "unknown", "_os_version": "unknown", "_kernel_version": "6.18.44-fc-v782", "_system_cores": "2",
		"_system_cpu_freq": "2096000000", "_system_ram_total": "25276026880", "_system_disk_space": "274877906944",
		"_architecture": "x86_64", "_virtualization": "bhyve", "_container": "docker", "_container_detection": "systemd-detect-virt",
		"_virt_detection": "systemd-detect-virt", "_is_k8s_node": "false", "_aclk_available": "false", "_is_ephemeral": "false",
		"_has_unstable_connection": "false", "_is_parent": fmt.Sprint(h == s.self && len(s.children) > 0)}
	if h.hops > 0 {
		labels["_is_child"] = "true"
	}
	m := map[string]any{
		"version": s.cfg.version, "uid": h.guid, "mirrored_hosts": hosts, "mirrored_hosts_status": status,
		"alarms":  map[string]any{"normal": normal, "warning": warning, "critical": critical},
		"os_name": "unknown", "os_id": "unknown", "os_id_like": "unknown", "os_version": "unknown", "os_version_id": "unknown", "os_detection": "unknown",
		"cores_total": s.num(2), "total_disk_space": s.num(274877906944), "cpu_freq": s.num(2096000000), "ram_total": s.num(25276026880),
		"container_os_name": "Debian GNU/Linux", "container_os_id": "debian", "container_os_id_like": "unknown",
		"container_os_version": "12 (bookworm)", "container_os_version_id": "12", "container_os_detection": "/etc/os-release",
		"is_k8s_node": s.boolean(false), "kernel_name": "Linux", "kernel_version": "6.18.44-fc-v782", "architecture": "x86_64",
		"virtualization": "bhyve", "virt_detection": "systemd-detect-virt", "container": "docker", "container_detection": "systemd-detect-virt",
		"cloud_provider_type": "unknown", "cloud_instance_type": "unknown", "cloud_instance_region": "unknown",
		"functions":     map[string]any{"processes": map[string]any{"help": "Detailed information on the currently running processes.", "timeout": 10, "options": "LOCAL "}},
		"collectors":    []map[string]string{{"plugin": "proc.plugin", "module": "/proc/stat"}, {"plugin": "proc.plugin", "module": "/proc/loadavg"}, {"plugin": "proc.plugin", "module": "/proc/meminfo"}},
		"cloud-enabled": false, "cloud-available": false, "agent-claimed": false, "aclk-available": false,
		"memory-mode": "dbengine", "multidb-disk-quota": 256, "page-cache-size": 32,
		"stream-enabled": h.hops > 0, "hosts-available": nil, "https-enabled": true,
		"buildinfo":       "dbengine|Native HTTPS|Netdata Cloud|ACLK Next|ACLK-NG New Cloud Protocol Support|ACLK Legacy|TLS Host Verification|Machine Learning|Stream Compression|protobuf|libcrypto|libm|LWS|mosquitto|zlib|apps|cgroup Network Tracking|CUPS|EBPF|perf|slabinfo|NFACCT|Prometheus Remote Write|Exporting",
		"release-channel": "stable", "web-enabled": true,
		"notification-methods": nil, "exporting-enabled": nil, "exporting-connectors": nil,
		"allmetrics-prometheus-used": nil, "allmetrics-shell-used": nil, "allmetrics-json-used": nil,
		"dashboard-used": nil, "charts-count": nil, "metrics-count": nil,
	}
	if s.v2 {
		m["labels"] = labels
		m["stream_compression"] = true
		for _, k := range []string{"notification-methods", "exporting-enabled", "exporting-connectors", "allmetrics-prometheus-used",
			"allmetrics-shell-used", "allmetrics-json-used", "dashboard-used", "charts-count", "metrics-count", "hosts-available"} {
			delete(m, k)
		}
	} else {
		m["host_labels"] = labels
		m["stream-compression"] = nil
	}
	return m
}

func (s *Server) chartJSON(h *host, i int) map[string]any {
	def := &catalog[i]
	dims := map[string]any{}
	for _, d := range def.dims {
		dims[d] = map[string]string{"name": d}
	}
	alarms := map[string]any{}
	for _, a := range h.alarms {
		if a.chart == def.id {
			alarms[a.name] = map[string]any{"id": a.id, "status": a.status, "units": a.units, "update_every": a.updateEvery}
		}
	}
	last := s.lastEntry(h)
	first := s.firstEntry(h)
	return map[string]any{
		"id": def.id, "name": def.id, "type": strings.Split(def.id, ".")[0], "family": def.family, "context": def.context,
		"title": def.title, "priority": def.priority, "plugin": def.plugin, "module": def.module, "units": def.units,
		"data_url": "/api/v1/data?chart=" + def.id, "chart_type": def.chartType, "duration": last - first,
		"first_entry": first, "last_entry": last, "update_every": 1, "dimensions": dims, "chart_variables": map[string]any{},
		"green": nil, "red": nil, "alarms": alarms,
		"chart_labels": map[string]string{"_collect_plugin": def.plugin, "_collect_module": def.module}, "functions": map[string]any{},
	}
}

func (s *Server) charts(h *host) map[string]any {
	charts := map[string]any{}
	dims := 0
	for i := range catalog {
		charts[catalog[i].id] = s.chartJSON(h, i)
		dims += len(catalog[i].dims)
	}
	hosts := []map[string]string{{"hostname": h.name}}
	if h == s.self {
		for _, c := range s.children {
			hosts = append(hosts, map[string]string{"hostname": c.name})
		}
	}
	return map[string]any{
		"hostname": h.name, "version": s.cfg.version, "release_channel": "stable", "os": "linux", "timezone": "Etc/UTC",
		"update_every": 1, "history": 0, "memory_mode": "dbengine", "custom_info": "", "charts_count": len(catalog),
		"dimensions_count": dims, "alarms_count": len(h.alarms), "rrd_memory_bytes": 453264, "hosts_count": len(hosts),
		"hosts": hosts, "charts": charts,
	}
}

func (s *Server) chart(w http.ResponseWriter, r *http.Request, h *host) {
	id := r.URL.Query().Get("chart")
	if id == "" {
		textError(w, http.StatusBadRequest, "text/plain; charset=utf-8", "No chart id is given at the request.")
		return
	}
	i, _ := chartByID(id)
	if i < 0 {
		textError(w, http.StatusNotFound, "text/plain; charset=utf-8", "Chart is not found: "+html.EscapeString(id))
		return
	}
	writeJSON(w, s.chartJSON(h, i))
}

func (s *Server) contextJSON(h *host, def *chartDef) map[string]any {
	return map[string]any{"title": strings.TrimSuffix(def.title, " ("+def.id+")"), "units": def.units, "family": def.family,
		"chart_type": def.chartType, "priority": def.priority, "first_time_t": s.firstEntry(h), "last_time_t": s.lastEntry(h),
		"collected": h.stalledAt == nil}
}

func (s *Server) contexts(h *host) map[string]any {
	ctxs := map[string]any{}
	for i := range catalog {
		ctxs[catalog[i].context] = s.contextJSON(h, &catalog[i])
	}
	return map[string]any{"hostname": h.name, "machine_guid": h.guid, "node_id": h.nodeID, "claim_id": "", "contexts": ctxs}
}

func (s *Server) context(w http.ResponseWriter, r *http.Request, h *host) {
	_, def := chartByContext(r.URL.Query().Get("context"))
	if def == nil { // 1.37 answers an unknown context with 404, application/json and no body
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, s.contextJSON(h, def))
}

func (s *Server) registry(w http.ResponseWriter, r *http.Request, h *host) {
	if r.URL.Query().Get("action") != "hello" {
		textError(w, http.StatusBadRequest, "text/plain; charset=utf-8", "Invalid action.")
		return
	}
	writeJSON(w, map[string]any{"action": "hello", "status": "ok", "hostname": h.name, "machine_guid": h.guid,
		"registry": "https://registry.my-netdata.io", "cloud_base_url": "https://app.netdata.cloud", "anonymous_statistics": false})
}

func (s *Server) allmetrics(w http.ResponseWriter, r *http.Request, h *host) {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "prometheus" && format != "prometheus_all_hosts" {
		textError(w, http.StatusBadRequest, "text/plain; charset=utf-8", "Which format? 'shell', 'prometheus' and 'json' are currently supported.")
		return
	}
	prefix := q.Get("prefix")
	if prefix == "" {
		prefix = "netdata"
	}
	hosts := []*host{h}
	if format == "prometheus_all_hosts" && h == s.self {
		hosts = append(hosts, s.children...)
	}
	var b strings.Builder
	now := s.clock()
	for _, hh := range hosts {
		inst := ""
		if format == "prometheus_all_hosts" {
			inst = fmt.Sprintf("instance=%q,", hh.name)
		}
		fmt.Fprintf(&b, "%s_info{instance=%q,application=\"netdata\",version=%q,_is_ephemeral=\"false\",_has_unstable_connection=\"false\"} 1 %d\n",
			prefix, hh.name, s.cfg.version, now.UnixMilli()+11)
		t := s.lastEntry(hh) - 2
		for ci, def := range catalog {
			if f := q.Get("filter"); f != "" && !simpleMatch(f, def.id) {
				continue
			}
			metric := prefix + "_" + strings.ReplaceAll(def.id, ".", "_") + "_" + strings.ReplaceAll(strings.ToLower(def.units), "/", "_") + "_average"
			for di, d := range def.dims {
				fmt.Fprintf(&b, "%s{%schart=%q,family=%q,dimension=%q} %.7f", metric, inst, def.id, def.family, d, value(ci, di, t))
				if q.Get("timestamps") != "no" {
					fmt.Fprintf(&b, " %d", t*1000)
				}
				b.WriteByte('\n')
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) badge(w http.ResponseWriter, r *http.Request, h *host) {
	q := r.URL.Query()
	ci, def := chartByID(q.Get("chart"))
	if def == nil {
		textError(w, http.StatusNotFound, "text/plain; charset=utf-8", "No metrics where matched to query.")
		return
	}
	label, val, color := def.id, fmt.Sprintf("%.1f%%", value(ci, 5, s.lastEntry(h))), "#4c1"
	if an := q.Get("alarm"); an != "" {
		label = an
		if a := h.alarms[def.id+"."+an]; a != nil {
			switch a.status {
			case "CRITICAL":
				color = "#e05d44"
			case "WARNING":
				color = "#fe7d37"
			}
			if a.value != nil {
				val = fmt.Sprintf("%.1f%s", *a.value, a.units)
			}
		}
	}
	if l := q.Get("label"); l != "" {
		label = l
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="150" height="20" visibility="visible"><g><rect width="90" height="20" fill="#555"/><rect x="90" width="60" height="20" fill="%s"/></g><g fill="#fff" text-anchor="middle" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11"><text x="45" y="14">%s</text><text x="120" y="14">%s</text></g></svg>`,
		color, html.EscapeString(label), html.EscapeString(val))
}

// simpleMatch implements Netdata simple patterns: space-separated globs with '*', '!' negates.
func simpleMatch(patterns, s string) bool {
	for _, p := range strings.Fields(strings.ReplaceAll(patterns, "|", " ")) {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		if globMatch(p, s) {
			return !neg
		}
	}
	return false
}

func globMatch(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		k := strings.Index(s, parts[i])
		if k < 0 {
			return false
		}
		s = s[k+len(parts[i]):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
