package netdatatest

import (
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit/netdata"
)

func escapeExpr(s string) string {
	return strings.NewReplacer(">", "&gt;", "<", "&lt;", "/", "&#x2F;").Replace(s)
}

func (s *Server) alarmJSON(h *host, a *alarm) map[string]any {
	now := s.clock().Unix()
	m := map[string]any{
		"id": a.id, "config_hash_id": "00000000-0000-0000-0000-000000000000", "name": a.name, "chart": a.chart,
		"family": a.family, "class": "Unknown", "component": "Unknown", "type": "Unknown",
		"active": true, "disabled": a.disabled || s.disableAll, "silenced": a.silenced || s.silenceAll,
		"exec": "/bin/true", "recipient": "silent", "source": a.source, "units": a.units, "info": a.info,
		"status": a.status, "last_status_change": a.lastChange, "last_updated": now - now%int64(a.updateEvery),
		"next_update": now - now%int64(a.updateEvery) + int64(a.updateEvery), "update_every": a.updateEvery,
		"delay_up_duration": 0, "delay_down_duration": 0, "delay_max_duration": 0, "delay_multiplier": 1.5,
		"delay": 0, "delay_up_to_timestamp": a.lastChange, "warn_repeat_every": "0", "crit_repeat_every": "0",
		"value_string": valueString(a.value, a.units), "last_repeat": "0", "times_repeat": 0,
		"green": nil, "red": nil, "value": a.value,
	}
	if a.lookup {
		m["lookup_dimensions"] = "user,system"
		m["db_after"], m["db_before"] = now-600, now
		m["lookup_method"], m["lookup_after"], m["lookup_before"], m["lookup_options"] = "average", -600, 0, "unaligned"
	}
	if a.calc != "" {
		m["calc"] = escapeExpr(a.calc)
		m["calc_parsed"] = escapeExpr(strings.ReplaceAll(a.calc, "$this", "${this}"))
	}
	if a.warn != "" {
		m["warn"] = escapeExpr(a.warn)
		m["warn_parsed"] = "(" + escapeExpr(strings.ReplaceAll(a.warn, "$this", "${this}")) + ")"
	}
	if a.crit != "" {
		m["crit"] = escapeExpr(a.crit)
		m["crit_parsed"] = "(" + escapeExpr(strings.ReplaceAll(a.crit, "$this", "${this}")) + ")"
	}
	return m
}

func valueString(v *float64, units string) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64) + units
}

func (s *Server) alarms(w http.ResponseWriter, r *http.Request, h *host) {
	// The agent compares whole tokens of the query string: "all" lists every alarm, while
	// "all=" is not the keyword and lists the raised ones (observed on 1.37.1).
	all := slices.Contains(strings.Split(r.URL.RawQuery, "&"), "all")
	out := map[string]any{}
	for key, a := range h.alarms {
		if all || a.status == netdata.StatusWarning || a.status == netdata.StatusCritical {
			out[key] = s.alarmJSON(h, a)
		}
	}
	var latest int64
	if n := len(h.log); n > 0 {
		latest = h.log[n-1].uniqueID
	}
	writeJSON(w, map[string]any{"hostname": h.name, "latest_alarm_log_unique_id": latest, "status": true, "now": s.clock().Unix(), "alarms": out})
}

func (s *Server) alarmLog(w http.ResponseWriter, r *http.Request, h *host) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	out := []map[string]any{}
	for i := len(h.log) - 1; i >= 0; i-- { // newest first
		e := h.log[i]
		if e.uniqueID <= after {
			continue
		}
		out = append(out, map[string]any{
			"hostname": h.name, "utc_offset": 0, "timezone": "UTC", "unique_id": e.uniqueID, "alarm_id": e.alarmID,
			"alarm_event_id": e.eventID, "config_hash_id": "00000000-0000-0000-0000-000000000000", "name": e.a.name,
			"chart": e.a.chart, "context": e.a.chart, "family": e.a.family, "class": "Unknown", "component": "Unknown", "type": "Unknown",
			"processed": true, "updated": false, "exec_run": e.when, "exec_failed": false, "exec": "/bin/true",
			"recipient": "silent", "exec_code": 0, "source": e.a.source,
			"command": fmt.Sprintf("sudo /etc/netdata/edit-config health.d/%s=%s=%s", strings.TrimPrefix(e.a.source[strings.LastIndex(e.a.source, "/")+1:], ""), strings.Split(e.a.source, "@")[0], h.name),
			"units":   e.a.units, "when": e.when, "duration": 0, "non_clear_duration": 0, "status": e.status, "old_status": e.oldStatus,
			"delay": 0, "delay_up_to_timestamp": e.when, "updated_by_id": 0, "updates_id": e.when,
			"value_string": valueString(e.value, e.a.units), "old_value_string": valueString(e.oldValue, e.a.units),
			"last_repeat": "0", "silenced": fmt.Sprint(e.a.silenced), "info": e.a.info, "value": e.value, "old_value": e.oldValue,
		})
	}
	writeJSON(w, out)
}

func (s *Server) alarmCount(w http.ResponseWriter, r *http.Request, h *host) {
	q := r.URL.Query()
	status := strings.ToUpper(q.Get("status"))
	if status == "" {
		status = "RAISED"
	}
	contexts := q["context"]
	n := 0
	for _, a := range h.alarms {
		if len(contexts) > 0 && !contains(contexts, a.chart) {
			continue
		}
		st := string(a.status)
		if st == status || (status == "RAISED" && (st == "WARNING" || st == "CRITICAL")) {
			n++
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, "[%d]", n)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// manage serves /api/v1/manage/health with the X-Auth-Token check of 1.37 (Authorization:
// Bearer is refused) and the recorded answers.
func (s *Server) manage(w http.ResponseWriter, r *http.Request, _ *host) {
	if r.Header.Get("X-Auth-Token") != s.cfg.token {
		textError(w, http.StatusForbidden, "text/plain; charset=utf-8", "Auth Error")
		return
	}
	q := r.URL.Query()
	sel := netdata.Selectors{Alarm: q.Get("alarm"), Chart: q.Get("chart"), Context: q.Get("context"), Host: q.Get("hosts") + q.Get("host"), Family: q.Get("family")}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	var msg string
	switch q.Get("cmd") {
	case "LIST":
		list := map[string]any{"all": s.silenceAll || s.disableAll, "type": s.mgmtType, "silencers": []netdata.Selectors{}}
		if len(s.silencers) > 0 {
			list["silencers"] = s.silencers
		}
		writeJSON(w, list)
		return
	case "SILENCE ALL":
		s.silenceAll, s.mgmtType, msg = true, "SILENCE", "All alarm notifications are silenced\n"
	case "DISABLE ALL":
		s.disableAll, s.mgmtType, msg = true, "DISABLE", "All health checks are disabled\n"
	case "SILENCE", "DISABLE":
		cmd := q.Get("cmd")
		s.mgmtType = cmd
		if cmd == "SILENCE" {
			msg = "Alarm notifications silenced for alarms matching the selectors\n"
		} else {
			msg = "Health checks disabled for alarms matching the selectors\n"
		}
		if sel != (netdata.Selectors{}) {
			s.silencers = append(s.silencers, sel)
			msg += "Alarm selector added\n"
		}
	case "RESET":
		s.silenceAll, s.disableAll, s.silencers, s.mgmtType = false, false, nil, "None"
		msg = "All health checks and notifications are enabled\n"
	default:
		return // unknown command: 200, empty body (recorded)
	}
	s.applySilencers()
	_, _ = w.Write([]byte(msg))
}

func (s *Server) applySilencers() {
	for _, h := range append([]*host{s.self}, s.children...) {
		for _, a := range h.alarms {
			a.silenced, a.disabled = false, false
			for _, sel := range s.silencers {
				if matchSel(sel, h, a) {
					if s.mgmtType == "DISABLE" {
						a.disabled = true
					} else {
						a.silenced = true
					}
				}
			}
		}
	}
}

func matchSel(sel netdata.Selectors, h *host, a *alarm) bool {
	check := func(pat, v string) bool { return pat == "" || simpleMatch(html.UnescapeString(pat), v) }
	return check(sel.Alarm, a.name) && check(sel.Chart, a.chart) && check(sel.Context, a.chart) && check(sel.Host, h.name) && check(sel.Family, a.family)
}
